"""Absenteeism (docs/architecture.md, "Domain facts"): share of pupils with 4+ unjustified half-days of absence in the month.

Every rate is a **ratio of sums** (absentees summed over schools and months / enrolment summed the
same way), never a mean of school rates. Aggregation happens in SQL (``GROUP BY``); Python only
reshapes the small aggregated frames.

A school belongs to a network through ``etablissements.reseau_code`` or, when null, through its
commune's network in the breakdown of the selected school year; the same perimeter is used for
the previous year, so both years compare the same schools. A month without data has no row (a
gap, not a zero); a school type absent from a territory has no row either.

Disclosure (``dashboard.disclosure``): a monthly cell is masked when its absentees are between 1
and the threshold minus one, or its enrolment is under the threshold; a yearly figure (school or
group) is masked on the same rule applied to its **mean monthly** counts. Masked rates are null
and ``masque`` is true. The mean enrolment (``effectif_moyen``) follows its own rule: null only
when it is under the threshold, whatever the rate's mask.

School-level figures: ``queries.absenteisme_etablissements``; national reference rates:
``queries.absenteisme_references`` (re-exported here).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl
from sqlalchemy import Connection, case, func, literal, select

from dashboard.access.scope import Scope
from dashboard.disclosure import rule
from dashboard.schoolyear import month_rank, previous_year
from dashboard.store import db
from queries import absenteisme_suppression as secrecy
from queries.absenteisme_references import (  # noqa: F401 - re-exported
    load_references,
    reference_text,
    references_for,
    references_markdown,
    references_note,
)
from queries.absenteisme_suppression import RATE_DECIMALS
from queries.territoires import (
    Territory,
    can_view_detail,
    children,
    resolve_territory,
    school_in_networks,
    territory_index,
    with_school_network,
)

MAIN_TYPES = ("COLLEGE", "LGT", "LP", "LPO", "EREA")
SECTORS = ("PUBLIC", "PRIVE")
EP_GROUPS = ("REP+", "REP", "HORS_EP")
TYPE_LABELS = {"COLLEGE": "Collège", "LGT": "LGT", "LP": "LP", "LPO": "LPO", "EREA": "EREA", "AUTRE": "Autre"}
SECTOR_LABELS = {"PUBLIC": "Public", "PRIVE": "Privé sous contrat"}
EP_LABELS = {"REP+": "REP+", "REP": "REP", "HORS_EP": "Hors éducation prioritaire"}
ALL = "ENSEMBLE"

MONTHLY_SCHEMA = {
    "groupe": pl.String, "annee_scolaire": pl.String, "mois": pl.String, "rang": pl.Int64,
    "effectif": pl.Int64, "absenteistes": pl.Int64, "taux": pl.Float64, "masque": pl.Boolean,
}


# --- calendar -----------------------------------------------------------------------------------


# --- SQL ----------------------------------------------------------------------------------------


def _schools_of(territory: Territory, annee_scolaire: str):
    """SQL condition on ``absenteisme``: the row is a school of the territory (evaluated once,
    as an uncorrelated subquery)."""
    inner = db.etablissements.alias("etab_territoire")
    return db.absenteisme.c.uai.in_(
        select(inner.c.uai).where(school_in_networks(territory.reseaux, annee_scolaire, inner))
    )


DIMENSIONS = {
    "type": db.etablissements.c.type,
    "secteur": db.etablissements.c.secteur,
    "ep": func.coalesce(db.etablissements.c.education_prioritaire, literal("HORS_EP")),
}


def aggregate(conn: Connection, territory: Territory, annee: str, years: list[str],
               by: list[str], types: tuple[str, ...] | None = None,
               subs: list[Territory] | None = None) -> pl.DataFrame:
    """Sums of enrolment and absentees per ``by`` dimensions, school year and month; with
    ``subs``, also per sub-territory (column ``territoire_code``)."""
    a, e = db.absenteisme, db.etablissements
    cols = [DIMENSIONS[name].label(name) for name in by]
    if subs:  # per network (or commune, for schools without one), mapped to ``subs`` below
        cols += [e.c.reseau_code.label("reseau_propre"),
                 case((e.c.reseau_code.is_(None), e.c.commune_insee)).label("commune_insee")]
    stmt = (
        select(*cols, a.c.annee_scolaire, a.c.mois,
               func.sum(a.c.effectif).label("effectif"), func.sum(a.c.eleves_absenteistes).label("absenteistes"))
        .select_from(a.join(e, e.c.uai == a.c.uai))
        .where(a.c.annee_scolaire.in_(years), _schools_of(territory, annee))
        .group_by(*cols, a.c.annee_scolaire, a.c.mois)
    )
    if types:
        stmt = stmt.where(e.c.type.in_(types))
    names = [c.name for c in cols]
    schema = {**{name: pl.String for name in names}, "annee_scolaire": pl.String, "mois": pl.String,
              "effectif": pl.Int64, "absenteistes": pl.Int64}
    rows = [(*r[:-2], int(r[-2]), int(r[-1])) for r in conn.execute(stmt).all()]
    frame = pl.DataFrame(rows, schema=schema, orient="row")
    if subs:
        frame = _to_sub_territories(conn, frame, by, subs, annee)
    return frame.with_columns(pl.col("mois").map_elements(month_rank, return_dtype=pl.Int64).alias("rang"))


def _to_sub_territories(conn: Connection, frame: pl.DataFrame, by: list[str], subs: list[Territory],
                        annee: str) -> pl.DataFrame:
    """Rows per own network / commune → rows per sub-territory (``territoire_code``)."""
    owner = pl.DataFrame([(n, t.code) for t in subs for n in t.reseaux], orient="row",
                         schema={"reseau": pl.String, "territoire_code": pl.String})
    return (
        with_school_network(conn, frame, annee, own="reseau_propre")
        .join(owner, on="reseau", how="inner")
        .group_by(*by, "territoire_code", "annee_scolaire", "mois")
        .agg(pl.sum("effectif"), pl.sum("absenteistes"))
    )


# --- disclosure and rates -----------------------------------------------------------------------


def _small(numerator: pl.Expr, denominator: pl.Expr) -> pl.Expr:
    limit = rule.threshold()
    return ((numerator > 0) & (numerator < limit)) | (denominator < limit)


def _monthly_rates(frame: pl.DataFrame) -> pl.DataFrame:
    masked = _small(pl.col("absenteistes"), pl.col("effectif"))
    return frame.with_columns(
        pl.when(masked | (pl.col("effectif") == 0)).then(None)
        .otherwise((pl.col("absenteistes") / pl.col("effectif")).round(RATE_DECIMALS)).alias("taux"),
        masked.alias("masque"),
    )


def summed_rates(frame: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """Sum months per ``keys``; rate = Σ absentees / Σ enrolment, masked on mean monthly counts."""
    return _rates_of_sums(frame.group_by(keys).agg(
        pl.sum("effectif"), pl.sum("absenteistes"), pl.col("mois").n_unique().alias("nb_mois")
    ))


def _rates_of_sums(out: pl.DataFrame) -> pl.DataFrame:
    """``effectif``, ``absenteistes`` summed over ``nb_mois`` months → rate, mask, mean enrolment.

    The mean enrolment is a count of its own: null only when it is under the threshold. A rate
    masked because its absentees are few leaves the enrolment (« Effectif moyen 157 ») shown."""
    masked = _small(pl.col("absenteistes") / pl.col("nb_mois"), pl.col("effectif") / pl.col("nb_mois"))
    enrolment = pl.col("effectif") / pl.col("nb_mois")
    return out.with_columns(
        pl.when(masked | (pl.col("effectif") == 0)).then(None)
        .otherwise((pl.col("absenteistes") / pl.col("effectif")).round(RATE_DECIMALS)).alias("taux"),
        masked.alias("masque"),
        pl.when(enrolment < rule.threshold()).then(None)
        .otherwise(enrolment.round(0).cast(pl.Int64)).alias("effectif_moyen"),
    )


def apply_decision(frame: pl.DataFrame, marks: dict, code: pl.Expr, column: pl.Expr) -> pl.DataFrame:
    """The year's secrecy decision (``absenteisme_suppression``) on yearly rates: a rate whose
    (territory or UAI, group column) is masked is null, ``masque`` true, and ``marque`` its mark
    (« primary » for a small count, « secondary » for a complementary mask)."""
    if frame.is_empty():
        return frame.with_columns(pl.lit(None, dtype=pl.String).alias("marque"))
    keys = frame.select(code.alias("_code"), column.alias("_column"))
    decided = [marks.get((c, g)) for c, g in keys.iter_rows()]
    out = frame.with_columns(pl.Series("_decided", decided, dtype=pl.String))
    return out.with_columns(
        pl.when(pl.col("masque")).then(pl.lit("primary")).otherwise(pl.col("_decided")).alias("marque"),
        (pl.col("masque") | pl.col("_decided").is_not_null()).alias("masque"),
        pl.when(pl.col("masque") | pl.col("_decided").is_not_null()).then(None).otherwise(pl.col("taux")).alias("taux"),
    ).drop("_decided")


def group_column_expr(by: str, types: tuple[str, ...] | None = None) -> pl.Expr:
    """The decision's group column of each row's ``groupe`` (``absenteisme_suppression.group_column``)."""
    return pl.col("groupe").map_elements(lambda g: secrecy.group_column(by, g, types), return_dtype=pl.String)


def _comparable_previous(frame: pl.DataFrame, annee: str) -> pl.DataFrame:
    """Keep the current year, and the previous year's months present in the current year only."""
    ranks = frame.filter(pl.col("annee_scolaire") == annee)["rang"].unique().to_list()
    return frame.filter((pl.col("annee_scolaire") == annee) | pl.col("rang").is_in(ranks))


