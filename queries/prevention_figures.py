"""Prevention figures for the other channels: one territory for the figures export (and
through it the comparison, the map's side panel and the deck), every territory of a level at once
for the map and the comparison's ranking.

Both come from the functions of ``queries.prevention`` — ``coverage``, ``chain_sums`` and its
disclosure (the year's decision of ``queries.prevention_suppression``: the same masks for a
territory's own row and for its row in its parent's table), ``blind_spot_counts`` and ``mlds`` — so a
figure is the same on the Prévention page (territory row), in the export, the comparison, the map
and the deck. ``level_values`` computes in one pass what ``figures_contribution`` gives territory by
territory; the tests check they agree.
"""

from __future__ import annotations

import polars as pl
from sqlalchemy import Connection

from dashboard.access.scope import ACADEMIE, Scope
from dashboard.disclosure import marks as disclosure_marks
from queries.absenteisme import ALL
from queries.prevention import (
    _coverage_of,
    _referents,
    blind_spot_counts,
    chain,
    chain_sums,
    coverage,
    disclosed_chain,
    mlds,
    referents_declared,
)
from queries.prevention_schools import PUPIL_COUNTS, owners, schools
from queries.territoires import can_view, territory_index

#: The keys this subject adds to the figures export (declared in ``dashboard.publish.catalog``).
RATES_PER_1000 = tuple(f"{c}_pour_1000" for c in PUPIL_COUNTS)
SHARES = {"part_suivis": ("eleves_suivis", "eleves_reperes"),
          "part_solutions_internes": ("solutions_internes", "eleves_suivis")}
FIGURE_KEYS = ("couverture_referents", "etablissements", "etablissements_avec_referent", "etablissements_declarants",
               *PUPIL_COUNTS, "reunions_gpds", *RATES_PER_1000, *SHARES, "angles_morts", "mlds_sites", "mlds_places",
               "mlds_jeunes_accueillis", "mlds_taux_occupation")


def chain_marks(row: dict) -> dict[str, str]:
    """The disclosure marks of a chain row (``chain`` or ``monthly_chain``): its counts of pupils
    (their own mark: « < 5 » under the threshold, « s » for a complementary mask), the rates per
    1 000 and the shares built on a masked count (« s »), and the pupils when they are too few."""
    marks = disclosure_marks.decode_marks(row.get("cellules_masquees"))
    out = {c: marks.get(c, disclosure_marks.PRIMARY) for c in PUPIL_COUNTS if row.get(f"masque_{c}")}
    out.update({f"{c}_pour_1000": disclosure_marks.SECONDARY for c in PUPIL_COUNTS if row.get(f"masque_{c}")})
    out.update({share: disclosure_marks.SECONDARY for share, parts in SHARES.items()
                if share in row and any(row.get(f"masque_{c}") for c in parts)})
    if "eleves" in row and row["eleves"] is None and row.get("effectif_cumule"):
        out["eleves"] = disclosure_marks.PRIMARY
    return out


def _masks(row: dict) -> dict[str, str]:
    """``chain_marks`` restricted to the export's keys."""
    return {k: m for k, m in chain_marks(row).items() if k in FIGURE_KEYS}


def figures_contribution(conn: Connection, scope: Scope, code: str, annee: str) -> dict:
    """Prevention figures of one territory for the figures export (``FIGURE_KEYS``): referent
    coverage (a fraction; None without schools or without any referent declared that year), schools, the GPDS chain (counts, per 1 000 pupils,
    shares), the number of « angles morts », MLDS sites, places, young people and occupancy;
    ``masque`` and ``secret`` name the figures hidden by disclosure and their marks."""
    by_type = coverage(conn, scope, code, annee).by_type.filter(pl.col("groupe") == ALL)
    cover = by_type.row(0, named=True) if by_type.height else {"couverture": None, "etablissements": 0,
                                                                "avec_referent": 0}
    if not referents_declared(conn, annee):  # no referents file that year: unknown, not 0 %
        cover = {**cover, "couverture": None}
    row = chain(conn, scope, code, annee).row(0, named=True)
    totals = mlds(conn, scope, code, annee).totals.row(0, named=True)
    secret = _masks(row)
    if totals["masque"]:
        secret.update({"mlds_jeunes_accueillis": totals["marque"] or disclosure_marks.PRIMARY,
                       "mlds_taux_occupation": disclosure_marks.SECONDARY})
    return {
        "couverture_referents": cover["couverture"],
        "etablissements": cover["etablissements"],
        "etablissements_avec_referent": cover["avec_referent"],
        "etablissements_declarants": row["etablissements_declarants"],
        **{c: row[c] for c in (*PUPIL_COUNTS, "reunions_gpds", *RATES_PER_1000, *SHARES)},
        "angles_morts": blind_spot_counts(conn, scope, code, annee)["angles_morts"],
        "mlds_sites": totals["sites"],
        "mlds_places": totals["places"],
        "mlds_jeunes_accueillis": totals["jeunes_accueillis"],
        "mlds_taux_occupation": totals["taux_occupation"],
        "masque": list(secret),
        "secret": secret,
    }


LEVEL_SCHEMA = {
    "territoire_code": pl.String, "etablissements": pl.Int64, "avec_referent": pl.Int64,
    "couverture_referents": pl.Float64, "eleves": pl.Float64, **{c: pl.Int64 for c in PUPIL_COUNTS},
    **{r: pl.Float64 for r in RATES_PER_1000}, **{s: pl.Float64 for s in SHARES},
    "masque": pl.List(pl.String),
}  # fmt: skip


def level_values(conn: Connection, scope: Scope, annee: str, level: str) -> pl.DataFrame:
    """Every territory of ``level`` the scope may view, in one pass (``LEVEL_SCHEMA``): referent
    coverage and the chain of its own row, as ``figures_contribution`` gives them; ``masque``
    lists the masked figures (export keys)."""
    index = territory_index(conn, annee)
    listed = [t for t in index.values() if t.niveau == level and can_view(index, scope, t.code)]
    if not listed or ACADEMIE not in index:
        return pl.DataFrame(schema=LEVEL_SCHEMA)
    base = index[ACADEMIE]
    school_list = schools(conn, annee, base.reseaux).join(_referents(conn, annee), on="uai", how="left")
    cover = _coverage_of(school_list.join(owners(listed[0], listed[1:]), on="reseau"), ["territoire_code"])
    rows = disclosed_chain(conn, annee, chain_sums(conn, annee, base, listed))
    masks = [list(_masks(r)) for r in rows.iter_rows(named=True)]
    out = rows.with_columns(pl.Series("masque", masks, dtype=pl.List(pl.String))).join(
        cover.select("territoire_code", pl.col("avec_referent").cast(pl.Int64),
                     pl.col("couverture").alias("couverture_referents")),
        on="territoire_code", how="left",
    ).with_columns(pl.col("avec_referent").fill_null(0))
    if not referents_declared(conn, annee):
        out = out.with_columns(pl.lit(None, dtype=pl.Float64).alias("couverture_referents"))
    return out.select(list(LEVEL_SCHEMA)).cast(LEVEL_SCHEMA)


def level_figures(values: pl.DataFrame) -> dict[str, dict]:
    """``level_values`` as the export's keys, per territory code (``couverture_referents``, the
    rates per 1 000, the shares, ``masque``)."""
    keys = ("couverture_referents", *RATES_PER_1000, *SHARES)
    return {r["territoire_code"]: {**{k: r[k] for k in keys}, "masque": list(r["masque"] or [])}
            for r in values.iter_rows(named=True)}
