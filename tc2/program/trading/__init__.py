"""Trading: strategies run live on a market (the replay market, Alpaca paper or live).

``live_run.LiveRun`` drives one strategy run as bars arrive, through the simulator's own
machinery, so a backtest of a session and a replay of it trade the same fills.
"""
