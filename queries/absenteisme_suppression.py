"""The statistical-secrecy decision of absenteeism for a school year, read by every channel
that publishes an absenteeism rate (Absentéisme page and files, Accueil, figures export, comparison,
map, deck).

What is published, as sums of unknowns: the unknown of a school is its absent pupil-months over the
year's months (pupils with 4+ unjustified half-days, summed over the months), counted here per month
of the year (÷ the number of months: a mean monthly count, the unit of the threshold). A school's
rate (school list) and every group's rate — each territory of every level × all schools, a school
type, a sector, a priority-education group, a type × sector, a type × priority education — is that
sum over its schools divided by a known enrolment (the mean enrolment is published). A rate is
published rounded to its declared precision (``RATE_STEP``: 0,1 %), and a school's mean monthly
absentees to the unit: a reader knows each published sum only within an interval
(``Cell.offset`` ± ``Cell.rounding``).

``dashboard.disclosure.suppression.decide`` masks every school and group whose mean monthly
absentees are between 1 and the threshold − 1 (or whose mean enrolment is under the threshold),
then complementary ones until linear programming over everything published leaves every masked
school and group an interval at least the threshold wide. One decision per school year, data
version, threshold and method, stored in ``decisions_secret`` with the fingerprint of its inputs
(``data_fingerprint``): an import that changes none of them keeps the stored decision. No Streamlit.
"""

from __future__ import annotations

import threading
import weakref
from collections import defaultdict
from collections.abc import Mapping, Sequence

import polars as pl
from sqlalchemy import Connection, case, func, select

from dashboard.disclosure import cells as dc
from dashboard.disclosure import rule
from dashboard.disclosure.locality import Locality
from dashboard.disclosure.suppression import Decision, decide
from dashboard.store import db
from queries import secret_store as store
from queries.territoires import commune_breakdown, school_years, territory_index

#: Declared precision of a published absenteeism rate (a fraction): 0,1 %.
RATE_STEP = 0.001
RATE_DECIMALS = 3
#: Raised when the way masks are chosen changes (stored decisions are then chosen again; 2: a zero
#: pinned at zero in its department is bounded in the whole system; 3: no complementary mask forced
#: by a sum whose rounding already leaves a masked school the threshold).
METHOD = 3
SCHOOL = "etablissement"
FAMILY = "absenteistes"
ALL = "ENSEMBLE"
DIMENSIONS = ("type", "secteur", "ep")

_MEMO: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # engine → {key: Decision}
_FINGERPRINTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # engine → {(version, annee): digest}
_LOCK = threading.Lock()


def round_rate(value: float | None) -> float | None:
    """A rate at its declared precision (the value every channel publishes)."""
    return None if value is None else round(value, RATE_DECIMALS)


def group_column(by: str, group: str, types: Sequence[str] | None = None) -> str:
    """The key column of a group's rate: ``ensemble``, ``type=LP``, ``secteur=PRIVE``,
    ``type=LP|secteur=PRIVE`` (a type filter of one type, then a breakdown)."""
    base = f"type={types[0]}" if types and len(types) == 1 else ""
    if not by or group == ALL:
        return base or "ensemble"
    part = f"{by}={group}"
    if base and by != "type":
        return f"{base}|{part}"
    return part


def school_sums(conn: Connection, annee: str) -> pl.DataFrame:
    """Per school with data in ``annee``: type, sector, priority education, network (its own, else
    its commune's that year), months, enrolment and absentees summed over the months."""
    a, e = db.absenteisme, db.etablissements
    rows = conn.execute(
        select(a.c.uai, e.c.type, e.c.secteur, func.coalesce(e.c.education_prioritaire, "HORS_EP"),
               e.c.reseau_code, case((e.c.reseau_code.is_(None), e.c.commune_insee)),
               func.count(), func.sum(a.c.effectif), func.sum(a.c.eleves_absenteistes))
        .select_from(a.join(e, e.c.uai == a.c.uai)).where(a.c.annee_scolaire == annee)
        .group_by(a.c.uai, e.c.type, e.c.secteur, e.c.education_prioritaire, e.c.reseau_code, e.c.commune_insee)
    ).all()
    schema = {"uai": pl.String, "type": pl.String, "secteur": pl.String, "ep": pl.String, "reseau_propre": pl.String,
              "commune_insee": pl.String, "nb_mois": pl.Int64, "effectif": pl.Int64, "absenteistes": pl.Int64}
    frame = pl.DataFrame([(*r[:6], int(r[6]), int(r[7] or 0), int(r[8] or 0)) for r in rows], schema=schema,
                         orient="row")
    breakdown = commune_breakdown(conn, annee).select("commune_insee", pl.col("reseau_code").alias("reseau_commune"))
    return frame.join(breakdown, on="commune_insee", how="left").with_columns(
        pl.coalesce("reseau_propre", "reseau_commune").alias("reseau")).drop("reseau_propre", "reseau_commune")


