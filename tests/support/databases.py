"""Test databases, built once and copied.

Four templates per backend, each built at most once per code version (and reused across runs):

* ``bare`` — the schema only (``lifecycle.create_schema``);
* ``geo`` — the schema and the default breakdown (``lifecycle.init_database``);
* ``demo`` — ``geo`` filled with demonstration data and its stored secrecy decisions (``demo.fill``);
* ``rennes`` — the second académie: ``lifecycle.init_database(engine, "rennes")`` then ``demo.fill`` (issue 27).

A template is keyed by a fingerprint of everything that shapes its content (schema, migrations,
geography, demonstration and secrecy code): change any of it and the next run builds a new one.
SQLite templates are files under ``var/test-cache/<fingerprint>/``, copied per test; PostgreSQL
templates are databases ``pilotage_tpl_<kind>_<fingerprint>``, copied per test with ``CREATE DATABASE
… TEMPLATE`` (a tenth of a second). Parallel workers build a template once: a file lock (SQLite) or a
PostgreSQL advisory lock guards the build. Databases made for a test are dropped in a background
thread (``DROP DATABASE`` waits for a checkpoint: half a second that no test needs to wait for).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import queue
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

from sqlalchemy import Engine, create_engine, text

from dashboard.store import database, lifecycle

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / "var" / "test-cache"
PG_URL = os.environ.get("DASHBOARD_TEST_POSTGRES_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
KINDS = ("bare", "geo", "demo", "rennes")
#: The académie of each template built with ``lifecycle.init_database`` (None: the default, Poitiers).
ACADEMIES = {"rennes": "rennes"}
#: What shapes a template's content: the fingerprint reads every file below these folders.
FINGERPRINTED = ("dashboard", "queries", "geodata")
FINGERPRINTED_FILES = ("pyproject.toml",)
#: Templates and test databases older than this are left by an earlier run: dropped.
STALE_SECONDS = 2 * 24 * 3600


def fingerprint() -> str:
    """12 hex digits of a hash of the code and data a template depends on."""
    digest = hashlib.sha256()
    files = [ROOT / name for name in FINGERPRINTED_FILES]
    for folder in FINGERPRINTED:
        files += [p for p in (ROOT / folder).rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    for path in sorted(files):
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def fill(kind: str, engine: Engine) -> None:
    """Build template ``kind`` in an empty database."""
    if kind == "bare":
        lifecycle.create_schema(engine)
        return
    lifecycle.init_database(engine, ACADEMIES.get(kind))
    if kind in ("demo", "rennes"):
        from dashboard.demo import generate as demo

        demo.fill(engine)


# --- SQLite --------------------------------------------------------------------------------------


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class SqliteTemplates:
    def __init__(self, key: str):
        self.folder = CACHE / key

    def path(self, kind: str) -> Path:
        """The template file of ``kind``, built under a lock the first time."""
        target = self.folder / f"{kind}.sqlite"
        if target.exists():
            return target
        with file_lock(self.folder / f"{kind}.lock"):
            if not target.exists():
                building = self.folder / f"{kind}.{os.getpid()}.building"
                building.unlink(missing_ok=True)
                engine = database.make_engine(f"sqlite:///{building}")
                try:
                    fill(kind, engine)
                finally:
                    engine.dispose()
                building.rename(target)
        _forget_other_versions(self.folder)
        return target

    def copy(self, kind: str, folder: Path) -> str:
        """URL of a private copy of template ``kind`` in ``folder``."""
        folder.mkdir(parents=True, exist_ok=True)
        destination = folder / f"{kind}-{uuid.uuid4().hex[:8]}.sqlite"
        shutil.copyfile(self.path(kind), destination)
        return f"sqlite:///{destination}"


def _forget_other_versions(current: Path) -> None:
    """Delete cached templates of other code versions that nobody touched for a while."""
    for folder in current.parent.iterdir():
        if folder != current and folder.is_dir() and time.time() - folder.stat().st_mtime > STALE_SECONDS:
            shutil.rmtree(folder, ignore_errors=True)


# --- PostgreSQL ----------------------------------------------------------------------------------


def server_url(database: str) -> str:
    """The test server's URL for ``database``."""
    from sqlalchemy.engine import make_url

    url = make_url(PG_URL)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    return url.set(database=database).render_as_string(hide_password=False)


