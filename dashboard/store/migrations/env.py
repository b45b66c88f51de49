"""Alembic environment of the dashboard, configured in code (``dashboard.migrations.config``).

The caller hands over an open connection in ``config.attributes["connection"]`` (inside its own
transaction); without one, the URL of the ``sqlalchemy.url`` option (or the resolved database
URL) is opened here. The version table is unqualified: on PostgreSQL it lands in the first schema
of the connection's ``search_path``, next to the application's tables.
"""

from __future__ import annotations

from alembic import context

from dashboard.store import database, db

config = context.config


def run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=db.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        run(connection)
        return
    engine = database.make_engine(config.get_main_option("sqlalchemy.url") or None)
    try:
        with engine.begin() as conn:
            run(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("Le mode hors ligne (--sql) d'Alembic n'est pas pris en charge.")
run_online()