def year_months(conn: Connection, annee: str) -> int:
    a = db.absenteisme
    return int(conn.execute(select(func.count(func.distinct(a.c.mois))).where(a.c.annee_scolaire == annee))
               .scalar_one() or 0)


def _groupings(school: Mapping) -> list[str]:
    """The group columns a school belongs to (in every territory that holds it)."""
    out = ["ensemble"]
    for by in DIMENSIONS:
        out.append(group_column(by, school[by]))
    for by in ("secteur", "ep"):
        out.append(group_column(by, school[by], (school["type"],)))
    return out


def _interval(absent: int, enrolment: int, months: int, n: int, *, with_count: bool) -> tuple[float, float]:
    """What a reader knows of Σ absentees / n from the published rate (rounded to ``RATE_STEP``),
    and, for a school, its mean monthly absentees (rounded to the unit)."""
    rate = round_rate(absent / enrolment) if enrolment else 0.0
    low, high = (rate - RATE_STEP / 2) * enrolment / n, (rate + RATE_STEP / 2) * enrolment / n
    if with_count and months:
        mean = round(absent / months)
        low, high = max(low, (mean - 0.5) * months / n), min(high, (mean + 0.5) * months / n)
    return low, high


def year_cells(annee: str, schools: pl.DataFrame, territories: Mapping[str, tuple[str, tuple[str, ...], str | None]],
               n: int) -> list[dc.Cell]:
    """Every published absenteeism rate of ``annee`` as a sum of the schools' unknowns."""
    out: list[dc.Cell] = []
    if schools.is_empty() or not n:
        return out
    rows = list(schools.iter_rows(named=True))
    by_network: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        by_network[row["reseau"]].append(row)
        var = (annee, row["uai"], "", "absenteistes")
        low, high = _interval(row["absenteistes"], row["effectif"], row["nb_mois"], n, with_count=True)
        true = row["absenteistes"] / n
        out.append(_cell(dc.Key(annee, row["uai"], dc.TOTAL, "", SCHOOL), {var: 1.0}, true, low, high,
                         row["absenteistes"] / row["nb_mois"] if row["nb_mois"] else 0.0,
                         row["effectif"] / row["nb_mois"] if row["nb_mois"] else 0.0))
    for code, (_niveau, reseaux, _parent) in territories.items():
        members = [r for network in reseaux for r in by_network.get(network, ())]
        groups: dict[str, list[dict]] = defaultdict(list)
        for row in members:
            for column in _groupings(row):
                groups[column].append(row)
        for column, group in groups.items():
            absent = sum(r["absenteistes"] for r in group)
            enrolment = sum(r["effectif"] for r in group)
            months = max(r["nb_mois"] for r in group)
            low, high = _interval(absent, enrolment, months, n, with_count=False)
            out.append(_cell(dc.Key(annee, code, dc.TOTAL, "", column),
                             {(annee, r["uai"], "", "absenteistes"): 1.0 for r in group}, absent / n, low, high,
                             absent / months if months else 0.0, enrolment / months if months else 0.0))
    return dc.with_atoms(out)


def _cell(key: dc.Key, coefficients: dict, true: float, low: float, high: float, mean_absent: float,
          mean_enrolment: float) -> dc.Cell:
    cell = dc.Cell(key, coefficients, true, rounding=(high - low) / 2, offset=(high + low) / 2 - true,
                   family_name=FAMILY)
    limit = rule.threshold()
    cell.small = (0 < mean_absent < limit) or mean_enrolment < limit  # type: ignore[attr-defined]
    return cell


