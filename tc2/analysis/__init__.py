"""Analysis: causal indicators and signals, and the contract of trained analysis models."""
