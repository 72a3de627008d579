"""Views of the mathematics: formulas (symbolic), the chain rule (explain), gradient checks,
the computation graph."""