def relations(cells: Sequence[dc.Cell], _territories: Mapping, annee: str) -> list[tuple[dc.Cell, list[dc.Cell]]]:
    """The sums readers see: a group's rate is made of its schools' (the school list) — those where
    one masked school could be narrowed below the threshold. A rate is published rounded: the
    group's interval and those of its other schools leave a masked school that much room, so a sum
    whose rounding already leaves it the threshold needs no complementary mask on its account (the
    audit that follows proves every mask either way)."""
    width = float(rule.threshold())
    schools = {next(iter(c.coefficients)): c for c in cells if c.key.column == SCHOOL and c.key.annee == annee}
    out = []
    for cell in cells:
        if cell.key.column != SCHOOL and len(cell.coefficients) > 1:
            parts = [schools[v] for v in cell.coefficients if v in schools]
            widths = [2 * p.rounding for p in parts]
            if 2 * cell.rounding + sum(widths) - max(widths, default=0.0) < width:
                out.append((cell, parts))
    return out


def system(conn: Connection, annee: str):
    """(cells, primary masks, locality) of ``annee``."""
    index = territory_index(conn, annee)
    territories = {t.code: (t.niveau, tuple(t.reseaux), t.parent_code) for t in index.values()}
    schools = school_sums(conn, annee)
    cells = year_cells(annee, schools, territories, year_months(conn, annee))
    primary = {c.atom: "primary" for c in cells if getattr(c, "small", False) and c.value > 0}
    department = {r: t.code for t in index.values() if t.niveau == "departement" for r in t.reseaux}
    school_department = {(annee, row["uai"], "", "absenteistes"): department.get(row["reseau"], row["reseau"] or "")
                         for row in schools.iter_rows(named=True)}
    truth = {(annee, row["uai"], "", "absenteistes"): row["absenteistes"] / max(1, year_months(conn, annee))
             for row in schools.iter_rows(named=True)} if cells else {}
    locality = Locality(cells, truth, lambda var: school_department.get(var, var[1]))
    return cells, territories, primary, locality


def data_fingerprint(conn: Connection, annee: str) -> str:
    """The fingerprint of what the decision of ``annee`` is decided on — exactly the inputs of ``system``,
    in their order: the year's territories (level, networks, parent), its schools' summed absentees and
    enrolments with their type, sector, priority education and network, its number of months. An import
    that changes none of them (a bilan, a prevention file, another year's absenteeism) keeps the stored
    decision instead of deciding it again. Memoised per database and data version."""
    return store.memoised_fingerprint(_FINGERPRINTS, _LOCK, conn, annee, _data_fingerprint)


def _data_fingerprint(conn: Connection, annee: str) -> str:
    territories = [(t.code, t.niveau, tuple(t.reseaux), t.parent_code) for t in territory_index(conn, annee).values()]
    return store.digest(territories, school_sums(conn, annee), year_months(conn, annee))


def fingerprint_text(conn: Connection, annee: str) -> str:
    """What a stored decision was decided on: its inputs' fingerprint, the threshold, the rates' precision."""
    return f"{data_fingerprint(conn, annee)}|{rule.threshold()}|{RATE_STEP:g}"


def decision(conn: Connection, annee: str) -> Decision:
    """The masks of absenteeism in ``annee``: stored (``decisions_secret``), else decided; cached."""
    key = (db.get_meta(conn, "version") or "0", annee, rule.threshold())
    return store.stored_or_decided(conn, store.ABSENTEISME, annee, METHOD, fingerprint_text(conn, annee), _MEMO, _LOCK,
                                   key, _decide)


def _decide(conn: Connection, annee: str) -> Decision:
    cells, territories, primary, locality = system(conn, annee)
    if not cells:
        return Decision(annee, {}, [], 0, 0)
    # primary masks given: the rule is on mean monthly counts (and small enrolments)
    return decide(cells, annee, territories, {}, width=float(rule.threshold()), relate=relations,
                  locality=locality, primary=primary)


def marks(conn: Connection, annee: str) -> dict[tuple[str, str], str]:
    """(territory code or UAI, group column) → mark of every masked absenteeism rate of ``annee``."""
    return {(k.code, k.column): m for k, m in decision(conn, annee).marks.items()}


def store_decisions(engine) -> int:
    with engine.connect() as conn:
        years = school_years(conn)
        results = [(annee, METHOD, fingerprint_text(conn, annee), decision(conn, annee)) for annee in years]
    with engine.begin() as conn:
        store.write(conn, store.ABSENTEISME, results)
    return len(results)


def clear_memo() -> None:
    with _LOCK:
        _MEMO.clear()
        _FINGERPRINTS.clear()
