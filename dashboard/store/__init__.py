"""The database: schema and engine (``db``), creation, upgrade and initialisation (``lifecycle``),
Alembic revisions (``migrations``), damage detection (``integrity``) and failures in French
(``dbfailure``: unreachable, busy, conflict, damaged, full). Core, no Streamlit.

May import: SQLAlchemy, Alembic, ``geodata``, ``dashboard.fmt``. Never ``queries``, the publishing
side, the Streamlit side, pages or the demonstration data (``pyproject.toml``, import-linter).
"""
