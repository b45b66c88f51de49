"""Pilotage de la lutte contre le décrochage scolaire — académie de Poitiers.

Everything in this package but ``app`` and ``ui`` is importable without Streamlit running.
"""