def _with_previous(yearly: pl.DataFrame, keys: list[str], annee: str) -> pl.DataFrame:
    """One row per ``keys`` of the current year, with the previous year's rate and the change."""
    cur = yearly.filter(pl.col("annee_scolaire") == annee).drop("annee_scolaire")
    prev = yearly.filter(pl.col("annee_scolaire") != annee).select(
        *keys, pl.col("taux").alias("taux_precedent"), pl.col("masque").alias("masque_precedent")
    )
    out = cur.join(prev, on=keys, how="left")
    return out.with_columns((pl.col("taux") - pl.col("taux_precedent")).round(RATE_DECIMALS).alias("evolution"))


GROUP_ORDER = {g: i for i, g in enumerate((*MAIN_TYPES, "AUTRE", *SECTORS, *EP_GROUPS, ALL))}


def _group_rank() -> pl.Expr:
    """Display order of groups: school types as in ``MAIN_TYPES``, sectors, priority education."""
    return pl.col("groupe").replace_strict(GROUP_ORDER, default=len(GROUP_ORDER), return_dtype=pl.Int64)


def _grouped(frame: pl.DataFrame, by: str) -> pl.DataFrame:
    return frame.rename({by: "groupe"}) if by else frame.with_columns(pl.lit(ALL).alias("groupe"))


