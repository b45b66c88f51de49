"""The territorial breakdown: académie → departments → PSAD → networks, per school year.

A breakdown row applies from its ``annee_debut`` until a newer one replaces it, commune by
commune. ``resolve_territory`` checks the user's scope: every other query module starts there,
so a territory outside the scope cannot be reached by any route.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

import polars as pl
from sqlalchemy import Connection, and_, func, or_, select

from dashboard import academie
from dashboard.access.scope import ACADEMIE, AccessDenied, Scope
from dashboard.schoolyear import start_year
from dashboard.store import db

LEVELS = ("academie", "departement", "psad", "reseau")
LEVEL_LABELS = {"academie": "Académie", "departement": "Département", "psad": "PSAD", "reseau": "Réseau FOQUALE"}
LEVEL_LABELS_PLURAL = {
    "academie": "Académie",
    "departement": "Départements",
    "psad": "PSAD",
    "reseau": "Réseaux FOQUALE",
}
#: The académie's name when no database names it (the name itself comes from ``dashboard.academie``).
ACADEMIE_FALLBACK_NAME = "Académie"


@dataclass(frozen=True)
class Territory:
    code: str
    nom: str
    niveau: str  # academie | departement | psad | reseau
    parent_code: str | None
    reseaux: tuple[str, ...]
    population: int

    @property
    def label(self) -> str:
        if self.niveau == "academie":
            return self.nom
        if self.niveau == "departement":
            return f"{self.nom} ({self.code})"
        if self.niveau == "psad":
            return f"PSAD {self.nom}"
        return f"Réseau {self.nom}"


def _in_force(annee_scolaire: str):
    """Each commune's breakdown in force that school year: (commune_insee, annee_debut) of its latest
    breakdown starting at or before the year (a grouped subquery, joined once: no per-row lookup)."""
    t = db.territoires
    return (
        select(t.c.commune_insee, func.max(t.c.annee_debut).label("annee_debut"))
        .where(t.c.annee_debut <= start_year(annee_scolaire))
        .group_by(t.c.commune_insee)
        .subquery("en_vigueur")
    )


def _breakdown_rows(annee_scolaire: str):
    """``territoires`` rows in force that school year."""
    t = db.territoires
    latest = _in_force(annee_scolaire)
    return t.join(latest, and_(latest.c.commune_insee == t.c.commune_insee, latest.c.annee_debut == t.c.annee_debut))


# --- the breakdown, read once per data version ---------------------------------------------------------

_CACHE_SIZE = 64
_cache: OrderedDict[tuple, object] = OrderedDict()
_cache_lock = threading.Lock()


def _stamp(conn: Connection) -> tuple | None:
    """What identifies this database's breakdown: the database, its data version (new at every import)
    and the size of the breakdown table (a row written by hand changes it). None for a database in
    memory (nothing tells two of them apart): not cached."""
    url = conn.engine.url
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        return None
    t = db.territoires
    version = conn.execute(select(db.meta.c.valeur).where(db.meta.c.cle == "version")).scalar_one_or_none()
    count, latest = conn.execute(select(func.count(), func.max(t.c.annee_debut)).select_from(t)).one()
    return url.render_as_string(hide_password=True), version, count, latest


def _cached(conn: Connection, name: str, annee_scolaire: str, build):
    stamp = _stamp(conn)
    if stamp is None:
        return build()
    key = (*stamp, name, annee_scolaire)
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    value = build()
    with _cache_lock:
        _cache[key] = value
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return value


def forget_breakdowns() -> None:
    """Drop every breakdown read so far: called by whatever writes ``territoires`` (an import reads the
    new breakdown inside its own transaction, before the data version changes)."""
    with _cache_lock:
        _cache.clear()


def network_tree(conn: Connection, annee_scolaire: str) -> pl.DataFrame:
    """One row per network for the breakdown in force that school year (read once per data version).

    Columns: reseau_code, reseau_nom, psad_code, psad_nom, departement_code, departement_nom,
    population (communes' municipal population).
    """
    return _cached(conn, "tree", annee_scolaire, lambda: _read_network_tree(conn, annee_scolaire)).clone()


def _read_network_tree(conn: Connection, annee_scolaire: str) -> pl.DataFrame:
    t, c, d = db.territoires, db.communes, db.departements
    stmt = (
        select(
            t.c.reseau_code,
            func.max(t.c.reseau_nom).label("reseau_nom"),
            func.max(t.c.psad_code).label("psad_code"),
            func.max(t.c.psad_nom).label("psad_nom"),
            func.max(t.c.departement_code).label("departement_code"),
            func.max(d.c.nom).label("departement_nom"),
            func.sum(c.c.population).label("population"),
        )
        .select_from(_breakdown_rows(annee_scolaire).join(c, c.c.insee == t.c.commune_insee)
                     .join(d, d.c.code == t.c.departement_code))
        .group_by(t.c.reseau_code)
        .order_by(t.c.reseau_code)
    )
    rows = conn.execute(stmt).mappings().all()
    schema = {
        "reseau_code": pl.String,
        "reseau_nom": pl.String,
        "psad_code": pl.String,
        "psad_nom": pl.String,
        "departement_code": pl.String,
        "departement_nom": pl.String,
        "population": pl.Int64,
    }
    return pl.DataFrame([dict(r) for r in rows], schema=schema)


def commune_breakdown(conn: Connection, annee_scolaire: str) -> pl.DataFrame:
    """commune_insee → reseau_code, psad_code, departement_code for that school year."""
    return _cached(conn, "communes", annee_scolaire, lambda: _read_commune_breakdown(conn, annee_scolaire)).clone()


def _read_commune_breakdown(conn: Connection, annee_scolaire: str) -> pl.DataFrame:
    t = db.territoires
    stmt = select(t.c.commune_insee, t.c.reseau_code, t.c.psad_code, t.c.departement_code).select_from(
        _breakdown_rows(annee_scolaire))
    rows = conn.execute(stmt).all()
    return pl.DataFrame(
        rows, schema=["commune_insee", "reseau_code", "psad_code", "departement_code"], orient="row"
    )


def all_territories(tree: pl.DataFrame, academie_name: str = ACADEMIE_FALLBACK_NAME) -> list[Territory]:
    """Académie (named ``academie_name``: « Académie de Rennes »), departments, PSAD and networks of a
    network tree, in display order."""
    out = [
        Territory(ACADEMIE, academie_name, "academie", None, tuple(tree["reseau_code"]), int(tree["population"].sum()))
    ]
    for dep in tree.group_by("departement_code", maintain_order=True).agg(
        pl.first("departement_nom"), pl.col("reseau_code"), pl.sum("population")
    ).sort("departement_code").iter_rows(named=True):
        out.append(
            Territory(dep["departement_code"], dep["departement_nom"], "departement", ACADEMIE,
                      tuple(sorted(dep["reseau_code"])), int(dep["population"]))
        )
    for p in tree.group_by("psad_code").agg(
        pl.first("psad_nom"), pl.first("departement_code"), pl.col("reseau_code"), pl.sum("population")
    ).sort("psad_code").iter_rows(named=True):
        out.append(
            Territory(p["psad_code"], p["psad_nom"], "psad", p["departement_code"],
                      tuple(sorted(p["reseau_code"])), int(p["population"]))
        )
    for r in tree.iter_rows(named=True):
        out.append(Territory(r["reseau_code"], r["reseau_nom"], "reseau", r["psad_code"], (r["reseau_code"],),
                             int(r["population"])))
    return out


def territory_index(conn: Connection, annee_scolaire: str) -> dict[str, Territory]:
    """Every territory of that school year's breakdown, by code (read once per data version)."""
    index = _cached(conn, "index", annee_scolaire,
                    lambda: {t.code: t for t in all_territories(_read_network_tree(conn, annee_scolaire),
                                                                academie.of_connection(conn).titre)})
    return dict(index)


def territory_list(conn: Connection, annee_scolaire: str) -> pl.DataFrame:
    """The codes at hand for a file of that school year: every territory of its
    breakdown — ``code``, ``nom``, ``niveau`` (French), ``parent_code``, ``parent_nom`` — académie,
    departments, PSAD, then networks."""
    index = territory_index(conn, annee_scolaire)
    rows = [(t.code, t.nom, LEVEL_LABELS[t.niveau], t.parent_code or "",
             index[t.parent_code].nom if t.parent_code in index else "") for t in index.values()]
    return pl.DataFrame(rows, schema={"code": pl.String, "nom": pl.String, "niveau": pl.String,
                                      "parent_code": pl.String, "parent_nom": pl.String}, orient="row")


def ancestors(index: dict[str, Territory], code: str) -> list[str]:
    """Codes above ``code`` (parent first, académie last)."""
    out = []
    parent = index[code].parent_code
    while parent is not None:
        out.append(parent)
        parent = index[parent].parent_code
    return out


def is_within(index: dict[str, Territory], code: str, container: str) -> bool:
    """True when territory ``code`` lies inside (or is) ``container``."""
    return code == container or container in ancestors(index, code)


def can_view(index: dict[str, Territory], scope: Scope, code: str) -> bool:
    """Whether ``scope`` may open territory ``code`` (detail, or a permitted aggregate)."""
    if code not in index:
        return False
    if scope.aggregates_only:
        return code == ACADEMIE
    if scope.territoire_code not in index:
        return False
    if is_within(index, code, scope.territoire_code):
        return True
    return code in ancestors(index, scope.territoire_code)


def can_view_detail(index: dict[str, Territory], scope: Scope, code: str) -> bool:
    """Whether ``scope`` may see what lies below ``code`` (sub-territories, schools)."""
    if scope.aggregates_only or code not in index or scope.territoire_code not in index:
        return False
    return is_within(index, code, scope.territoire_code)


def visible_territories(conn: Connection, scope: Scope, annee_scolaire: str) -> list[Territory]:
    """The territories ``scope`` may open, in display order."""
    index = territory_index(conn, annee_scolaire)
    return [t for t in index.values() if can_view(index, scope, t.code)]


def resolve_territory(conn: Connection, scope: Scope, code: str, annee_scolaire: str) -> Territory:
    """The territory ``code`` for that school year, or ``AccessDenied`` if outside the scope.

    An unknown code raises ``KeyError``.
    """
    index = territory_index(conn, annee_scolaire)
    if code not in index:
        raise KeyError(code)
    if not can_view(index, scope, code):
        raise AccessDenied()
    return index[code]


def children(conn: Connection, scope: Scope, code: str, annee_scolaire: str) -> list[Territory]:
    """Territories one level below ``code`` that the scope may open (empty for a network)."""
    index = territory_index(conn, annee_scolaire)
    if not can_view_detail(index, scope, code):
        return []
    return [t for t in index.values() if t.parent_code == code]


def school_years(conn: Connection) -> list[str]:
    """School years present in bilans or absenteeism, most recent last."""
    years = set(conn.execute(select(db.bilans.c.annee_scolaire).distinct()).scalars())
    years |= set(conn.execute(select(db.absenteisme.c.annee_scolaire).distinct()).scalars())
    return sorted(years)


@dataclass(frozen=True)
class BreakdownSummary:
    """What the Méthodologie page says of the breakdown in force (the latest one)."""

    academie: str  # « l'académie de Rennes »
    communes: int
    departements: tuple[tuple[str, str, tuple[tuple[str, tuple[str, ...]], ...]], ...]  # (code, nom, ((psad, (networks…))…))
    psad: int
    reseaux: int
    debuts: tuple[int, ...]  # first years of the breakdowns (0: the default, every year)


LATEST = "2999-3000"  # a school year after every breakdown: the one in force today


def breakdown_summary(conn: Connection) -> BreakdownSummary:
    """The latest breakdown of the database, department by department (read from the data)."""
    tree = network_tree(conn, LATEST)
    t = db.territoires
    debuts = tuple(sorted(conn.execute(select(t.c.annee_debut).distinct()).scalars()))
    communes = conn.execute(select(func.count()).select_from(db.communes)).scalar_one()
    departments = []
    for dep in sorted(set(tree["departement_code"].to_list())):
        rows = tree.filter(pl.col("departement_code") == dep).sort("psad_nom", "reseau_nom")
        psads = []
        for psad in rows.unique("psad_code", maintain_order=True).iter_rows(named=True):
            names = rows.filter(pl.col("psad_code") == psad["psad_code"])["reseau_nom"].to_list()
            psads.append((psad["psad_nom"], tuple(names)))
        departments.append((dep, rows["departement_nom"][0], tuple(psads)))
    return BreakdownSummary(academie.of_connection(conn).sujet, int(communes), tuple(departments),
                            tree["psad_code"].n_unique(), tree.height, debuts)


# --- which network a school belongs to: the membership rule ------------------------------------------
# A school belongs to its own network (``etablissements.reseau_code``, set by the schools file) or,
# when it has none, to the network of its commune in the breakdown in force that school year.


def with_school_network(conn: Connection, frame: pl.DataFrame, annee_scolaire: str, own: str = "reseau_code",
                        out: str = "reseau") -> pl.DataFrame:
    """The membership rule on a frame of schools (``commune_insee`` and their own network ``own``):
    the network they belong to in column ``out``."""
    breakdown = commune_breakdown(conn, annee_scolaire).select(
        "commune_insee", pl.col("reseau_code").alias("_reseau_commune"))
    return (frame.join(breakdown, on="commune_insee", how="left")
            .with_columns(pl.coalesce(own, "_reseau_commune").alias(out)).drop("_reseau_commune"))


def _communes_of(reseaux: tuple[str, ...], annee_scolaire: str):
    """Subquery: communes of ``reseaux`` in the breakdown in force that school year."""
    t = db.territoires
    latest = (
        select(t.c.commune_insee, func.max(t.c.annee_debut).label("annee_debut"))
        .where(t.c.annee_debut <= start_year(annee_scolaire))
        .group_by(t.c.commune_insee)
        .subquery()
    )
    return (
        select(t.c.commune_insee)
        .select_from(t.join(latest, and_(t.c.commune_insee == latest.c.commune_insee,
                                         t.c.annee_debut == latest.c.annee_debut)))
        .where(t.c.reseau_code.in_(reseaux))
    )


def school_in_networks(reseaux: tuple[str, ...], annee_scolaire: str, table=None):
    """The membership rule as an SQL condition on ``table`` (default ``etablissements``): the school
    belongs to one of ``reseaux`` (``with_school_network`` is the same rule on a frame)."""
    e = db.etablissements if table is None else table
    return or_(
        e.c.reseau_code.in_(reseaux),
        and_(e.c.reseau_code.is_(None), e.c.commune_insee.in_(_communes_of(reseaux, annee_scolaire))),
    )
