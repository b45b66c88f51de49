"""Everything a deck shows, gathered once from the query modules (core, no Streamlit).

``gather(conn, scope, code, annee)`` calls the same query functions as the pages, with the
user's scope (``AccessDenied`` outside it, ``KeyError`` for an unknown territory), and applies
the figures as published (``Detail.publie``: the year's secrecy decision applied; absenteeism rates
come masked from ``queries.absenteisme``). The result is a plain, picklable ``DeckContent``: the
page caches it, the PPTX and the XLSX are rendered from it, so every figure of the deck, of its
preview and of its spreadsheet is the same number.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import replace

import polars as pl
from sqlalchemy import Connection

from dashboard import academie as academie_of
from dashboard import schoolyear
from dashboard.access.scope import ACADEMIE, Scope
from dashboard.charts import raccrochage_tables
from dashboard.slides import commentary
from dashboard.slides.model import Absence, DeckContent, MapKey, Prevention
from dashboard.store import db
from queries import absenteisme as aq
from queries import donnees as dq
from queries import prevention as pq
from queries import prevention_figures as pf
from queries import raccrochage as rq
from queries import territoires as tq

log = logging.getLogger("dashboard.slides")

MAP_LEVEL = "reseau"
MAP_INDICATOR = "taux_atteinte"
#: The map's place on its slide (inches, width × height: the content area of a 16:9 deck less the
#: legend's column) and the size of its labels there: legible when projected.
MAP_BOX_IN = (7.9, 5.5)
MAP_LABEL_PT = 11.0


def gather(conn: Connection, scope: Scope, code: str, annee: str, *, with_map: bool = True) -> DeckContent:
    """The deck's content for territory ``code`` and school year ``annee`` (scope checked)."""
    territory = tq.resolve_territory(conn, scope, code, annee)
    detail = rq.detail(conn, scope, territory.code, annee)
    published = detail.publie  # the year's secrecy decision applied in queries/
    shown, marks = published.situation, published.marks
    solutions_n1 = published.solutions_n1
    below = published.sous_territoires
    networks = published.reseaux
    if set(networks["code"].to_list()) == set(below["code"].to_list()):
        networks = networks.clear()
    slide_map = _slide_map(conn, scope, territory, annee) if with_map else None
    content = DeckContent(
        territory=territory,
        annee=annee,
        annee_n1=schoolyear.previous_year(annee),
        demo=db.get_meta(conn, "demo") == "1",
        generated_on=dt.date.today().isoformat(),
        situation=detail.situation,
        shown=shown,
        masked=tuple(marks),
        marks=marks,
        periodes=published.periodes,
        historique=published.historique,
        trajectoire=detail.trajectoire,
        solutions_n1=solutions_n1,
        solutions_n1_marks=dict(published.solutions_n1_marks) if solutions_n1 else {},
        sous_territoires=below,
        reseaux=networks,
        absence=_absence(conn, scope, territory.code, annee),
        map_png=slide_map.png if slide_map else None,
        map_key=_map_key(slide_map) if slide_map else None,
        late=tuple(_late_networks(conn, scope, territory.code, annee)),
        prevention=_prevention(conn, scope, territory.code, annee),
        academie=academie_of.of_connection(conn),
    )
    return replace(content, highlights=tuple(commentary.highlights(content)))


def _late_networks(conn: Connection, scope: Scope, code: str, annee: str) -> list[tuple[str, str | None]]:
    return raccrochage_tables.late_names(dq.bilan_freshness(conn, scope, code, annee))


def _prevention(conn: Connection, scope: Scope, code: str, annee: str) -> Prevention | None:
    figures = pf.figures_contribution(conn, scope, code, annee)
    if not figures["etablissements_avec_referent"] and not figures["etablissements_declarants"]:
        return None
    chain = pq.chain(conn, scope, code, annee).row(0, named=True)
    academie = None if code == ACADEMIE else pq.chain(conn, scope, ACADEMIE, annee).row(0, named=True)
    return Prevention(figures, chain, academie, pq.blind_spot_counts(conn, scope, code, annee))


# --- absenteeism ----------------------------------------------------------------------------------


def _absence(conn: Connection, scope: Scope, code: str, annee: str) -> Absence | None:
    by_type = aq.yearly_rates(conn, scope, code, annee, "type")
    if by_type.is_empty():
        return None
    order = {t: i for i, t in enumerate((*aq.MAIN_TYPES, "AUTRE"))}
    by_type = by_type.filter(pl.col("groupe").is_in(list(order))).sort(
        pl.col("groupe").replace_strict(order, return_dtype=pl.Int64)
    )
    overall = aq.yearly_rates(conn, scope, code, annee, "")
    monthly = aq.monthly_rates(conn, scope, code, annee, "")
    months = sorted(monthly.filter(pl.col("annee_scolaire") == annee)["mois"].to_list())
    ref_year, refs, source, estimated = _references(aq, annee)
    return Absence(
        par_type=by_type.select("groupe", "taux", "taux_precedent", "evolution", "masque", "masque_precedent"),
        ensemble=overall.row(0, named=True) if overall.height else None,
        references=refs,
        reference_annee=ref_year,
        reference_source=source,
        reference_estimee=bool(estimated),
        references_estimees=estimated,
        mois=(months[0], months[-1]) if months else None,
    )


def _references(aq, annee: str) -> tuple[str | None, dict[str, float], str | None, frozenset[str]]:
    """National references of ``annee``, else of the closest earlier year that has some:
    (year, rates by school type, the publisher, the school types whose rate is estimated)."""
    years = sorted(set(aq.load_references()["annee_scolaire"].to_list()))
    candidates = [y for y in years if y <= annee]
    if not candidates:
        return None, {}, None, frozenset()
    year = candidates[-1]
    refs = aq.references_for(year)
    estimated = frozenset(t for t, r in refs.items() if (r.get("statut") or "publié") != "publié")
    publisher = "DEPP" if any("DEPP" in (r.get("source") or "") for r in refs.values()) else None
    return year, {t: r["taux"] for t, r in refs.items()}, publisher, estimated


# --- map --------------------------------------------------------------------------------------------


def _slide_map(conn: Connection, scope: Scope, territory: tq.Territory, annee: str):
    """The map of the slide (rate of achievement by network, the territory outlined): a
    ``staticmap.SlideMap``, or None when it cannot be drawn."""
    from dashboard.charts import staticmap  # heavy (matplotlib, geopandas): only when a deck draws its map

    highlight = None if territory.code == ACADEMIE else territory.code
    try:
        return staticmap.render_slide_map(conn, scope, annee, level=MAP_LEVEL, indicator=MAP_INDICATOR,
                                          highlight=highlight, code=territory.code, box_in=MAP_BOX_IN,
                                          label_pt=MAP_LABEL_PT)
    except Exception:  # a deck without its map is better than no deck
        log.exception("Carte statique indisponible pour %s (%s)", territory.code, annee)
        return None


def _map_key(slide_map) -> MapKey:
    return MapKey(slide_map.legend_title, slide_map.legend, slide_map.method, slide_map.width_in,
                  slide_map.height_in, slide_map.label_pt, slide_map.label_boxes)


def _map_png(conn: Connection, scope: Scope, territory: tq.Territory, annee: str) -> bytes | None:
    """The map's PNG alone (the benchmark times it)."""
    slide_map = _slide_map(conn, scope, territory, annee)
    return slide_map.png if slide_map else None
