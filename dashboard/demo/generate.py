"""Deterministic demonstration data for the school years 2012-2013 to 2016-2017.

``fill(engine)`` writes, in one transaction, into a database that already holds the schema and
the reference geography (``lifecycle.init_database``):

* pseudonymous schools in real communes of the database's académie (about 330 for Poitiers, in
  proportion to the population elsewhere; UAI in the unused block « 0 + department + 9 »: 0169nnn,
  0359nnn…), with monthly absenteeism calibrated on the national rates;
* bimonthly bilans per FOQUALE network (2016-2017 in progress: up to April, two networks one
  period behind) and raccrochage targets per network, department and académie;
* MLDS sites in the larger communes of each department (17 sites and about 500 places for
  Poitiers, in proportion to the population elsewhere);
* a référent décrochage in almost every school and the monthly GPDS activity of the schools
  (``dashboard.demo_prevention``), derived from their absenteeism.

``complete(engine)`` adds the last two to a demonstration database made by a release without them
(after ``lifecycle.upgrade_database``): the rows are those a fresh ``fill`` writes.

``fill(engine, scale="national")`` adds synthetic territories (about 7 000 schools, 360 PSAD,
500 networks in total) for the benchmark; the académie data is kept (superset).

Everything derives from the database's own geography (communes, departments, breakdown): the same
seed on the same académie writes the same rows.

CLI: ``python -m dashboard.demo [--academie rennes] --database-url URL [--scale academie|national]
[--seed N]``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import numpy as np
import polars as pl
from sqlalchemy import Connection, Engine, func, insert, select

from dashboard import fmt
from dashboard.demo import prevention as demo_prevention
from dashboard.demo.bilans import (
    SIGNALES_ACADEMIE,
    Network,
    academie_targets,
    aggregate_targets,
    bilans_and_targets,
    mlds_sites,
)
from dashboard.demo.national import synthetic_territories
from dashboard.demo.schools import ACADEMIE_MIX, Commune, absenteeism_rows, place_schools, scaled_mix
from dashboard.importer import bulk
from dashboard.store import db
from queries import raccrochage_suppression

SCALES = ("academie", "national")
DEFAULT_SEED = 20131
YEARS = [2012, 2013, 2014, 2015, 2016]
CURRENT_YEAR = 2016  # 2016-2017 is in progress
CURRENT_LAST_PERIOD = 3  # bilans received up to the period ending 30 April
CURRENT_MONTHS = 8  # absenteeism received September to April
LATE_NETWORKS = 2  # académie networks one period behind in the current year
MLDS_SITES = {"16": 4, "17": 6, "79": 3, "86": 4}  # 17 sites in the académie de Poitiers (docs/architecture.md, "Domain facts")
MLDS_PLACES = 500
REFERENCE_POPULATION = 1_800_000  # Poitiers: the mix of schools, MLDS sites and places scale from it
NATIONAL_SCHOOLS = 7000

Progress = Callable[[str], None]


def academie_communes(conn: Connection) -> list[Commune]:
    """The communes of the database with their network in the default breakdown."""
    c, t = db.communes, db.territoires
    first = (select(t.c.commune_insee, func.min(t.c.annee_debut).label("debut"))
             .group_by(t.c.commune_insee).subquery())
    stmt = (
        select(c.c.insee, c.c.nom, c.c.departement_code, c.c.population, t.c.reseau_code)
        .select_from(c.join(first, first.c.commune_insee == c.c.insee)
                     .join(t, (t.c.commune_insee == first.c.commune_insee) & (t.c.annee_debut == first.c.debut)))
        .order_by(c.c.insee)
    )
    return [Commune(r.insee, r.nom, r.departement_code, int(r.population), r.reseau_code)
            for r in conn.execute(stmt)]


def uai_prefix(departement: str) -> str:
    """The unused UAI block of a department's demonstration schools: « 0 » + department + « 9 »
    (0169nnn, 0359nnn); Corsica 6209nnn / 7209nnn, overseas 9719nnn…"""
    if departement in ("2A", "2B"):
        return {"2A": "6209", "2B": "7209"}[departement]
    if len(departement) == 3:
        return departement + "9"
    return f"0{departement}9"


def academie_plan(communes: list[Commune]) -> tuple[dict[str, int], dict[str, int], int]:
    """(schools per type, MLDS sites per department, MLDS places) for an académie's communes: the
    figures of Poitiers (docs/architecture.md, "Domain facts") on its own four departments, elsewhere in proportion to the
    population (at least one site per department)."""
    population: dict[str, int] = {}
    for commune in communes:
        population[commune.departement] = population.get(commune.departement, 0) + commune.population
    if sorted(population) == sorted(MLDS_SITES):
        return dict(ACADEMIE_MIX), dict(MLDS_SITES), MLDS_PLACES
    total = sum(population.values())
    ratio = total / REFERENCE_POPULATION
    sites = {dep: max(1, round(pop * sum(MLDS_SITES.values()) / REFERENCE_POPULATION))
             for dep, pop in sorted(population.items())}
    mix = scaled_mix(max(len(population) * 10, round(sum(ACADEMIE_MIX.values()) * ratio)))
    return mix, sites, max(8 * sum(sites.values()), round(MLDS_PLACES * ratio))


def networks_of(communes: list[Commune]) -> list[Network]:
    pops: dict[str, int] = {}
    deps: dict[str, str] = {}
    for commune in communes:
        pops[commune.reseau] = pops.get(commune.reseau, 0) + commune.population
        deps[commune.reseau] = commune.departement
    return [Network(code, deps[code], pops[code]) for code in sorted(pops)]


def generate(rngs: list[np.random.Generator], communes: list[Commune], n_schools: dict[str, int],
             uai_prefix: dict[str, str], per_inhabitant: dict[int, float], late_networks: int,
             mlds: dict[str, int], mlds_places: int) -> dict[str, list[dict]]:
    """Rows of every indicator table for one set of territories (targets without ACAD)."""
    r_schools, r_abs, r_bilans, r_mlds, r_prevention = rngs
    schools = place_schools(r_schools, communes, n_schools, uai_prefix)
    networks = networks_of(communes)
    late = set(r_bilans.choice([n.code for n in networks], size=late_networks, replace=False).tolist())
    bilans, targets = bilans_and_targets(r_bilans, networks, YEARS, per_inhabitant, CURRENT_YEAR,
                                         CURRENT_LAST_PERIOD, late)
    targets += aggregate_targets(targets, {n.code: n.departement for n in networks})
    commune_tuples = [(c.insee, c.nom, c.departement, c.population) for c in communes]
    absenteeism = absenteeism_rows(r_abs, schools, YEARS, CURRENT_YEAR, CURRENT_MONTHS)
    school_frame = pl.DataFrame({"uai": [s.uai for s in schools], "type": [s.type for s in schools]},
                                schema={"uai": pl.String, "type": pl.String})
    return {
        "etablissements": [s.row() for s in schools],
        "bilans": bilans,
        "objectifs": targets,
        "absenteisme": absenteeism,
        "mlds_sites": mlds_sites(r_mlds, commune_tuples, mlds, mlds_places, YEARS),
        **demo_prevention.generate(r_prevention, school_frame, _absenteeism_frame(absenteeism), YEARS),
    }


ABSENTEEISM_SCHEMA = {"uai": pl.String, "mois": pl.String, "annee_scolaire": pl.String, "effectif": pl.Int64,
                      "eleves_absenteistes": pl.Int64}


def _absenteeism_frame(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame([{k: r[k] for k in ABSENTEEISM_SCHEMA} for r in rows], schema=ABSENTEEISM_SCHEMA)


def _national(rng: np.random.Generator, academie_schools: int,
              per_inhabitant: dict[int, float]) -> tuple[dict[str, list[dict]], dict[str, list[dict]]]:
    """(synthetic territory rows, synthetic indicator rows)."""
    geo = synthetic_territories(rng)
    communes: list[Commune] = geo["geo"]
    dep_pop: dict[str, int] = {}
    for c in communes:
        dep_pop[c.departement] = dep_pop.get(c.departement, 0) + c.population
    ratio = sum(MLDS_SITES.values()) / 1_800_000
    mlds = {dep: max(1, round(pop * ratio)) for dep, pop in sorted(dep_pop.items())}
    places = round(sum(dep_pop.values()) * MLDS_PLACES / 1_800_000)
    n_networks = len({c.reseau for c in communes})
    rows = generate(rng.spawn(STREAMS), communes, scaled_mix(NATIONAL_SCHOOLS - academie_schools), geo["uai_prefix"],
                    per_inhabitant, max(1, n_networks // 50), mlds, places)
    territories = {k: geo[k] for k in ("departements", "communes", "territoires")}
    return territories, rows


TABLE_ORDER = ("departements", "communes", "territoires", "etablissements", "bilans", "objectifs",
               "absenteisme", "mlds_sites", "referents", "prevention")
STREAMS = 5  # random streams of ``generate`` (spawned in this order: adding one keeps the others)


def _academie_streams(seed: int) -> tuple[list[np.random.Generator], np.random.Generator]:
    """(the académie's streams for ``generate``, the national-scale stream)."""
    r_academie, r_national = np.random.default_rng(seed).spawn(2)
    return r_academie.spawn(STREAMS), r_national


def fill(engine: Engine, scale: str = "academie", seed: int = DEFAULT_SEED, progress: Progress | None = None) -> None:
    """Fill ``engine`` with demonstration data (one transaction); see the module docstring."""
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}")
    say = progress or (lambda _msg: None)
    r_academie, r_national = _academie_streams(seed)
    with engine.begin() as conn:
        communes = academie_communes(conn)
        if not communes:
            raise RuntimeError("the database has no reference geography: call lifecycle.init_database first")
        mix, sites, places = academie_plan(communes)
        # Poitiers's yearly counts (docs/architecture.md, "Domain facts") on its own population; another académie in proportion
        population = sum(c.population for c in communes) if mix == ACADEMIE_MIX else REFERENCE_POPULATION
        per_inhabitant = {y: n / population for y, n in SIGNALES_ACADEMIE.items()}
        say("Génération des données de l'académie…")
        prefix = {c.departement: uai_prefix(c.departement) for c in communes}
        rows = generate(r_academie, communes, mix, prefix, per_inhabitant, LATE_NETWORKS, sites, places)
        tables: dict[str, list] = {name: [] for name in TABLE_ORDER}  # rows (dicts), or frames
        if scale == "national":
            say("Génération des territoires synthétiques (échelle nationale)…")
            territories, national_rows = _national(r_national, len(rows["etablissements"]), per_inhabitant)
            for name, extra in (*territories.items(), *national_rows.items()):
                _collect(tables[name], extra)
        for name, extra in rows.items():
            _collect(tables[name], extra)
        departements = [r for r in tables["objectifs"] if r["territoire_code"] in _departement_codes(conn, tables)]
        tables["objectifs"].extend(academie_targets(departements))
        for name in TABLE_ORDER:
            _write(conn, name, tables[name], say)
        db.set_meta(conn, "demo", "1")
        db.set_meta(conn, "version", f"demo-{uuid.uuid4().hex}")
    if scale == "academie":  # the secrecy decision of every school year, computed once here
        say("Secret statistique : choix des valeurs masquées de chaque année…")
        raccrochage_suppression.store_decisions(engine)


