"""TC2 engine: market data, analysis, execution, strategies, simulation, optimization, program.

Never imports Django; the ``webpanel`` package is the only place that wires the engine to the web.
"""
