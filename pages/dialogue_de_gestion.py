"""Page « Dialogue de gestion »: preview and download the slide deck of the selected territory
(PPTX with native charts) and the figures behind it (XLSX)."""

import logging

import streamlit as st

from dashboard import fmt
from dashboard.charts import raccrochage as charts
from dashboard.charts import raccrochage_solutions, raccrochage_tables
from dashboard.disclosure import marks
from dashboard.publish import screen
from dashboard.slides import build, deck, keyfigures, workbook
from dashboard.slides import content as deck_content
from dashboard.slides import methodtext as deck_methodtext
from dashboard.slides import prevention as deck_prevention
from dashboard.slides import series as deck_series
from dashboard.ui import charts as ui_charts
from dashboard.ui import page as ui

log = logging.getLogger("dashboard")
PPTX_MIME = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
plain = ui.plain


def _template() -> bytes | None:
    with st.expander("Modèle PowerPoint de l'académie (facultatif)"):
        st.caption("Sans modèle, la présentation suit la charte du tableau de bord (16:9). Avec le modèle de "
                   "l'académie, ses dispositions « Titre » et « Titre seul » sont utilisées.")
        upload = st.file_uploader("Modèle (.pptx)", type=["pptx"], key="ddg_modele")
    if upload is None:
        return None
    data = upload.getvalue()
    problem = build.check_template(data)
    if problem:
        st.error(f"Modèle ignoré : {problem}")
        return None
    st.caption(f"Modèle utilisé : {plain(upload.name)}")
    return data


def _downloads(ctx, content, template: bytes | None) -> None:
    name = build.deck_filename(ctx.territory.code, ctx.annee)
    xlsx_name = build.deck_filename(ctx.territory.code, ctx.annee, "-chiffres.xlsx")

    def make_deck() -> bytes:  # run on click, outside the page: log any failure server-side
        try:
            return deck.render(content, template)
        except Exception:
            log.exception("Génération de la présentation impossible")
            raise

    left, right = st.columns(2)
    ui.download_button(left, "Télécharger la présentation (PPTX)", make_deck, name, PPTX_MIME, key="ddg_pptx",
                       ctx=ctx, type="primary", icon=":material/slideshow:", width="stretch")
    ui.download_button(right, "Télécharger les chiffres (XLSX)", lambda: workbook.xlsx_bytes(content), xlsx_name,
                       XLSX_MIME, key="ddg_xlsx", ctx=ctx, icon=":material/table:", width="stretch")
    plan = deck.slide_plan(content)
    titles = deck.slide_titles(content)
    st.caption(f"{len(plan)} diapositives : " + " · ".join(plain(titles[k]) for k in plan) + ". Les graphiques "
               "sont natifs et modifiables dans PowerPoint ou LibreOffice ; le classeur donne une feuille par "
               "diapositive.")


TONE_COLORS = {"good": "green", "bad": "red", "neutral": "gray"}


def _key_figures(content) -> None:
    tiles = keyfigures.tiles(content)
    for row in (tiles[:4], tiles[4:]):
        for column, tile in zip(st.columns(4), row, strict=True):
            card = column.container(border=True, height="stretch")
            card.metric(tile.label, tile.value, delta=tile.full_delta, delta_color=TONE_COLORS[tile.tone],
                        delta_arrow=tile.direction)
            change = f"{tile.full_delta} {tile.context}" if tile.delta and tile.context else None
            lines = [plain(text) for text in (tile.note, change) if text]
            if lines:
                card.caption(" · ".join(lines))


def _absence_table(content) -> None:
    spec = deck_series.absence(content)
    if spec is None:
        st.info("Aucune donnée d'absentéisme pour ce territoire et cette année.")
        return
    table = deck_series.spec_table("Absentéisme", spec, "Type d'établissement")
    st.dataframe(screen.styler(table), hide_index=True, width="stretch", placeholder=screen.PLACEHOLDER)
    st.caption(f"Taux sur l'année scolaire (rapport des sommes). « {fmt.MISSING} » : valeur masquée (secret "
               "statistique) ou sans objet.")


