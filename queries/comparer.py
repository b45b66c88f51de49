"""Territories side by side: the comparison table, the small-multiples series and the ranking.

Every figure comes from the modules that own it, so the comparison matches the rest of the
dashboard: raccrochage figures and their disclosure rule from ``queries.figures`` (the figures
export of one territory), absenteeism from ``queries.absenteisme``, prevention (referent coverage,
pupils spotted per 1 000, share followed) from ``queries.prevention_figures``. This module only derives
what the comparison adds (per 10 000 inhabitants, shares of solution types) and the difference
from the académie, with the direction of "better" defined here, in ``BETTER``, for every
indicator (no Streamlit).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

import polars as pl
from sqlalchemy import Connection

from dashboard.access.scope import ACADEMIE, Scope
from dashboard.disclosure import marks
from queries import absenteisme as aq
from queries import figures as figures_query
from queries import raccrochage as rq
from queries import raccrochage_position as position
from queries import raccrochage_rules
from queries import territoires as tq

MIN_TERRITORIES, MAX_TERRITORIES = 2, 6
PARAM_TERRITORIES, PARAM_YEAR = "territoires", "annee"
PARAM_LEVEL, PARAM_INDICATOR = "niveau", "indicateur"
#: Default selection at académie level: the three networks of Vienne.
ACADEMIE_DEFAULT = ("R86-POI", "R86-SVI", "R86-CHA")
RANKING_LEVELS = ("reseau", "psad", "departement")

SOLUTION_TYPES = ("formation_initiale", "structure_innovante", "apprentissage", "mlds", "service_civique", "autres")
SOLUTION_TYPE_LABELS = {
    "formation_initiale": "formation initiale (EPLE)", "structure_innovante": "structure innovante",
    "apprentissage": "apprentissage (CFA)", "mlds": "module MLDS", "service_civique": "service civique",
    "autres": "autres (E2C, EPIDE, GRETA…)",
}  # fmt: skip
SCHOOL_TYPES = ("COLLEGE", "LGT", "LP", "LPO", "EREA")
SCHOOL_TYPE_PLURALS = {"COLLEGE": "collèges", "LGT": "LGT", "LP": "LP", "LPO": "LPO", "EREA": "EREA"}

#: The one place where "better" is defined: +1 higher is better, −1 lower is better, 0 neutral
#: (counts, population, shares of solution types: no value judgement).
BETTER: dict[str, int] = {
    "raccroches": 0,
    "objectif": 0,
    "taux_atteinte": 1,
    "signales_10000": -1,
    "taux_contact": 1,
    "part_solution": 1,
    "part_raccroches": 1,
    **{f"part_{s}": 0 for s in SOLUTION_TYPES},
    **{f"absenteisme_{t}": -1 for t in SCHOOL_TYPES},
    "absenteisme_global": -1,
    # prevention: every school should have its referent, and a spotted pupil should be followed;
    # pupils spotted per 1 000 mix the need (absenteeism) and the GPDS's work: no value judgement
    "couverture_referents": 1,
    "eleves_reperes_pour_1000": 0,
    "part_suivis": 1,
    "population": 0,
}

#: Differences smaller than this are "equal" (half the display precision: 0,1 pt, 0,1 per 10 000).
EQUAL_WITHIN = {"rate": 0.0005, "share": 0.0005, "per10k": 0.05, "per1000": 0.05, "count": 0.5}

MEILLEUR, MOINS_BON, EGAL, NEUTRE = "meilleur", "moins_bon", "egal", "neutre"


@dataclass(frozen=True)
class Indicator:
    key: str
    label: str  # French; rates and shares start with "Taux"/"Part" (formatted as % in XLSX)
    kind: str  # count | rate (a fraction) | share (a fraction) | per10k | per1000 (pupils)

    @property
    def better(self) -> int:
        return BETTER[self.key]


INDICATORS: tuple[Indicator, ...] = (
    Indicator("raccroches", "Jeunes raccrochés", "count"),
    Indicator("objectif", "Objectif de raccrochage", "count"),
    Indicator("taux_atteinte", "Taux d'atteinte de l'objectif", "rate"),
    Indicator("signales_10000", "Jeunes signalés pour 10 000 habitants", "per10k"),
    Indicator("taux_contact", "Taux de contact (contactés / signalés)", "rate"),
    Indicator("part_solution", "Part des jeunes signalés ayant une solution proposée", "rate"),
    Indicator("part_raccroches", "Part des jeunes signalés raccrochés", "rate"),
    *(Indicator(f"part_{s}", f"Part des raccrochés — {SOLUTION_TYPE_LABELS[s]}", "share") for s in SOLUTION_TYPES),
    *(Indicator(f"absenteisme_{t}", f"Taux d'absentéisme — {SCHOOL_TYPE_PLURALS[t]}", "rate") for t in SCHOOL_TYPES),
    Indicator("absenteisme_global", "Taux d'absentéisme — tous établissements", "rate"),
    Indicator("couverture_referents", "Taux de couverture en référents décrochage", "rate"),
    Indicator("eleves_reperes_pour_1000", "Élèves repérés par les GPDS pour 1 000 élèves", "per1000"),
    Indicator("part_suivis", "Part des élèves repérés suivis par le GPDS", "rate"),
    Indicator("population", "Population municipale (INSEE)", "count"),
)
INDICATOR_INDEX = {i.key: i for i in INDICATORS}
#: Prevention indicators: keys of the figures export (``queries.prevention_figures``).
PREVENTION_KEYS = ("couverture_referents", "eleves_reperes_pour_1000", "part_suivis")


# --- difference and colouring rules (pure) ------------------------------------------------------


def difference(key: str, value: float | None, reference: float | None) -> float | None:
    """Difference from the académie: ``value − reference`` (a difference of fractions for rates,
    per 10 000 inhabitants or per 1 000 pupils for rates per population); for counts, the
    territory's share of the académie."""
    if value is None or reference is None:
        return None
    if INDICATOR_INDEX[key].kind == "count":
        return value / reference if reference else None
    return value - reference