def _collect(bucket: list, extra) -> None:
    if isinstance(extra, pl.DataFrame):
        bucket.append(extra)
    else:
        bucket.extend(extra)


def _write(conn: Connection, name: str, rows: list, say: Progress) -> None:
    """Insert rows (dicts) or frames (bulk: the driver's ``executemany`` or PostgreSQL's ``COPY``)."""
    if not rows:
        return
    table = db.metadata.tables[name]
    if isinstance(rows[0], pl.DataFrame):
        frame = pl.concat(rows)
        say(f"Écriture de {fmt.integer(frame.height)} lignes dans « {name} »…")
        bulk.insert_rows(conn, table, frame)
        return
    say(f"Écriture de {fmt.integer(len(rows))} lignes dans « {name} »…")
    conn.execute(insert(table), rows)


def complete(engine: Engine, seed: int = DEFAULT_SEED) -> bool:
    """Referents and GPDS activity for a demonstration database that has none (one upgraded from a
    release without these tables), from its schools and absenteeism; True when rows were written.
    A database holding real data (``demo`` ≠ "1") or rows in either table is left alone."""
    with engine.begin() as conn:
        if db.get_meta(conn, "demo") != "1":
            return False
        for table in (db.referents, db.prevention):
            if conn.execute(select(func.count()).select_from(table)).scalar_one():
                return False
        e, a = db.etablissements, db.absenteisme
        schools = pl.DataFrame(conn.execute(select(e.c.uai, e.c.type)).all(), orient="row",
                               schema={"uai": pl.String, "type": pl.String})
        if schools.is_empty():
            return False
        absenteeism = pl.DataFrame(
            conn.execute(select(*[a.c[name] for name in ABSENTEEISM_SCHEMA])).all(), orient="row",
            schema=ABSENTEEISM_SCHEMA)
        streams, _ = _academie_streams(seed)
        frames = demo_prevention.generate(streams[STREAMS - 1], schools, absenteeism, YEARS)
        for name, frame in frames.items():
            _write(conn, name, [frame], lambda _msg: None)
        db.set_meta(conn, "version", f"demo-{uuid.uuid4().hex}")
    return True


def _departement_codes(conn: Connection, tables: dict[str, list[dict]]) -> set[str]:
    codes = set(conn.execute(select(db.departements.c.code)).scalars())
    return codes | {r["code"] for r in tables["departements"]}


# --- CLI ----------------------------------------------------------------------------------------

SUMMARY_LABELS = {
    "departements": "Départements",
    "communes": "Communes",
    "etablissements": "Établissements",
    "bilans": "Bilans bimestriels",
    "objectifs": "Objectifs",
    "absenteisme": "Relevés mensuels d'absentéisme",
    "mlds_sites": "Sites MLDS (lignes par année)",
    "referents": "Référents décrochage (lignes par année)",
    "prevention": "Relevés mensuels des GPDS",
}


def table_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {name: conn.execute(select(func.count()).select_from(db.metadata.tables[name])).scalar_one()
                for name in SUMMARY_LABELS}