def _preview(ctx, content) -> None:
    titles = deck.slide_titles(content)
    plan = deck.slide_plan(content)
    s = content.situation
    st.subheader(plain(titles["chiffres"]))
    _key_figures(content)
    st.subheader("Points saillants")
    st.markdown("\n".join(f"{i}. {plain(h.text)}" for i, h in enumerate(content.highlights, start=1))
                or "Aucune donnée disponible pour ce territoire.")
    tabs = [k for k in ("trajectoire", "solutions", "absenteisme", "prevention", "carte", "territoires", "reseaux")
            if k in plan]
    if not tabs:
        return
    labels = {"trajectoire": deck_series.trajectory_sheet(s["phase"]), "solutions": "Solutions et entonnoir", "absenteisme": "Absentéisme",
              "prevention": "Prévention", "carte": "Carte", "territoires": "Territoires", "reseaux": "Réseaux"}
    for key, tab in zip(tabs, st.tabs([labels[k] for k in tabs]), strict=True):
        with tab:
            st.caption(plain(titles[key]))
            if key == "trajectoire":
                ui_charts.chart(charts.trajectory_figure(content.periodes, content.historique, content.trajectoire,
                                                         ctx.annee, s["objectif"],
                                                         own_dates=charts.own_dates(s, content.shown,
                                                                                    content.annee_n1,
                                                                                    content.marks),
                                                         closed=deck_series.closed(content)),
                                key="ddg_trajectoire", title=titles[key])
            elif key == "solutions":
                left, right = st.columns(2)
                with left:
                    ui_charts.chart(raccrochage_solutions.solutions_over_time_figure(content.periodes), key="ddg_solutions",
                                    title="Raccrochés par période")
                with right:
                    ui_charts.chart(charts.funnel_figure(content.shown, list(content.masked)), key="ddg_entonnoir",
                                    title="Des jeunes signalés aux raccrochés")
            elif key == "absenteisme":
                _absence_table(content)
            elif key == "prevention":
                st.dataframe(screen.styler(deck_prevention.figures_table(content)), hide_index=True, width="stretch",
                             placeholder=screen.PLACEHOLDER)
            elif key == "carte":
                ui_charts.picture(content.map_png, width="stretch", alt=f"Carte : {titles[key]}. Les chiffres de "
                                  "chaque territoire sont dans l'onglet « Territoires ».")
                st.caption(plain(deck_methodtext.map_legend_text(content)))  # the slide's legend is native text
            else:
                frame = content.sous_territoires if key == "territoires" else content.reseaux
                st.dataframe(raccrochage_tables.styled_table(frame), hide_index=True, width="stretch")
    if any(deck_series.masked_on(content, k) for k in ("trajectoire", "solutions", "entonnoir", "absenteisme")) \
            or deck_prevention.masked(content):
        st.caption(marks.legend())


def body() -> None:
    ctx = ui.page_context("Dialogue de gestion")
    st.markdown(
        f"Présentation du dialogue de gestion pour **{plain(ctx.territory.label)}**, année scolaire **{ctx.annee}** "
        "(territoire et année dans la barre latérale). Les chiffres sont ceux des autres pages, avec les mêmes "
        "règles d'accès et de secret statistique."
    )
    content = ui.query(deck_content.gather, ctx.scope, ctx.territory.code, ctx.annee)
    if content.periode_fin:
        st.caption(f"Données au {fmt.date_long(content.periode_fin)} (dernier bilan reçu).")
    else:
        st.warning("Aucun bilan de raccrochage reçu pour ce territoire cette année : la présentation ne contiendra "
                   "que les diapositives dont les données existent.")
    template = _template()
    _downloads(ctx, content, template)
    _preview(ctx, content)


ui.run_page(body)
