"""Page « Accueil »: where the selected territory stands against its raccrochage target."""

from pathlib import Path

import polars as pl
import streamlit as st

from dashboard.charts import absenteisme_tables as abs_tables
from dashboard.charts import donnees as tables
from dashboard.charts import raccrochage as charts
from dashboard.charts import raccrochage_tables
from dashboard.disclosure import marks as disclosure_marks
from dashboard.publish import keyfigures, narrative
from dashboard.ui import charts as ui_charts
from dashboard.ui import page as ui
from queries import absenteisme as aq
from queries import donnees as dq
from queries import raccrochage as q
from queries import raccrochage_position as position
from queries import raccrochage_rules as rules
from queries import raccrochage_situation
from queries import territoires as tq
from queries.statuses import Status

PAGES_DIR = Path(__file__).resolve().parent
STATUS_BOX = {"bad": st.warning, "neutral": st.info, "good": st.success}  # by the tone of the status


TONE_COLORS = {"good": "green", "bad": "red", "neutral": "gray"}


def _change(tile: keyfigures.Tile) -> dict:
    """st.metric arguments of a tile's change: the change with its context (« sur un an »); or, when
    it cannot be shown because this year's or last year's value is masked, its mark (« s », « < 5 »)
    in its place — never a bare « sur un an » with nothing beside it; or, for a closed year's gap
    to the target, the status reached or not."""
    if tile.status is not None:
        if not tile.status.closed:
            return {}
        return {"delta": tile.status.label, "delta_arrow": "off", "delta_color": tile.status.tint}
    if tile.delta is not None:
        return {"delta": tile.delta, "delta_color": TONE_COLORS[tile.tone], "delta_arrow": tile.direction,
                "delta_description": tile.short_context}
    if tile.change_mark is not None and tile.short_context is not None:
        return {"delta": disclosure_marks.mark_text(tile.change_mark), "delta_color": "gray", "delta_arrow": "off",
                "delta_description": tile.short_context}  # the legend under the tiles explains the mark
    return {}


def tiles_row(figures: dict[str, keyfigures.Tile], keys: tuple[str, ...]) -> None:
    for column, key in zip(st.columns(len(keys)), keys, strict=True):
        tile = figures[key]
        column.metric(tile.shown_label, tile.value, border=True, help=tile.help, **_change(tile))


def _markdown(parts) -> str:
    """A sentence of ``dashboard.narrative`` as Markdown: names escaped, emphasis in bold."""
    return "".join(f"**{ui.plain(text)}**" if bold else ui.plain(text) for text, bold in parts)


def sub_territories(ctx, d: q.Detail) -> None:
    below = d.sous_territoires
    if below.is_empty():
        return
    level = tq.LEVEL_LABELS_PLURAL[below["niveau"][0]]
    title = f"{level} : où en est chacun ?"
    st.subheader(title)
    shown = d.publie.sous_territoires
    closed = position.is_closed(d.situation["phase"])
    ui_charts.chart(charts.achievement_figure(shown), key="atteinte_sous_territoires", title=title,
                    sentences="Part de l'objectif annuel atteinte par chacun"
                              + ("" if closed else ", et part attendue à cette date"),
                    with_table=False)
    st.caption(charts.achievement_caption(closed))
    # a static table: its headers wrap, nothing is cut at 1 280 px; already ranked
    st.table(raccrochage_tables.styled_table(shown, markdown=True))
    st.caption(charts.ranking_caption(closed))


STRIP_COLUMNS = 2  # names in full at 1 280 px (« Rochefort–Marennes-Oléron »)


def status_strip(ctx, d: q.Detail) -> None:
    """The networks of the selection (or its sub-territories) coloured by status, each a link to its
    Raccrochage page."""
    frame = d.reseaux if not d.reseaux.is_empty() else d.sous_territoires
    if frame.is_empty():
        st.caption("Un réseau FOQUALE n'a pas de territoire rattaché : choisissez sa PSAD ou son département pour le "
                   "comparer aux autres.")
        return
    level = tq.LEVEL_LABELS_PLURAL[frame["niveau"][0]]
    late = frame.filter(pl.col("statut").is_in([Status.EN_RETARD.value, Status.NON_ATTEINT.value])).height
    if position.is_closed(d.situation["phase"]):
        word = "n'a pas atteint son objectif" if late <= 1 else "n'ont pas atteint leur objectif"
    else:
        word = "en retard"
    st.markdown(f"**{level} : {late} sur {frame.height} {word}**")
    closed = position.is_closed(d.situation["phase"])
    shown = [s for s in Status.of_year(closed) if s in set(frame["statut"].fill_null(Status.INCONNU).to_list())]
    st.caption(" · ".join(f"{s.arrow} {s.label}" for s in shown)
               + (" — objectif non atteint d'abord." if closed else " — les plus en retard d'abord."))
    rows = raccrochage_situation.sort_by_status(frame).iter_rows(named=True)  # lagging first, by gap
    columns = st.columns(STRIP_COLUMNS, gap="small")
    for i, row in enumerate(rows):
        status = Status.of(row["statut"])
        name = row["nom"] if row["niveau"] in ("reseau", "psad") else row["libelle"]
        columns[i % STRIP_COLUMNS].page_link(
            str(PAGES_DIR / "raccrochage.py"), label=f":{status.tint}[{ui.plain(name)}]",
            icon=f":material/{status.icon}:", query_params={"annee": ctx.annee, "territoire": row["code"]},
            help=f"{status.label} — ouvrir sa page Raccrochage",
        )