# --- public queries -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Cube:
    """Sums per school type, sector, priority education, school year and month for one territory
    (selected and previous year), from one SQL query. Its methods return disclosed rates only."""

    annee: str
    sums: pl.DataFrame = field(repr=False)
    code: str = ""  # the territory (its secrecy decisions are looked up by code)
    marks: dict = field(default_factory=dict, repr=False)  # (code, group column) → mark, selected year
    previous_marks: dict = field(default_factory=dict, repr=False)  # the same for the previous year

    def _select(self, by: str, types: tuple[str, ...] | None) -> pl.DataFrame:
        frame = self.sums.filter(pl.col("type").is_in(list(types))) if types else self.sums
        return _grouped(frame, by)

    def monthly(self, by: str = "type", types: tuple[str, ...] | None = None) -> pl.DataFrame:
        """Monthly rate per group (``by`` = type, secteur, ep, or "" for all schools), selected
        and previous school year (whole year). Columns: ``MONTHLY_SCHEMA``."""
        frame = self._select(by, types).group_by("groupe", "annee_scolaire", "mois", "rang").agg(
            pl.sum("effectif"), pl.sum("absenteistes")
        )
        out = _monthly_rates(frame)
        # a group whose rate over the year is masked has its months masked too (they add up to it)
        yearly = self._decided_yearly(self._select(by, types), by, types).select(
            "groupe", "annee_scolaire", pl.col("masque").alias("masque_annee"))
        out = out.join(yearly, on=["groupe", "annee_scolaire"], how="left").with_columns(
            (pl.col("masque") | pl.col("masque_annee").fill_null(False)).alias("masque"))
        out = out.with_columns(pl.when(pl.col("masque")).then(None).otherwise(pl.col("taux")).alias("taux"))
        return out.select(list(MONTHLY_SCHEMA)).cast(MONTHLY_SCHEMA).sort(
            _group_rank(), "annee_scolaire", "rang"
        )

    def _decided_yearly(self, frame: pl.DataFrame, by: str, types: tuple[str, ...] | None) -> pl.DataFrame:
        """Yearly rates per group and school year (whole years), the years' decisions applied."""
        yearly = summed_rates(frame, ["groupe", "annee_scolaire"])
        current = yearly.filter(pl.col("annee_scolaire") == self.annee)
        before = yearly.filter(pl.col("annee_scolaire") != self.annee)
        column = group_column_expr(by, types)
        return pl.concat([apply_decision(current, self.marks, pl.lit(self.code), column),
                          apply_decision(before, self.previous_marks, pl.lit(self.code), column)])

    def yearly(self, by: str = "type", types: tuple[str, ...] | None = None) -> pl.DataFrame:
        """Rate over the school year per group, with the previous year's rate over the same
        months and the change (``evolution``, a difference of fractions)."""
        frame = _comparable_previous(self._select(by, types), self.annee)
        yearly = summed_rates(frame, ["groupe", "annee_scolaire"])
        column = group_column_expr(by, types)
        current = apply_decision(yearly.filter(pl.col("annee_scolaire") == self.annee), self.marks,
                                 pl.lit(self.code), column)
        # the previous year over the same months: masked where that year's decision masks the group
        before = apply_decision(yearly.filter(pl.col("annee_scolaire") != self.annee), self.previous_marks,
                                pl.lit(self.code), column)
        out = _with_previous(pl.concat([current, before]).drop("marque"), ["groupe"], self.annee).join(
            current.select("groupe", "marque"), on="groupe", how="left")
        schema = {"groupe": pl.String, "nb_mois": pl.Int64, "effectif_moyen": pl.Int64, "taux": pl.Float64,
                  "masque": pl.Boolean, "taux_precedent": pl.Float64, "masque_precedent": pl.Boolean,
                  "evolution": pl.Float64, "marque": pl.String}
        return out.select(list(schema)).cast(schema).sort(_group_rank())

    def months(self) -> list[str]:
        """Months of the selected year with data in the territory."""
        return sorted(self.sums.filter(pl.col("annee_scolaire") == self.annee)["mois"].unique())