def verdict(key: str, value: float | None, reference: float | None) -> str | None:
    """``meilleur`` / ``moins_bon`` / ``egal`` than the académie, ``neutre`` for an indicator
    without direction, ``None`` when a value is missing or masked."""
    if value is None or reference is None:
        return None
    indicator = INDICATOR_INDEX[key]
    if indicator.better == 0:
        return NEUTRE
    delta = value - reference
    if abs(delta) < EQUAL_WITHIN[indicator.kind]:
        return EGAL
    return MEILLEUR if delta * indicator.better > 0 else MOINS_BON


# --- values of one territory ---------------------------------------------------------------------


def territory_figures(conn: Connection, scope: Scope, code: str, annee: str) -> dict:
    """The figures export of one territory (``queries.figures.territory_figures``): raccrochage,
    absenteeism and prevention, disclosure applied."""
    return dict(figures_query.territory_figures(conn, scope, code, annee))


def indicator_values(figures: Mapping, population: int | None) -> dict[str, tuple[float | None, bool]]:
    """``{indicator: (value, masked)}`` from one territory's figures export. Derived values are
    masked when a figure they are built on is masked."""
    masked = set(figures.get("masque") or [])

    def get(key: str, flag: str | None = None) -> tuple[float | None, bool]:
        value = figures.get(key)
        return (None if value is None else float(value)), (flag or key) in masked

    out: dict[str, tuple[float | None, bool]] = {
        key: get(key) for key in ("raccroches", "objectif", "taux_atteinte", "taux_contact", "part_solution",
                                  "part_raccroches")
    }
    signales, signales_masked = get("jeunes_signales")
    out["signales_10000"] = (signales / population * 10_000 if signales is not None and population else None,
                             signales_masked)
    raccroches, raccroches_masked = out["raccroches"]
    by_solution = figures.get("raccroches_par_solution") or {}
    for s in SOLUTION_TYPES:
        count = by_solution.get(s)
        is_masked = raccroches_masked or f"raccroches_par_solution.{s}" in masked
        share = count / raccroches if count is not None and raccroches and not is_masked else None
        out[f"part_{s}"] = (share, is_masked)
    by_type = figures.get("absenteisme_par_type") or {}
    for t in SCHOOL_TYPES:
        value = by_type.get(t)
        out[f"absenteisme_{t}"] = (None if value is None else float(value), f"absenteisme_par_type.{t}" in masked)
    out["absenteisme_global"] = get("absenteisme_global")
    for key in PREVENTION_KEYS:
        out[key] = get(key)
    out["population"] = (None if population is None else float(population), False)
    return out


CELL_SCHEMA = {
    "indicateur": pl.String, "code": pl.String, "valeur": pl.Float64, "masque": pl.Boolean,
    "reference": pl.Float64, "ecart": pl.Float64, "verdict": pl.String,
}  # fmt: skip


def _cells(territory: tq.Territory, values: Mapping, reference: Mapping | None) -> list[dict]:
    rows = []
    for indicator in INDICATORS:
        value, is_masked = values[indicator.key]
        ref = reference[indicator.key][0] if reference else None
        rows.append({
            "indicateur": indicator.key, "code": territory.code, "valeur": value, "masque": is_masked,
            "reference": ref, "ecart": difference(indicator.key, value, ref),
            "verdict": verdict(indicator.key, value, ref),
        })
    return rows


