"""Plotly figure builders, one module per subject; shared styling in ``common``."""
