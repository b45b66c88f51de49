"""Pilotage de la lutte contre le décrochage scolaire — one académie per instance (``dashboard.academie``).

Everything in this package but ``app`` and ``ui`` is importable without Streamlit running.
"""