@dataclass(frozen=True)
class Comparison:
    annee: str
    territories: tuple[tq.Territory, ...]  # in the order chosen
    reference: tq.Territory | None  # the académie (None if the scope may not see it)
    cells: pl.DataFrame  # CELL_SCHEMA, one row per indicator and territory (reference included)
    figures: dict[str, dict]  # code → figures export (for checks and exports)

    def value(self, code: str, indicator: str) -> float | None:
        """The value of one cell (None when missing or masked, or not in the comparison)."""
        row = self.cells.filter((pl.col("code") == code) & (pl.col("indicateur") == indicator))
        return row["valeur"][0] if row.height else None

    @property
    def closed(self) -> bool:
        """Whether the school year is closed for one of the territories compared (its trajectory is
        then the target alone)."""
        return any(position.is_closed(f.get("situation_annee")) for f in self.figures.values())


def comparison(conn: Connection, scope: Scope, codes: Sequence[str], annee: str) -> Comparison:
    """The comparison table of ``codes`` (scope checked for each) against the académie."""
    territories = [tq.resolve_territory(conn, scope, code, annee) for code in codes]
    index = tq.territory_index(conn, annee)
    reference = index[ACADEMIE] if tq.can_view(index, scope, ACADEMIE) else None
    figures: dict[str, dict] = {}
    values: dict[str, dict] = {}
    for territory in [*territories, *([reference] if reference else [])]:
        if territory.code not in figures:
            figures[territory.code] = territory_figures(conn, scope, territory.code, annee)
            values[territory.code] = indicator_values(figures[territory.code], territory.population)
    ref_values = values[ACADEMIE] if reference else None
    rows = [row for t in territories for row in _cells(t, values[t.code], ref_values)]
    if reference and ACADEMIE not in codes:
        rows += _cells(reference, ref_values, ref_values)
    return Comparison(annee, tuple(territories), reference, pl.DataFrame(rows, schema=CELL_SCHEMA), figures)


# --- selection and shareable URL (pure) --------------------------------------------------------


def parse_codes(raw: str | None) -> list[str]:
    """``"R86-POI, R86-SVI,,R86-POI"`` → ``["R86-POI", "R86-SVI"]`` (order kept, duplicates dropped)."""
    out: list[str] = []
    for part in (raw or "").split(","):
        code = part.strip()
        if code and code not in out:
            out.append(code)
    return out


def parse_selection(raw: str | None, visible: Iterable[str]) -> tuple[list[str], list[str]]:
    """(kept, dropped): codes of the ``territoires`` parameter the user may view (at most
    ``MAX_TERRITORIES``), and the unknown or out-of-scope ones, dropped."""
    allowed = set(visible)
    codes = parse_codes(raw)
    kept = [c for c in codes if c in allowed]
    dropped = [c for c in codes if c not in allowed]
    return kept[:MAX_TERRITORIES], dropped


def too_many(raw: str | None, visible: Iterable[str]) -> bool:
    """Whether the ``territoires`` parameter names more territories the user may view than
    ``MAX_TERRITORIES`` (only the first ones are compared)."""
    allowed = set(visible)
    return len([c for c in parse_codes(raw) if c in allowed]) > MAX_TERRITORIES


#: The indicators a ranking can sort by (every one of the table but the population).
RANKING_INDICATORS = tuple(i.key for i in INDICATORS if i.key != "population")


def ranking_choice(chosen: Sequence[str], index: Mapping[str, tq.Territory], level: str | None,
                   indicator: str | None) -> tuple[str, str]:
    """(level, indicator) the ranking opens on: those of the link when valid, else the level of the
    first territory compared that can be ranked (networks when none) and the rate of achievement."""
    if level not in RANKING_LEVELS:
        level = next((index[c].niveau for c in chosen if index[c].niveau in RANKING_LEVELS), "reseau")
    if indicator not in RANKING_INDICATORS:
        indicator = "taux_atteinte"
    return level, indicator


def default_selection(index: Mapping[str, tq.Territory], code: str) -> list[str]:
    """The default comparison for the sidebar territory ``code`` (``index``: visible territories):
    the académie → the three networks of Vienne; a department or PSAD → itself and its children;
    a network → the networks of its department. Completed with the parent (then the académie)
    up to ``MIN_TERRITORIES``; at most ``MAX_TERRITORIES``."""
    territory = index.get(code)
    if territory is None:
        return list(index)[:MIN_TERRITORIES]
    if territory.niveau == "academie":
        out = [c for c in ACADEMIE_DEFAULT if c in index]
        if len(out) < MIN_TERRITORIES:
            out = [code, *[t.code for t in index.values() if t.parent_code == code]]
    elif territory.niveau == "reseau":
        department = _department(index, territory)
        out = [code, *[t.code for t in index.values()
                       if t.niveau == "reseau" and t.code != code and _department(index, t) == department]]
    else:
        out = [code, *[t.code for t in index.values() if t.parent_code == code]]
    parent = territory.parent_code
    while len(out) < MIN_TERRITORIES and parent is not None and parent in index:
        out.append(parent)
        parent = index[parent].parent_code
    if len(out) < MIN_TERRITORIES and ACADEMIE in index and ACADEMIE not in out:
        out.append(ACADEMIE)
    return out[:MAX_TERRITORIES]