def cube(conn: Connection, scope: Scope, code: str, annee: str, previous: bool = True) -> Cube:
    """The ``Cube`` of territory ``code`` for ``annee`` (and the previous year unless ``previous``
    is false)."""
    territory = resolve_territory(conn, scope, code, annee)
    years = [annee, previous_year(annee)] if previous else [annee]
    return Cube(annee, aggregate(conn, territory, annee, years, ["type", "secteur", "ep"]), territory.code,
                secrecy.marks(conn, annee), secrecy.marks(conn, previous_year(annee)) if previous else {})


def monthly_rates(conn: Connection, scope: Scope, code: str, annee: str, by: str = "type",
                  types: tuple[str, ...] | None = None) -> pl.DataFrame:
    """``Cube.monthly`` of the territory."""
    return cube(conn, scope, code, annee).monthly(by, types)


def yearly_rates(conn: Connection, scope: Scope, code: str, annee: str, by: str = "type",
                 types: tuple[str, ...] | None = None) -> pl.DataFrame:
    """``Cube.yearly`` of the territory."""
    return cube(conn, scope, code, annee).yearly(by, types)


def detail_allowed(conn: Connection, scope: Scope, code: str, annee: str) -> bool:
    """Whether the scope may see sub-territories and schools of ``code``."""
    resolve_territory(conn, scope, code, annee)
    return can_view_detail(territory_index(conn, annee), scope, code)


