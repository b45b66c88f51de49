"""Schema migrations (Alembic) on SQLite and PostgreSQL: a database made by the release before
migrations upgrades in place and keeps every row; upgrading twice changes nothing; ``init`` gives
the head revision; the revisions and ``db.metadata`` agree."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, func, insert, inspect, select, text
from sqlalchemy.exc import SQLAlchemyError

from dashboard.store import database, db, lifecycle, migrations
from tests.fixtures import release_schema
from tests.support import cli
from tests.support.databases import BACKENDS
from tests.support.fixtures import empty_database
from tests.support.migrations import build_release_database, revision_of

NEW_TABLES = {"referents", "prevention"}
LETTER_TABLES = {"lettres", "lettre_blocs", "lettre_destinataires", "lettre_envois"}  # revision 0004
SECRECY_TABLES = {"decisions_secret"}  # revision 0005
RELEASE_TABLES = set(release_schema.metadata.tables)


def snapshot(engine, names) -> dict[str, list[tuple]]:
    """Every row of every table, in key order."""
    out = {}
    with engine.connect() as conn:
        for name in sorted(names):
            table = db.metadata.tables[name]
            out[name] = [tuple(r) for r in conn.execute(select(table).order_by(*table.primary_key.columns))]
    return out


pytestmark = pytest.mark.all_backends


@pytest.fixture
def release_engine(databases, backend, tmp_path, demo_sqlite_url):
    engine, cleanup = empty_database(databases, backend, tmp_path)
    build_release_database(engine, demo_sqlite_url)
    yield engine
    cleanup()


@pytest.fixture
def empty_engines(databases, backend, tmp_path):
    """Two empty databases on the same backend."""
    first, clean_first = empty_database(databases, backend, tmp_path)
    second, clean_second = empty_database(databases, backend, tmp_path)
    yield first, second
    clean_first()
    clean_second()


# --- schema comparison --------------------------------------------------------------------------


def differences(engine) -> list:
    """``compare_metadata`` between the database and ``db.metadata``. PostgreSQL folds the unique
    constraint that ``utilisateurs`` declares on its primary key into the key itself, whether the
    table comes from ``create_all`` or from a revision: that one reflected difference is left out."""
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), db.metadata)
    return [d for d in diffs if not _folded_unique(d)]


def _folded_unique(diff) -> bool:
    if not (isinstance(diff, tuple) and diff[0] == "add_constraint"):
        return False
    constraint = diff[1]
    key = db.metadata.tables[constraint.table.name].primary_key.columns
    return {c.name for c in constraint.columns} == {c.name for c in key}


def structure(engine) -> dict:
    """Tables with their columns, keys, indexes and constraints, as reflected."""
    out = {}
    with engine.connect() as conn:
        insp = inspect(conn)
        for name in sorted(insp.get_table_names()):
            out[name] = {
                "columns": [(c["name"], str(c["type"]), c["nullable"], str(c.get("default")))
                            for c in insp.get_columns(name)],
                "pk": insp.get_pk_constraint(name)["constrained_columns"],
                "fk": sorted((tuple(f["constrained_columns"]), f["referred_table"], tuple(f["referred_columns"]))
                             for f in insp.get_foreign_keys(name)),
                "indexes": sorted((i["name"], tuple(i["column_names"]), bool(i["unique"]))
                                  for i in insp.get_indexes(name)),
                "unique": sorted((u["name"], tuple(u["column_names"])) for u in insp.get_unique_constraints(name)),
                "checks": sorted((c["name"], " ".join(c["sqltext"].split())) for c in insp.get_check_constraints(name)),
            }
    return out


# --- tests --------------------------------------------------------------------------------------


def test_revisions_head_is_the_secrecy_decisions():
    script = migrations.script_directory()
    assert [r.revision for r in script.walk_revisions()] == ["0005", "0004", "0002", "0001"]
    assert script.get_revision("0005").down_revision == "0004"
    assert migrations.head() == "0005"
    assert set(migrations.baseline_tables()) == RELEASE_TABLES
    assert set(db.metadata.tables) == RELEASE_TABLES | NEW_TABLES | LETTER_TABLES | SECRECY_TABLES


def test_upgrade_from_the_letter_revision_moves_decisions_out_of_meta(databases, backend, tmp_path):
    """A database at revision 0004 with decisions kept as JSON in ``meta``: the upgrade creates
    ``decisions_secret`` and drops those cache entries; the table takes one decision per subject,
    school year and method version."""
    engine, cleanup = empty_database(databases, backend, tmp_path)
    try:
        migrations.upgrade(engine, "0004")
        with engine.begin() as conn:
            db.set_meta(conn, "secret:2015-2016", '{"masques": []}')
            db.set_meta(conn, "version", "7")
        assert not inspect(engine).has_table("decisions_secret")
        outcome = lifecycle.upgrade_database(engine)
        assert (outcome.before, outcome.after) == ("0004", "0005")
        with engine.begin() as conn:
            assert db.get_meta(conn, "secret:2015-2016") is None
            assert db.get_meta(conn, "version") == "7"
            row = dict(sujet="raccrochage", annee_scolaire="2015-2016", methode=2, empreinte="x",
                       valeurs_publiees=1, tours=0, masques="[]", decidee_le=db_now())
            conn.execute(insert(db.decisions_secret).values(**row))
        with pytest.raises(SQLAlchemyError), engine.begin() as conn:
            conn.execute(insert(db.decisions_secret).values(**row))  # one decision per key
        with pytest.raises(SQLAlchemyError), engine.begin() as conn:
            conn.execute(insert(db.decisions_secret).values(**{**row, "sujet": "autre"}))
        assert differences(engine) == []
    finally:
        cleanup()


def db_now():
    import datetime as dt

    return dt.datetime.now(dt.UTC)


def test_release_database_upgrades_in_place_and_keeps_every_row(release_engine):
    before = snapshot(release_engine, RELEASE_TABLES)
    assert all(before[name] for name in RELEASE_TABLES), [n for n in RELEASE_TABLES if not before[n]]
    assert not inspect(release_engine).has_table("alembic_version")

    outcome = lifecycle.upgrade_database(release_engine)

    assert (outcome.before, outcome.after, outcome.adopted) == (None, migrations.head(), True)
    assert "reconnue comme révision 0001" in outcome.summary()
    assert snapshot(release_engine, RELEASE_TABLES) == before
    assert snapshot(release_engine, NEW_TABLES) == {"prevention": [], "referents": []}
    assert differences(release_engine) == []
    with release_engine.connect() as conn:
        assert db.get_meta(conn, "demo") == "1"
        assert conn.execute(select(func.count()).select_from(db.absenteisme)).scalar_one() > 10_000


def test_upgrade_twice_is_a_no_op(release_engine):
    lifecycle.upgrade_database(release_engine)
    after_first = snapshot(release_engine, db.metadata.tables)
    shape = structure(release_engine)

    again = lifecycle.upgrade_database(release_engine)

    head = migrations.head()
    assert (again.before, again.after, again.adopted, again.changed) == (head, head, False, False)
    assert again.summary() == f"schéma déjà à jour (révision {head})"
    assert snapshot(release_engine, db.metadata.tables) == after_first
    assert structure(release_engine) == shape
    with release_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar_one() == 1


def test_upgraded_database_takes_the_new_rows(release_engine):
    lifecycle.upgrade_database(release_engine)
    with release_engine.begin() as conn:
        conn.execute(insert(db.referents).values(uai="0169001A", annee_scolaire="2014-2015", fonction="CPE",
                                                 formation_suivie=True))
        conn.execute(insert(db.prevention).values(uai="0169001A", mois="2014-10", annee_scolaire="2014-2015",
                                                  **{c: 1 for c in db.PREVENTION_COUNT_COLUMNS}))
    with release_engine.connect() as conn:
        assert conn.execute(select(db.referents.c.formation_suivie)).scalar_one() is True


def test_init_creates_a_database_at_head(db_engine):
    assert revision_of(db_engine) == migrations.head()
    assert differences(db_engine) == []
    assert lifecycle.init_database(db_engine).summary() == f"schéma déjà à jour (révision {migrations.head()})"


def test_revisions_from_empty_and_create_all_give_the_same_schema(empty_engines):
    by_revisions, by_create_all = empty_engines
    migrations.upgrade(by_revisions)
    created = migrations.create(by_create_all)
    assert created.created and created.after == migrations.head()
    assert revision_of(by_revisions) == revision_of(by_create_all) == migrations.head()
    assert differences(by_revisions) == []
    assert differences(by_create_all) == []
    assert structure(by_revisions) == structure(by_create_all)
    assert set(structure(by_revisions)) == set(db.metadata.tables) | {"alembic_version"}


def test_an_older_database_missing_tables_is_completed(databases, backend, tmp_path, demo_sqlite_url):
    engine, cleanup = empty_database(databases, backend, tmp_path)
    try:
        build_release_database(engine, demo_sqlite_url, skip=("utilisateurs", "audit_log"))
        kept = {"absenteisme", "bilans", "etablissements", "import_log", "meta"}
        before = snapshot(engine, kept)
        outcome = lifecycle.upgrade_database(engine)
        assert (outcome.before, outcome.adopted, outcome.after) == (None, False, migrations.head())
        assert snapshot(engine, kept) == before
        assert differences(engine) == []
    finally:
        cleanup()


def test_a_development_database_with_the_new_tables_upgrades(databases, backend, tmp_path):
    """A database created by ``create_all`` after the schema change but before the revisions."""
    engine, cleanup = empty_database(databases, backend, tmp_path)
    try:
        db.metadata.create_all(engine)
        with engine.begin() as conn:
            conn.execute(insert(db.referents).values(uai="0169001A", annee_scolaire="2014-2015",
                                                     fonction="PSYEN"))
        outcome = lifecycle.upgrade_database(engine)
        assert outcome.adopted and outcome.after == migrations.head()
        assert snapshot(engine, ["referents"])["referents"] == [("0169001A", "2014-2015", "PSYEN", None)]
    finally:
        cleanup()


def test_a_failed_upgrade_changes_nothing(release_engine):
    """An index that takes the name revision 0002 needs: the upgrade fails after creating both
    tables, and the whole transaction is rolled back (SQLite included)."""
    with release_engine.begin() as conn:  # plain SQL: the frozen schema's tables stay as they are
        conn.execute(text("CREATE INDEX ix_prevention_annee_scolaire ON meta (valeur)"))
    before = snapshot(release_engine, RELEASE_TABLES)
    with pytest.raises(SQLAlchemyError):
        lifecycle.upgrade_database(release_engine)
    names = set(inspect(release_engine).get_table_names())
    assert names == RELEASE_TABLES
    assert snapshot(release_engine, RELEASE_TABLES) == before


@pytest.mark.skipif("postgresql" not in BACKENDS, reason="PostgreSQL not configured")
def test_version_table_goes_to_the_connection_schema(databases):
    url, drop = databases.empty_postgres()
    with database.make_engine(url).begin() as conn:
        conn.execute(text('CREATE SCHEMA "t_schema"'))
    engine = create_engine(url, connect_args={"options": "-csearch_path=t_schema"})
    try:
        lifecycle.init_database(engine)
        with engine.connect() as conn:
            schema = conn.execute(text("SELECT current_schema()")).scalar_one()
            where = conn.execute(text(
                "SELECT table_schema FROM information_schema.tables WHERE table_name = 'alembic_version' "
                "AND table_schema = current_schema()")).scalars().all()
        assert schema.startswith("t_") and where == [schema]
    finally:
        engine.dispose()
        drop()


def test_cli_upgrade_in_french(tmp_path, demo_sqlite_url):
    url = f"sqlite:///{tmp_path / 'release.sqlite'}"
    engine = database.make_engine(url)
    build_release_database(engine, demo_sqlite_url)
    before = snapshot(engine, RELEASE_TABLES)
    engine.dispose()
    first = cli.run_cli("dashboard.db", "upgrade", "--database-url", url)
    assert first.returncode == 0, first.stderr
    assert f"reconnue comme révision 0001, mise à jour vers la révision {migrations.head()}" in first.stdout
    assert "Données de démonstration complétées" in first.stdout  # a demonstration database
    second = cli.run_cli("dashboard.db", "upgrade", "--database-url", url)
    assert second.returncode == 0, second.stderr
    assert f"schéma déjà à jour (révision {migrations.head()})" in second.stdout
    assert "complétées" not in second.stdout
    engine = database.make_engine(url)
    after = snapshot(engine, RELEASE_TABLES)
    assert after.pop("meta") != before.pop("meta")  # the data version changed: caches are recomputed
    assert after == before
    assert revision_of(engine) == migrations.head()
    assert all(snapshot(engine, NEW_TABLES).values())
    engine.dispose()


def test_importer_cli_upgrades_a_release_database_before_importing(tmp_path, demo_sqlite_url):
    url = f"sqlite:///{tmp_path / 'release.sqlite'}"
    engine = database.make_engine(url)
    build_release_database(engine, demo_sqlite_url)
    with engine.connect() as conn:
        school = conn.execute(select(db.etablissements.c.uai).order_by(db.etablissements.c.uai)).scalars().first()
    engine.dispose()
    data = tmp_path / "referents.csv"
    data.write_text(f"uai;annee_scolaire;fonction\n{school};2014-2015;CPE\n", encoding="utf-8")
    done = cli.run_cli("dashboard.importer", str(data), "--kind", "referents", "--database-url", url)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("Import réussi (Référents décrochage) : 1 ligne ajoutée")
    engine = database.make_engine(url)
    assert revision_of(engine) == migrations.head()
    assert snapshot(engine, ["referents"])["referents"] == [(school, "2014-2015", "CPE", None)]
    engine.dispose()


def test_cli_upgrade_refuses_an_empty_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'vide.sqlite'}"
    done = cli.run_cli("dashboard.db", "upgrade", "--database-url", url)
    assert done.returncode == 1
    assert "est vide" in done.stderr and "python -m dashboard.db init" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_app_start_upgrades_an_existing_database(tmp_path, demo_sqlite_url):
    """``ui.engine()`` on a database of the previous release: upgraded in place, every row kept, and
    (a demonstration database) the referents and GPDS activity added."""
    from dashboard.ui import data as ui

    url = f"sqlite:///{tmp_path / 'release.sqlite'}"
    engine = database.make_engine(url)
    build_release_database(engine, demo_sqlite_url)
    before = snapshot(engine, RELEASE_TABLES - {"meta"})
    engine.dispose()
    app_engine = ui._engine_for(url)
    try:
        assert revision_of(app_engine) == migrations.head()
        assert snapshot(app_engine, RELEASE_TABLES - {"meta"}) == before
        assert all(snapshot(app_engine, NEW_TABLES).values())
    finally:
        ui._engine_for.clear()
        app_engine.dispose()