def _department(index: Mapping[str, tq.Territory], territory: tq.Territory) -> str | None:
    """Code of the department of a network (through its PSAD), if visible."""
    psad = index.get(territory.parent_code or "")
    return psad.parent_code if psad else None


def share_query(annee: str, codes: Sequence[str], extra: Mapping[str, str] | None = None) -> str:
    """The query string reproducing a comparison: ``annee=2014-2015&territoires=R86-POI,R86-SVI``."""
    params = {PARAM_YEAR: annee, PARAM_TERRITORIES: ",".join(codes), **(extra or {})}
    return urlencode(params, safe=",")


def share_url(base: str, annee: str, codes: Sequence[str], extra: Mapping[str, str] | None = None) -> str:
    """``base`` (the page's URL, without query string) + ``share_query``."""
    return f"{base.split('?', 1)[0].rstrip('/')}?{share_query(annee, codes, extra)}"


# --- small multiples -----------------------------------------------------------------------------

TRAJECTORY_SCHEMA = {
    "code": pl.String, "rang": pl.Int64, "libelle": pl.String, "objectif": pl.Int64,
    "raccroches_cumul": pl.Int64, "part_realisee": pl.Float64, "masque": pl.Boolean, "part_attendue": pl.Float64,
    "marque": pl.String,
}  # fmt: skip


def _cumul_mark(cells: str | None) -> str | None:
    """The decided mark of a period's cumulative raccrochés (None when shown)."""
    return marks.decode_marks(cells).get("raccroches_cumul")


def trajectories(conn: Connection, scope: Scope, codes: Sequence[str], annee: str) -> pl.DataFrame:
    """Per territory and period slot: cumulative raccrochés (disclosure applied), as a share of
    the territory's own target (``part_realisee``), and the target trajectory's share
    (``part_attendue``; none in a closed year, which has a target and no trajectory) — from
    ``queries.raccrochage``; ``marque``: the decided mark of a masked cumulative value."""
    frames = []
    for code in codes:
        detail = rq.detail(conn, scope, code, annee)  # resolves the territory: scope checked
        objectif = detail.situation["objectif"]
        periods = detail.publie.periodes
        target = detail.trajectoire
        if position.is_closed(detail.situation["phase"]):
            target = target.clear()
        done = periods.select(
            "rang",
            "raccroches_cumul",
            pl.col("cellules_masquees").str.contains("raccroches_cumul").alias("masque"),
            pl.col("cellules_masquees").map_elements(_cumul_mark, return_dtype=pl.String).alias("marque"),
        )
        frame = target.select("rang", "libelle", pl.col("part_profil").alias("part_attendue")).join(
            done, on="rang", how="full", coalesce=True
        )
        frame = frame.with_columns(
            pl.lit(code).alias("code"),
            pl.lit(objectif, dtype=pl.Int64).alias("objectif"),
            pl.col("masque").fill_null(False),
            (pl.col("raccroches_cumul") / objectif if objectif else pl.lit(None, dtype=pl.Float64)).alias(
                "part_realisee"),
            pl.col("libelle").fill_null(pl.col("rang").map_elements(raccrochage_rules.slot_label, return_dtype=pl.String)),
        )
        frames.append(frame.select(list(TRAJECTORY_SCHEMA)).cast(TRAJECTORY_SCHEMA).sort("rang"))
    return pl.concat(frames) if frames else pl.DataFrame(schema=TRAJECTORY_SCHEMA)


ABSENTEEISM_SCHEMA = {
    "code": pl.String, "groupe": pl.String, "mois": pl.String, "rang": pl.Int64, "taux": pl.Float64,
    "masque": pl.Boolean,
}  # fmt: skip


def monthly_absenteeism(conn: Connection, scope: Scope, codes: Sequence[str], annee: str) -> pl.DataFrame:
    """Monthly absenteeism rate per school type of each territory (``queries.absenteisme``)."""
    frames = []
    for code in codes:
        monthly = aq.monthly_rates(conn, scope, code, annee, "type")
        frames.append(monthly.filter(pl.col("annee_scolaire") == annee).with_columns(pl.lit(code).alias("code"))
                      .select(list(ABSENTEEISM_SCHEMA)).cast(ABSENTEEISM_SCHEMA))
    return pl.concat(frames) if frames else pl.DataFrame(schema=ABSENTEEISM_SCHEMA)
