"""Ranking view of the comparison page: every indicator of ``queries.comparer`` for every
territory of one level (networks, PSAD or departments) the scope may view (no Streamlit).

Computed in bulk so that it stays fast with hundreds of networks, with the same functions and
rules as the figures export of one territory:

* raccrochage: ``queries.raccrochage.situations`` (one load for all the networks or children of
  a territory the scope sees in detail; ``situation`` for the others) and
  ``queries.raccrochage.published_row``, exactly what ``raccrochage.figures_contribution`` does;
* absenteeism: the aggregation of ``queries.absenteisme`` over sub-territories and its
  yearly-rate rule (ratio of sums, masking on mean monthly counts), in one query for all
  territories — what ``children_rates`` and ``figures_contribution`` use;
* prevention: ``queries.prevention_figures.level_values``, every territory of the level in one
  pass with the rule of its ``figures_contribution``.

``tests/test_comparer_app.py`` checks every value against ``queries.comparer.comparison``
(itself built on ``queries.figures.territory_figures``).
"""

from __future__ import annotations

import logging

import polars as pl
from sqlalchemy import Connection

from dashboard.access.scope import ACADEMIE, Scope
from queries import absenteisme as aq
from queries import comparer as q
from queries import prevention_figures as pf
from queries import raccrochage_position as position
from queries import raccrochage_rules, raccrochage_situation
from queries import territoires as tq
from queries.raccrochage_rules import EXPORT_KEYS

log = logging.getLogger("dashboard")

RANKING_SCHEMA = {"code": pl.String, "libelle": pl.String, "indicateur": pl.String, "valeur": pl.Float64,
                  "masque": pl.Boolean, "provisoire": pl.Boolean, "dernier_bilan": pl.String}
#: Indicators counted from the bimonthly bilans up to each network's last one: a territory some of
#: whose networks are behind the others (phase « provisoire ») is ranked on older figures.
BILAN_INDICATORS = frozenset({"raccroches", "taux_atteinte", "signales_10000", "taux_contact", "part_solution",
                              "part_raccroches", *(f"part_{s}" for s in q.SOLUTION_TYPES)})


def _situations(conn: Connection, scope: Scope, annee: str, index: dict[str, tq.Territory],
                codes: list[str], niveau: str) -> dict[str, dict]:
    """Raw raccrochage situation of each code, loaded as few times as possible."""
    rows: dict[str, dict] = {}
    root = scope.territoire_code
    if niveau == "reseau" and root in index and index[root].niveau != "reseau" and tq.can_view_detail(
            index, scope, root):
        rows.update({r["code"]: r for r in raccrochage_situation.situations(conn, scope, root, annee, niveau="reseau")
                     .iter_rows(named=True)})
    for code in codes:
        if code in rows:
            continue
        parent = index[code].parent_code
        if parent is not None and tq.can_view_detail(index, scope, parent):
            rows.update({r["code"]: r for r in raccrochage_situation.situations(conn, scope, parent, annee).iter_rows(named=True)})
        if code not in rows:
            rows[code] = raccrochage_situation.situation(conn, scope, code, annee)
    return rows


def raccrochage_figures(situation: dict) -> dict:
    """The raccrochage keys of the figures export used by the comparison, from one raw situation
    row, with the export's disclosure rule and key names (``raccrochage.figures_contribution``)."""
    shown, marks = raccrochage_rules.published_row(situation)
    keys = list(marks)
    out = {key: shown[key] for key in ("jeunes_signales", "raccroches", "objectif", "taux_atteinte", "taux_contact",
                                       "part_solution", "part_raccroches")}
    out["raccroches_par_solution"] = {raccrochage_rules.SOLUTION_KEYS[c]: shown[c] for c in raccrochage_rules.SOLUTION_COLUMNS}
    out["masque"] = [EXPORT_KEYS.get(k, k) for k in keys]
    return out


def _absenteeism_bulk(conn: Connection, index: dict[str, tq.Territory], annee: str,
                      codes: list[str]) -> dict[str, dict]:
    """One query for every code, through the aggregation and yearly-rate rule of
    ``queries.absenteisme`` (the functions ``children_rates`` is built on)."""
    subs = [index[code] for code in codes]
    frame = aq.aggregate(conn, index[ACADEMIE], annee, [annee], ["type"], subs=subs)
    frame = frame.filter(pl.col("territoire_code").is_not_null())
    keys = ["territoire_code", "groupe"]
    marks, code = aq.secrecy.marks(conn, annee), pl.col("territoire_code")
    rates = pl.concat([
        aq.apply_decision(aq.summed_rates(frame.rename({"type": "groupe"}), keys), marks, code,
                          aq.group_column_expr("type")).select(*keys, "taux", "masque"),
        aq.apply_decision(aq.summed_rates(frame.drop("type").with_columns(pl.lit(aq.ALL).alias("groupe")), keys),
                          marks, code, aq.group_column_expr("")).select(*keys, "taux", "masque"),
    ])
    return _absenteeism_figures(rates, codes)


