"""Bulk inserts, updates and deletes inside the caller's transaction, fast on both backends.

SQLite: the driver's own ``executemany`` with plain tuples. PostgreSQL: ``COPY`` into the table (for
inserts) or into a temporary staging table followed by one ``UPDATE … FROM`` / ``DELETE … USING``.
Table and column names come from the schema (``dashboard.db``), never from a file; values are
always sent as parameters or through ``COPY``.
"""

from __future__ import annotations

import uuid

import polars as pl
from sqlalchemy import Connection, Table

BATCH = 20_000


def _quote(conn: Connection, name: str) -> str:
    return conn.dialect.identifier_preparer.quote(name)


def _placeholder(conn: Connection) -> str:
    return "?" if conn.dialect.paramstyle == "qmark" else "%s"


def _is_postgresql(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


def _batches(frame: pl.DataFrame, columns: list[str]):
    for offset in range(0, frame.height, BATCH):
        yield frame.slice(offset, BATCH).select(columns).rows()


def _executemany(conn: Connection, sql: str, frame: pl.DataFrame, columns: list[str]) -> None:
    """The driver's own ``executemany`` on the transaction's connection (no per-row overhead)."""
    cursor = conn.connection.driver_connection.cursor()
    try:
        for rows in _batches(frame, columns):
            cursor.executemany(sql, rows)
    finally:
        cursor.close()


def _copy(conn: Connection, table_name: str, frame: pl.DataFrame) -> None:
    """``COPY table (columns) FROM STDIN`` through psycopg, on the transaction's connection."""
    driver = conn.connection.driver_connection
    columns = ", ".join(_quote(conn, c) for c in frame.columns)
    with driver.cursor() as cursor, cursor.copy(f"COPY {table_name} ({columns}) FROM STDIN") as copy:
        for rows in _batches(frame, frame.columns):
            for row in rows:
                copy.write_row(row)


def _staging(conn: Connection, table: Table, frame: pl.DataFrame) -> str:
    """A temporary copy of ``frame`` in PostgreSQL, dropped at commit; returns its name."""
    name = _quote(conn, f"import_{uuid.uuid4().hex[:12]}")
    conn.exec_driver_sql(
        f"CREATE TEMPORARY TABLE {name} AS SELECT {', '.join(_quote(conn, c) for c in frame.columns)} "
        f"FROM {_quote(conn, table.name)} WITH NO DATA"
    )
    _copy(conn, name, frame)
    return name


def insert_rows(conn: Connection, table: Table, frame: pl.DataFrame) -> None:
    if frame.is_empty():
        return
    if _is_postgresql(conn):
        _copy(conn, _quote(conn, table.name), frame)
        return
    columns = ", ".join(_quote(conn, c) for c in frame.columns)
    marks = ", ".join([_placeholder(conn)] * frame.width)
    _executemany(conn, f"INSERT INTO {_quote(conn, table.name)} ({columns}) VALUES ({marks})", frame, frame.columns)


def update_rows(conn: Connection, table: Table, frame: pl.DataFrame, key: list[str]) -> None:
    if frame.is_empty():
        return
    values = [c for c in frame.columns if c not in key]
    target = _quote(conn, table.name)
    if _is_postgresql(conn):
        staging = _staging(conn, table, frame)
        sets = ", ".join(f"{_quote(conn, c)} = s.{_quote(conn, c)}" for c in values)
        match = " AND ".join(f"t.{_quote(conn, k)} = s.{_quote(conn, k)}" for k in key)
        conn.exec_driver_sql(f"UPDATE {target} AS t SET {sets} FROM {staging} AS s WHERE {match}")
        conn.exec_driver_sql(f"DROP TABLE {staging}")
        return
    mark = _placeholder(conn)
    sets = ", ".join(f"{_quote(conn, c)} = {mark}" for c in values)
    match = " AND ".join(f"{_quote(conn, k)} = {mark}" for k in key)
    _executemany(conn, f"UPDATE {target} SET {sets} WHERE {match}", frame, [*values, *key])


def delete_rows(conn: Connection, table: Table, frame: pl.DataFrame, key: list[str]) -> None:
    if frame.is_empty():
        return
    target = _quote(conn, table.name)
    if _is_postgresql(conn):
        staging = _staging(conn, table, frame.select(key))
        match = " AND ".join(f"t.{_quote(conn, k)} = s.{_quote(conn, k)}" for k in key)
        conn.exec_driver_sql(f"DELETE FROM {target} AS t USING {staging} AS s WHERE {match}")
        conn.exec_driver_sql(f"DROP TABLE {staging}")
        return
    match = " AND ".join(f"{_quote(conn, k)} = {_placeholder(conn)}" for k in key)
    _executemany(conn, f"DELETE FROM {target} WHERE {match}", frame, key)