def children_rates(conn: Connection, scope: Scope, code: str, annee: str) -> pl.DataFrame:
    """Rate over the school year per territory one level below ``code`` and per school type
    (plus ``ENSEMBLE``). Empty for a network or when the scope may not see below ``code``."""
    territory = resolve_territory(conn, scope, code, annee)
    subs = children(conn, scope, code, annee)
    schema = {"territoire_code": pl.String, "territoire_nom": pl.String, "groupe": pl.String,
              "effectif_moyen": pl.Int64, "taux": pl.Float64, "masque": pl.Boolean}
    if not subs:
        return pl.DataFrame(schema=schema)
    names = pl.DataFrame({"territoire_code": [t.code for t in subs], "territoire_nom": [t.label for t in subs]})
    frame = aggregate(conn, territory, annee, [annee], ["type"], subs=subs).join(names, on="territoire_code")
    keys = ["territoire_code", "territoire_nom", "groupe"]
    marks = secrecy.marks(conn, annee)
    code_expr = pl.col("territoire_code")
    by_type = apply_decision(summed_rates(frame.rename({"type": "groupe"}), keys), marks, code_expr,
                             group_column_expr("type")).drop("marque")
    overall = apply_decision(summed_rates(frame.with_columns(pl.lit(ALL).alias("groupe")), keys), marks,
                             code_expr, group_column_expr("")).drop("marque")
    order = {t.code: i for i, t in enumerate(subs)}
    return pl.concat([by_type, overall]).select(list(schema)).cast(schema).sort(
        pl.col("territoire_code").replace_strict(order, return_dtype=pl.Int64), _group_rank()
    )


def figures_contribution(conn: Connection, scope: Scope, code: str, annee: str) -> dict:
    """Absenteeism indicators for the figures export: rate over the school year (a fraction;
    None when no data or masked) per main school type (plus AUTRE when present) and overall;
    ``masque`` names the rates hidden by the disclosure rule."""
    data = cube(conn, scope, code, annee, previous=False)
    yearly = data.yearly("type")
    rates = dict(yearly.select("groupe", "taux").iter_rows())
    par_type = {t: rates.get(t) for t in MAIN_TYPES}
    if "AUTRE" in rates:
        par_type["AUTRE"] = rates["AUTRE"]
    masked = [f"absenteisme_par_type.{g}" for g in yearly.filter(pl.col("masque"))["groupe"]]
    overall = data.yearly("")
    if overall.height and overall["masque"][0]:
        masked.append("absenteisme_global")
    return {
        "absenteisme_par_type": par_type,
        "absenteisme_global": overall["taux"][0] if overall.height else None,
        "masque": masked,
    }


@dataclass(frozen=True)
class Overview:
    """Absenteeism of a territory for the Accueil page: yearly rates by school type (then all
    schools), with the previous year over the same months; the national references of the year
    (or the closest earlier year that has some)."""

    yearly: pl.DataFrame  # Cube.yearly columns, main types then ENSEMBLE
    references: dict
    reference_annee: str | None


def overview(conn: Connection, scope: Scope, code: str, annee: str) -> Overview:
    data = cube(conn, scope, code, annee)
    by_type = data.yearly("type")
    overall = data.yearly("").with_columns(pl.lit(ALL).alias("groupe"))
    yearly = pl.concat([by_type, overall.select(by_type.columns).cast(by_type.schema)]) if by_type.height else by_type
    years = sorted(set(load_references()["annee_scolaire"].to_list()))
    candidates = [y for y in years if y <= annee]
    year = candidates[-1] if candidates else None
    return Overview(yearly, references_for(year) if year else {}, year)