def _absenteeism_figures(rates: pl.DataFrame, codes: list[str]) -> dict[str, dict]:
    """The absenteeism keys of the figures export (``absenteisme.figures_contribution``) of each
    code, from yearly rates (``territoire_code``, ``groupe``, ``taux``, ``masque``)."""
    found = {(c, g): (r, m) for c, g, r, m in rates.select("territoire_code", "groupe", "taux", "masque").iter_rows()}
    out = {}
    for code in codes:
        masked = [f"absenteisme_par_type.{t}" for t in q.SCHOOL_TYPES if found.get((code, t), (None, False))[1]]
        if found.get((code, aq.ALL), (None, False))[1]:
            masked.append("absenteisme_global")
        out[code] = {"absenteisme_par_type": {t: found.get((code, t), (None, False))[0] for t in q.SCHOOL_TYPES},
                     "absenteisme_global": found.get((code, aq.ALL), (None, False))[0], "masque": masked}
    return out


def _absenteeism(conn: Connection, scope: Scope, annee: str, index: dict[str, tq.Territory],
                 codes: list[str]) -> dict[str, dict]:
    """``absenteisme_par_type`` and ``absenteisme_global`` of each code (None: no data or masked).

    In bulk when ``queries.absenteisme`` offers its aggregation over sub-territories; otherwise
    ``children_rates`` of each parent the scope sees in detail and ``figures_contribution`` for
    the others (slower with hundreds of networks, same figures)."""
    if codes and ACADEMIE in index:
        try:
            return _absenteeism_bulk(conn, index, annee, codes)
        except (AttributeError, TypeError, KeyError, pl.exceptions.PolarsError):
            log.warning("Agrégation groupée de l'absentéisme indisponible : calcul territoire par territoire.")
    frames: list[pl.DataFrame] = []
    loaded: set[str] = set()
    out: dict[str, dict] = {}
    for code in codes:
        parent = index[code].parent_code
        if parent is not None and parent not in loaded and tq.can_view_detail(index, scope, parent):
            loaded.add(parent)
            frames.append(aq.children_rates(conn, scope, parent, annee).select(
                "territoire_code", "groupe", "taux", "masque"))
        if parent not in loaded:
            out[code] = aq.figures_contribution(conn, scope, code, annee)
    if frames:
        bulk = _absenteeism_figures(pl.concat(frames), [c for c in codes if c not in out])
        out.update(bulk)
    return out


def level_values(conn: Connection, scope: Scope, annee: str, niveau: str) -> pl.DataFrame:
    """Every indicator of every territory of ``niveau`` the scope may view (long frame,
    ``RANKING_SCHEMA``), with the values of the comparison table."""
    if niveau not in q.RANKING_LEVELS:
        raise ValueError(f"niveau inconnu : {niveau}")
    index = tq.territory_index(conn, annee)
    territories = [t for t in tq.visible_territories(conn, scope, annee) if t.niveau == niveau]
    codes = [t.code for t in territories]
    situations = _situations(conn, scope, annee, index, codes, niveau)
    absenteeism = _absenteeism(conn, scope, annee, index, codes)
    prevention = pf.level_figures(pf.level_values(conn, scope, annee, niveau))
    rows = []
    for territory in territories:
        raccrochage, absence = raccrochage_figures(situations[territory.code]), absenteeism[territory.code]
        gpds = prevention.get(territory.code, {})
        figures = {**raccrochage, **absence, **gpds,
                   "masque": [*raccrochage["masque"], *absence.get("masque", []), *gpds.get("masque", [])]}
        values = q.indicator_values(figures, territory.population)
        situation = situations[territory.code]
        late = situation.get("phase") in (position.PROVISIONAL, position.CLOSED_INCOMPLETE)
        oldest = situation.get("periode_fin_min")
        rows += [{"code": territory.code, "libelle": territory.label, "indicateur": key, "valeur": value,
                  "masque": is_masked, "provisoire": late and key in BILAN_INDICATORS,
                  "dernier_bilan": oldest if key in BILAN_INDICATORS else None}
                 for key, (value, is_masked) in values.items()]
    return pl.DataFrame(rows, schema=RANKING_SCHEMA)


def ranking(values: pl.DataFrame, indicator: str) -> pl.DataFrame:
    """One indicator across the territories of ``level_values``, best first (by ``BETTER``;
    descending when neutral), missing and masked values last; ``rang`` 1 = best."""
    direction = q.BETTER[indicator]
    frame = values.filter(pl.col("indicateur") == indicator)
    ranked = frame.sort([pl.col("valeur"), pl.col("libelle")], descending=[direction >= 0, False], nulls_last=True)
    ranks = [position if value is not None else None
             for position, value in enumerate(ranked["valeur"].to_list(), start=1)]
    return ranked.with_columns(pl.Series("rang", ranks, dtype=pl.Int64))
