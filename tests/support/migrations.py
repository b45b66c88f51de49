"""A database as the release before migrations made it, and the revision a database is at."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import create_engine, insert, select

from dashboard.store import migrations
from tests.fixtures import release_schema


def build_release_database(engine, demo_sqlite_url: str, skip: tuple[str, ...] = ()) -> None:
    """The release's ``init`` (``create_all`` of its schema) then its tables filled: demonstration
    rows copied from the demo database, plus users, imports, audit entries and meta values."""
    tables = [t for t in release_schema.metadata.sorted_tables if t.name not in skip]
    release_schema.metadata.create_all(engine, tables=tables)
    source = create_engine(demo_sqlite_url)
    with source.connect() as src, engine.begin() as dst:
        for table in tables:
            if table.name in ("import_log", "audit_log", "utilisateurs", "meta"):
                continue
            rows = [dict(r) for r in src.execute(select(table)).mappings()]
            if rows:
                dst.execute(insert(table), rows)
        meta = release_schema.metadata.tables["meta"]
        dst.execute(insert(meta), [{"cle": "demo", "valeur": "1"}, {"cle": "version", "valeur": "7"}])
        if "utilisateurs" not in skip:
            dst.execute(insert(release_schema.metadata.tables["utilisateurs"]), [
                {"identifiant": "csaio@ac-poitiers.fr", "nom": "CSAIO", "role": "csaio", "territoire_code": "ACAD"},
                {"identifiant": "ienio79@ac-poitiers.fr", "nom": None, "role": "ien-io", "territoire_code": "79"},
            ])
        when = dt.datetime(2015, 3, 2, 10, 30, tzinfo=dt.timezone.utc)
        dst.execute(insert(release_schema.metadata.tables["import_log"]), [
            {"horodatage": when, "utilisateur": "local", "fichier": "bilans.csv", "sha256": "ab" * 32,
             "type_fichier": "bilans", "lignes": 12, "ajoutees": 12, "modifiees": 0, "inchangees": 0},
        ])
        if "audit_log" not in skip:
            dst.execute(insert(release_schema.metadata.tables["audit_log"]), [
                {"horodatage": when, "utilisateur": "local", "action": "consultation", "page": "carte",
                 "territoire_code": "R86-POI", "detail": None},
            ])
    source.dispose()


def revision_of(engine) -> str | None:
    with engine.connect() as conn:
        return migrations.current(conn)