class PostgresTemplates:
    PREFIX = "pilotage_"

    def __init__(self, key: str):
        self.key = key
        self.admin = create_engine(server_url("postgres"), isolation_level="AUTOCOMMIT")
        self._ready: set[str] = set()
        self._drops: queue.Queue[str | None] = queue.Queue()
        self._dropper = threading.Thread(target=self._drop_loop, name="pg-drop", daemon=True)
        self._dropper.start()

    def template(self, kind: str) -> str:
        name = f"{self.PREFIX}tpl_{kind}_{self.key}"
        if name in self._ready:
            return name
        lock = int(hashlib.sha256(name.encode()).hexdigest()[:15], 16)
        with self.admin.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": lock})
            try:
                exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
                if not exists:
                    self._build(conn, kind, name)
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": lock})
        self._ready.add(name)
        return name

    def _build(self, conn, kind: str, name: str) -> None:
        self._drop_stale(conn)
        building = f"{name}_building"
        conn.execute(text(f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{building}"'))
        engine = database.make_engine(server_url(building))
        try:
            fill(kind, engine)
        finally:
            engine.dispose()
        conn.execute(text(f'ALTER DATABASE "{building}" RENAME TO "{name}"'))
        conn.execute(text(f"COMMENT ON DATABASE \"{name}\" IS '{int(time.time())}'"))

    def _drop_stale(self, conn) -> None:
        """Templates of other code versions, and test databases a killed run left, once old."""
        rows = conn.execute(text(
            "SELECT d.datname, shobj_description(d.oid, 'pg_database') FROM pg_database d "
            "WHERE d.datname LIKE :p"), {"p": f"{self.PREFIX}%"}).all()
        for name, stamp in rows:
            if stamp and stamp.isdigit() and time.time() - int(stamp) > STALE_SECONDS:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def create(self, kind: str) -> tuple[str, Callable[[], None]]:
        """(URL, drop) of a new database copied from template ``kind``."""
        template = self.template(kind)
        name = f"{self.PREFIX}t_{uuid.uuid4().hex[:12]}"
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY WAL_LOG'))
            conn.execute(text(f"COMMENT ON DATABASE \"{name}\" IS '{int(time.time())}'"))
        return server_url(name), lambda: self._drops.put(name)

    def _drop_loop(self) -> None:
        while (name := self._drops.get()) is not None:
            with contextlib.suppress(Exception), self.admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            self._drops.task_done()

    def close(self) -> None:
        """Wait for the pending drops, then release the admin connection."""
        self._drops.put(None)
        self._dropper.join(timeout=120)
        self.admin.dispose()


# --- one object per test process -----------------------------------------------------------------


class Databases:
    """Every test database of this process comes from here."""

    def __init__(self) -> None:
        self.key = fingerprint()
        self.sqlite = SqliteTemplates(self.key)
        self._postgres: PostgresTemplates | None = None

    @property
    def postgres(self) -> PostgresTemplates:
        if self._postgres is None:
            if not PG_URL:
                raise RuntimeError("DASHBOARD_TEST_POSTGRES_URL is not set")
            self._postgres = PostgresTemplates(self.key)
        return self._postgres

    def new_url(self, backend: str, kind: str, folder: Path) -> tuple[str, Callable[[], None]]:
        """(URL, cleanup) of a new database of ``kind`` on ``backend``."""
        if backend == "sqlite":
            url = self.sqlite.copy(kind, folder)
            return url, lambda: Path(url.split("///", 1)[1]).unlink(missing_ok=True)
        return self.postgres.create(kind)

    def new_engine(self, backend: str, kind: str, folder: Path) -> tuple[Engine, Callable[[], None]]:
        """(engine, cleanup) of a new database of ``kind`` on ``backend``."""
        url, drop = self.new_url(backend, kind, folder)
        engine = database.make_engine(url)

        def cleanup() -> None:
            engine.dispose()
            drop()

        return engine, cleanup

    def empty_postgres(self) -> tuple[str, Callable[[], None]]:
        """(URL, drop) of an empty PostgreSQL database (no schema at all)."""
        name = f"{PostgresTemplates.PREFIX}t_{uuid.uuid4().hex[:12]}"
        pg = self.postgres
        with pg.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
            conn.execute(text(f"COMMENT ON DATABASE \"{name}\" IS '{int(time.time())}'"))
        return server_url(name), lambda: pg._drops.put(name)

    def close(self) -> None:
        if self._postgres is not None:
            self._postgres.close()
