"""The map's indicator for every territory of a level (``indicator_values``): one row per
territory across the académie (``VALUE_SCHEMA``), with its state.

The focus territory ``code`` is resolved first (``AccessDenied`` outside the scope). The map shows
the whole académie; territories the scope may not open come back with the state
``hors_perimetre`` and no figure at all.

States of a territory's value (column ``etat``):

* ``ok`` — a value;
* ``masque`` — hidden by the disclosure rule (count under the threshold, or a rate built on one);
* ``manquant`` — no data (no bilan, no target, no absenteeism return);
* ``hors_perimetre`` — outside the user's scope: drawn as a plain outline.

The values are not recomputed here: they come from ``queries.raccrochage_situation`` (``situations`` /
``situation`` with the year's decision applied by ``published_row``, as in the figures export), from
``queries.absenteisme`` (ratio of sums, masked on mean monthly counts) and from
``queries.prevention_figures`` (referent coverage, pupils spotted per 1 000), so the map shows exactly
the figures of ``queries.figures.territory_figures`` (the tests check it). Jeunes signalés per
10 000 inhabitants use the communes' municipal population of the breakdown in force.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
from sqlalchemy import Connection

from dashboard.access.scope import ACADEMIE, Scope
from dashboard.disclosure import marks as disclosure_marks
from dashboard.store import db
from queries import absenteisme as aq
from queries import prevention_figures as pf
from queries import raccrochage_rules, raccrochage_situation
from queries.carte_layers import MapContext, map_context
from queries.raccrochage_rules import rate_name
from queries.territoires import Territory, can_view, can_view_detail

MAP_LEVELS = ("reseau", "psad", "departement")
MAP_LEVEL_LABELS = {"reseau": "Réseaux FOQUALE", "psad": "PSAD", "departement": "Départements"}

OK, MASKED, MISSING, OUT_OF_SCOPE = "ok", "masque", "manquant", "hors_perimetre"
STATES = (OK, MASKED, MISSING, OUT_OF_SCOPE)


@dataclass(frozen=True)
class Indicator:
    key: str
    label: str  # full French label (legend title, picker)
    kind: str  # "rate" (a fraction) | "count" | "per10k" | "per1000" (pupils)
    method: str  # "seuils" (fixed thresholds) | "quantiles"
    numerator: str
    denominator: str | None = None


INDICATORS: dict[str, Indicator] = {
    "taux_atteinte": Indicator(
        "taux_atteinte", "Taux d'atteinte de l'objectif de raccrochage", "rate", "seuils", "Raccrochés", "Objectif"
    ),
    "raccroches": Indicator("raccroches", "Jeunes raccrochés", "count", "quantiles", "Raccrochés"),
    "signales_10000": Indicator(
        "signales_10000", "Jeunes signalés pour 10 000 habitants", "per10k", "quantiles", "Jeunes signalés",
        "Population",
    ),
    "part_raccroches": Indicator(
        "part_raccroches", rate_name("part_raccroches"), "rate", "quantiles",
        "Raccrochés", "Jeunes signalés",
    ),
    "couverture_referents": Indicator(
        "couverture_referents", "Couverture en référents décrochage (établissements)", "rate", "quantiles",
        "Établissements avec un référent", "Établissements",
    ),
    "eleves_reperes_pour_1000": Indicator(
        "eleves_reperes_pour_1000", "Élèves repérés par les GPDS pour 1 000 élèves", "per1000", "quantiles",
        "Élèves repérés", "Élèves inscrits (effectif moyen)",
    ),
    "absenteisme": Indicator(
        "absenteisme", "Taux d'absentéisme (4 demi-journées ou plus par mois)", "rate", "quantiles",
        "Élèves absentéistes", "Effectif",
    ),
}
#: Prevention indicators: values of ``queries.prevention_figures`` (numerator, denominator columns).
PREVENTION_INDICATORS = {"couverture_referents": ("avec_referent", "etablissements"),
                         "eleves_reperes_pour_1000": ("eleves_reperes", "eleves")}
SCHOOL_TYPE_PLURALS = {
    "COLLEGE": "collèges", "LGT": "LGT", "LP": "LP", "LPO": "LPO", "EREA": "EREA", "AUTRE": "autres établissements",
}  # fmt: skip


def indicator_label(indicator: str, type_etab: str | None = None) -> str:
    label = INDICATORS[indicator].label
    if indicator == "absenteisme":
        label = "Taux d'absentéisme"
        return f"{label} — {SCHOOL_TYPE_PLURALS.get(type_etab, type_etab)}" if type_etab else f"{label} — tous établissements"
    return label


VALUE_SCHEMA = {
    "code": pl.String,
    "nom": pl.String,
    "niveau": pl.String,
    "parent_code": pl.String,
    "population": pl.Int64,
    "numerateur": pl.Float64,
    "denominateur": pl.Float64,
    "valeur": pl.Float64,
    "etat": pl.String,
    "marque": pl.String,  # disclosure mark of a masked value (``dashboard.disclosure``)
    "statut": pl.String,  # raccrochage status at the date (``raccrochage_position``; None for absenteeism)
    "phase": pl.String,  # the territory's position in the year (``raccrochage_position.PHASES``)
}
#: How the rate of achievement is coloured: by status at the date (default) or by fixed bands.
COLOURINGS = ("statut", "taux")



# --- the indicator per territory ----------------------------------------------------------------


def _raccrochage_rows(
    conn: Connection, scope: Scope, annee_scolaire: str, index: dict[str, Territory], codes: list[str], level: str
) -> dict[str, dict]:
    """Raccrochage figures of ``codes`` after the disclosure rule of ``queries.raccrochage``
    (the rule of the figures export): {code: (raw row, masked row)}."""
    raw: dict[str, dict] = {}
    # one load per parent where the scope sees the detail, one per territory otherwise
    if level == "psad":
        parents = [(t.code, None) for t in index.values() if t.niveau == "departement"]
    else:
        parents = [(ACADEMIE, "reseau" if level == "reseau" else None)]
    for parent, niveau in parents:
        if can_view_detail(index, scope, parent):
            for row in raccrochage_situation.situations(conn, scope, parent, annee_scolaire, niveau=niveau).iter_rows(named=True):
                raw[row["code"]] = row
    out = {}
    for code in codes:
        row = raw.get(code) or raccrochage_situation.situation(conn, scope, code, annee_scolaire)
        masked, marks = raccrochage_rules.published_row(row)
        out[code] = {"raw": row, "shown": masked, "marks": marks}
    return out


def _absence_rates(
    conn: Connection, annee_scolaire: str, index: dict[str, Territory], codes: list[str],
    type_etab: str | None,
) -> dict[str, tuple[float | None, bool, int | None, int | None]]:
    """(rate over the year, masked, None, None) per territory, computed by ``queries.absenteisme``
    (ratio of sums, its disclosure rule: ``aggregate`` per sub-territory, one query for every
    territory). The counts are never passed on: with the rates of the other school types they
    would let a masked type be recomputed. The tests check these are the figures export's values.
    """
    if not codes:
        return {}
    types = (type_etab,) if type_etab else None
    frame = aq.aggregate(conn, index[ACADEMIE], annee_scolaire, [annee_scolaire], [], types,
                         subs=[index[c] for c in codes])
    column = aq.secrecy.group_column("type", type_etab) if type_etab else "ensemble"
    rates = aq.apply_decision(aq.summed_rates(frame, ["territoire_code"]), aq.secrecy.marks(conn, annee_scolaire),
                              pl.col("territoire_code"), pl.lit(column))
    found = {r["territoire_code"]: r for r in rates.iter_rows(named=True)}
    out = {}
    for code in codes:
        r = found.get(code)
        if r is None or not r["effectif"]:
            out[code] = (None, False, None, None)
        elif r["masque"]:
            out[code] = (None, True, None, None)
        else:  # no counts: "all schools" minus the shown types would give a masked type away
            out[code] = (r["taux"], False, None, None)
    return out


def _value_row(indicator: str, figures: dict, population: int) -> tuple[str, float | None, float | None, float | None]:
    """(state, numerator, denominator, value) of one territory from its raccrochage figures."""
    raw, shown = figures["raw"], figures["shown"]
    if indicator == "raccroches":
        key, num_key, den_key = "raccroches", "raccroches", None
    elif indicator == "taux_atteinte":
        key, num_key, den_key = "taux_atteinte", "raccroches", "objectif"
    elif indicator == "part_raccroches":
        key, num_key, den_key = "part_raccroches", "raccroches", "jeunes_signales"
    else:  # signales_10000: derived from jeunes_signales and the population
        if raw["jeunes_signales"] is None or not population:
            return MISSING, None, None, None
        if shown["jeunes_signales"] is None:
            return MASKED, None, None, None
        return OK, float(shown["jeunes_signales"]), float(population), shown["jeunes_signales"] / population * 10_000
    if raw.get(key) is None:
        return MISSING, None, None, None
    if shown.get(key) is None:
        return MASKED, None, None, None
    num = shown.get(num_key)
    den = shown.get(den_key) if den_key else None
    return OK, None if num is None else float(num), None if den is None else float(den), float(shown[key])


def _prevention_row(indicator: str, row: dict | None) -> tuple[str, float | None, float | None, float | None]:
    """(state, numerator, denominator, value) of one territory from ``prevention_figures.level_values``."""
    if row is None:
        return MISSING, None, None, None
    if indicator in (row["masque"] or []):
        return MASKED, None, None, None
    value = row[indicator]
    if value is None:
        return MISSING, None, None, None
    num, den = (row[c] for c in PREVENTION_INDICATORS[indicator])
    return OK, None if num is None else float(num), None if den is None else float(den), float(value)


def indicator_values(
    conn: Connection,
    scope: Scope,
    code: str,
    annee_scolaire: str,
    level: str,
    indicator: str,
    type_etab: str | None = None,
) -> pl.DataFrame:
    """One row per territory of ``level`` across the académie (schema ``VALUE_SCHEMA``).

    Values are those of the figures export (``queries.raccrochage`` and
    ``queries.absenteisme``), with their disclosure rule.
    """
    return context_values(conn, scope, map_context(conn, scope, code, annee_scolaire), level, indicator, type_etab)


def context_values(
    conn: Connection, scope: Scope, ctx: MapContext, level: str, indicator: str, type_etab: str | None
) -> pl.DataFrame:
    if level not in MAP_LEVELS or indicator not in INDICATORS:
        raise ValueError(f"niveau ou indicateur inconnu : {level}, {indicator}")
    if type_etab is not None and type_etab not in db.SCHOOL_TYPES:
        raise ValueError(f"type d'établissement inconnu : {type_etab}")
    index, annee_scolaire = ctx.index, ctx.annee
    territories = [t for t in index.values() if t.niveau == level]
    visible = [t.code for t in territories if can_view(index, scope, t.code)]
    rows = []
    prevention = indicator in PREVENTION_INDICATORS
    if indicator == "absenteisme":
        rates = _absence_rates(conn, annee_scolaire, index, visible, type_etab)
    elif prevention:
        found = {r["territoire_code"]: r for r in pf.level_values(conn, scope, annee_scolaire, level)
                 .iter_rows(named=True)}
    else:
        figures = _raccrochage_rows(conn, scope, annee_scolaire, index, visible, level) if visible else {}
    for t in territories:
        if t.code not in visible:
            state, num, den, value = OUT_OF_SCOPE, None, None, None
        elif prevention:
            state, num, den, value = _prevention_row(indicator, found.get(t.code))
        elif indicator == "absenteisme":
            rate, masked, absents, effectif = rates[t.code]
            state = MASKED if masked else (MISSING if rate is None else OK)
            value = rate if state == OK else None
            num = float(absents) if state == OK and absents is not None else None
            den = float(effectif) if state == OK and effectif is not None else None
        else:
            state, num, den, value = _value_row(indicator, figures[t.code], t.population)
        raccrochage = indicator != "absenteisme" and not prevention
        raw = figures[t.code]["raw"] if raccrochage and t.code in visible else {}
        mark = None
        if state == MASKED:
            key = "jeunes_signales" if indicator == "signales_10000" else indicator
            own = figures[t.code]["marks"].get(key) if raccrochage else None
            mark = own if indicator == "raccroches" and own else disclosure_marks.SECONDARY
        rows.append(
            {
                "code": t.code,
                "nom": t.nom,
                "niveau": t.niveau,
                "parent_code": t.parent_code,
                "population": t.population if state != OUT_OF_SCOPE else None,
                "numerateur": num,
                "denominateur": den,
                "valeur": value,
                "etat": state,
                "marque": mark,
                "statut": raw.get("statut") if state != OUT_OF_SCOPE else None,
                "phase": raw.get("phase") if state != OUT_OF_SCOPE else None,
            }
        )
    return pl.DataFrame(rows, schema=VALUE_SCHEMA)