def absenteeism(ctx, view) -> None:
    """Absenteeism this year by school type, against last year and the national reference."""
    st.markdown("**Absentéisme par type d'établissement**",
                help="Part des élèves ayant au moins 4 demi-journées d'absence non justifiées dans le mois, sur les mois "
                     "de l'année reçus ; l'année précédente sur les mêmes mois ; référence nationale DEPP (secteur public).")
    if view.yearly.is_empty():
        st.caption("Aucune donnée d'absentéisme pour ce territoire et cette année.")
        return
    table = abs_tables.yearly_display(view.yearly, ctx.annee, ctx.previous_year, compact=True,
                                      references=view.references)
    table = table.drop("Évolution").rename({"Type d'établissement": "Type", f"Taux {ctx.annee}": ctx.annee,
                                            f"Taux {ctx.previous_year}": ctx.previous_year,
                                            "Référence nationale": "France"})
    st.dataframe(table, hide_index=True, width="stretch")



def freshness_line(ctx, fresh: pl.DataFrame, s: dict) -> None:
    """Data freshness in one line; the detail per network in an expander further down."""
    st.caption(ui.plain(narrative.freshness_sentence(fresh, s)))


def body() -> None:
    ctx = ui.page_context("Accueil")
    d = ui.query(q.detail, ctx.scope, ctx.territory.code, ctx.annee)
    s = d.situation
    shown, marks = d.publie.situation, d.publie.marks
    STATUS_BOX[Status.of(s["statut"]).tone](_markdown(narrative.headline(s, shown, marks)))
    fresh = ui.query(dq.bilan_freshness, ctx.scope, ctx.territory.code, ctx.annee)
    late = narrative.late_networks_note(s, raccrochage_tables.late_names(fresh), short=True)
    if late and s["periode_fin"]:
        st.warning(ui.plain(late), icon=":material/schedule:")
    figures = keyfigures.key_figures(s, shown, marks)
    closed = position.is_closed(s["phase"])
    tiles_row(figures, keyfigures.ACCUEIL[closed][0])
    view = ui.query(aq.overview, ctx.scope, ctx.territory.code, ctx.annee)
    left, right = st.columns([1.35, 1], gap="medium")
    with right:
        absenteeism(ctx, view)
    with left:
        status_strip(ctx, d)
        sentence = narrative.absence_sentence(view.yearly, view.references, ctx.previous_year, view.reference_annee)
        if sentence:
            st.caption(ui.plain("Absentéisme : " + sentence[0].lower() + sentence[1:]))
        if not (late and s["periode_fin"]):  # the « chiffres provisoires » warning already says it
            freshness_line(ctx, fresh, s)
    st.divider()
    st.subheader("Repérage et accompagnement")
    tiles_row(figures, keyfigures.ACCUEIL[closed][1])
    if marks:
        st.caption(disclosure_marks.legend())
    if s["periode_fin_n1"]:
        trajectory = ("" if position.is_closed(s["phase"])  # a closed year speaks of its target only
                      else f" Trajectoire : {rules.PROFILE_SOURCES[s['profil_source']]} (voir Méthodologie).")
        st.caption(f"Évolutions : par rapport à la même date de l'année {ctx.previous_year}, chaque réseau à la date de "
                   f"son dernier bilan.{trajectory}")
    sub_territories(ctx, d)
    if not fresh.is_empty():
        with st.expander("Dernier bilan reçu par réseau"):
            st.dataframe(tables.freshness_table(fresh), hide_index=True, width="stretch")
    first = "Objectif" if position.is_closed(s["phase"]) else "Trajectoire"
    st.page_link(str(PAGES_DIR / "raccrochage.py"), label=f"{first}, entonnoir et solutions : page Raccrochage",
                 icon=":material/trending_up:", query_params={"annee": ctx.annee, "territoire": ctx.territory.code})


ui.run_page(body)
