"""Peer engines: the same reference strategies run in third-party backtesters, for comparison.

``backtrader_sma`` runs the SMA-crossover reference strategy in backtrader (the pinned
``backtrader==1.9.78.123`` of requirements-dev.txt); ``spy_minutes`` loads the shared SPY minute
bars both engines are fed.
"""
