"""Strategy simulation: the day simulator, the multi-day evaluator and their metrics."""
