"""Page « Comparer des territoires »: 2 to 6 territories side by side (indicators against the
académie, trajectories, monthly absenteeism), a ranking across one level, a shareable link and
the exports. The selection lives in the URL (``territoires=R86-POI,R86-SVI,R86-CHA``)."""

import streamlit as st

from dashboard.access.scope import ACADEMIE
from dashboard.charts import comparer as charts
from dashboard.charts import comparer_export as export
from dashboard.ui import charts as ui_charts
from dashboard.ui import page as ui
from queries import comparer as q
from queries import comparer_ranking as qr
from queries import territoires as tq

URL_PATH = "comparer"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _param(name: str) -> str | None:
    value = st.query_params.get(name)
    return value or None


def _selection(ctx, index: dict[str, tq.Territory]) -> list[str]:
    raw = _param(q.PARAM_TERRITORIES)
    kept, dropped = q.parse_selection(raw, index)
    if dropped:
        what = "Un territoire du lien a été ignoré" if len(dropped) == 1 else \
            f"{len(dropped)} territoires du lien ont été ignorés"
        st.warning(f"{what} : inconnu(s) pour {ctx.annee} ou hors de votre périmètre d'accès.")
    if q.too_many(raw, index):
        st.warning(f"Au plus {q.MAX_TERRITORIES} territoires : seuls les premiers du lien sont comparés.")
    if not kept:
        kept = q.default_selection(index, ctx.territory.code)
    chosen = st.multiselect(
        "Territoires à comparer (de 2 à 6)", list(index), default=kept, max_selections=q.MAX_TERRITORIES,
        select_all=False,  # no « Select N matches » first option: Entrée adds the option highlighted, only it
        format_func=lambda c: index[c].label, key=f"comparer_territoires_{ctx.annee}",
        placeholder="Choisissez des réseaux, des PSAD, des départements ou l'académie",
        help="Territoires de même niveau ou non (un réseau face à son département et à l'académie, par exemple).",
    )
    st.query_params[q.PARAM_TERRITORIES] = ",".join(chosen)
    return chosen


def _ranking_controls(chosen: list[str], index: dict[str, tq.Territory]) -> tuple[str, str]:
    levels, keys = list(q.RANKING_LEVELS), list(q.RANKING_INDICATORS)
    level_default, indicator_default = q.ranking_choice(chosen, index, _param(q.PARAM_LEVEL),
                                                        _param(q.PARAM_INDICATOR))
    left, right = st.columns([1, 2])
    level = left.selectbox("Niveau", levels, index=levels.index(level_default),
                           format_func=lambda n: tq.LEVEL_LABELS_PLURAL[n], key="comparer_niveau",
                           placeholder="Choisir…")
    indicator = right.selectbox("Indicateur", keys, index=keys.index(indicator_default),
                                format_func=lambda k: q.INDICATOR_INDEX[k].label, key="comparer_indicateur",
                                placeholder="Choisir…")
    st.query_params[q.PARAM_LEVEL] = level
    st.query_params[q.PARAM_INDICATOR] = indicator
    return level, indicator


def body() -> None:
    ctx = ui.page_context("Comparer des territoires")
    index = {t.code: t for t in ui.query(tq.visible_territories, ctx.scope, ctx.annee)}
    chosen = _selection(ctx, index)
    if len(chosen) < q.MIN_TERRITORIES:
        st.info("Choisissez au moins deux territoires à comparer.")
        return
    codes = tuple(chosen)
    comp = ui.query(q.comparison, ctx.scope, codes, ctx.annee)
    labels = {t.code: t.label for t in comp.territories}

    link_slot = st.container()

    st.subheader("Indicateurs")
    st.table(charts.styled_table(comp))
    st.caption(
        "Taux rapportés à la population municipale des communes du territoire (INSEE) ; élèves repérés par les "
        "GPDS rapportés aux élèves inscrits. "
        "Entre parenthèses, l'écart à l'académie : en points pour les taux et les parts, pour 10 000 habitants "
        "pour les jeunes signalés, pour 1 000 élèves pour les élèves repérés par les GPDS, et la part de l'académie "
        "pour les effectifs. "
        "Fond vert : mieux que l'académie ; fond orange : moins bien ; sans fond : écart nul ou sans appréciation "
        "(effectifs, population, répartition des solutions, élèves repérés). « < 5 » et « s » : secret statistique ; "
        "« — » : donnée absente. Raccrochés et jeunes signalés : cumuls depuis la rentrée jusqu'au dernier bilan reçu."
    )

    closed = comp.closed
    title = "Raccrochés cumulés face à l'objectif" if closed else "Trajectoires de raccrochage"
    st.subheader(title)
    ui_charts.chart(charts.trajectories_figure(ui.query(q.trajectories, ctx.scope, codes, ctx.annee), labels),
                    key="comparer_trajectoires", title=title,
                    sentences="Raccrochés cumulés en % de l'objectif annuel de chaque territoire comparé, par période")
    st.caption(
        "Échelle commune : raccrochés cumulés depuis la rentrée **en % de l'objectif annuel de chaque territoire**, "
        "pour que petits et grands territoires se comparent ; "
        + ("l'année est close : la ligne à 100 % est l'objectif de l'année." if closed else
           "en pointillés, la trajectoire de l'objectif (profil saisonnier, voir Méthodologie).")
        + " Points à la fin de chaque période bimestrielle ; un point masqué (secret statistique) est un cercle "
        "gris marqué « < 5 » ou « s », la courbe s'y interrompt."
    )

    st.subheader("Absentéisme mensuel par type d'établissement")
    ui_charts.chart(charts.absenteeism_figure(ui.query(q.monthly_absenteeism, ctx.scope, codes, ctx.annee), labels),
                    key="comparer_absenteisme", title="Absentéisme mensuel par type d'établissement",
                    sentences="Taux d'absentéisme mensuel de chaque territoire comparé")
    st.caption("Part des élèves ayant au moins 4 demi-journées d'absence non justifiées dans le mois ; "
               "échelle commune à tous les territoires. Mois masqué (secret statistique) : la courbe s'interrompt, "
               "un cercle gris marqué « s » le signale.")

    st.subheader("Classement")
    level, indicator = _ranking_controls(chosen, index)
    ranked = qr.ranking(ui.query(qr.level_values, ctx.scope, ctx.annee, level), indicator)
    ui_charts.chart(
        charts.ranking_figure(ranked, indicator, chosen, comp.value(ACADEMIE, indicator)),
        key="comparer_classement", title="Classement",
        sentences=f"{tq.LEVEL_LABELS_PLURAL[level]} classés selon l'indicateur choisi ; les territoires comparés sont "
                  "mis en évidence",
    )
    better = {1: "du plus élevé au plus bas (plus élevé = mieux)", -1: "du plus bas au plus élevé (plus bas = mieux)",
              0: "du plus élevé au plus bas"}[q.BETTER[indicator]]
    st.caption(f"{tq.LEVEL_LABELS_PLURAL[level]} classés {better} ; en bleu, les territoires comparés. "
               "Seuls les territoires de votre périmètre sont classés.")
    if provisional := charts.provisional_sentence(ranked):
        st.caption(ui.plain(provisional))

    st.subheader("Exporter")
    left, right = st.columns(2)
    name = export.basename(comp)
    detail = f"territoires : {', '.join(chosen)}"
    ui.download_button(left, "Télécharger le tableau (CSV)", lambda: export.to_csv_bytes(comp, ctx.demo),
                       f"{name}.csv", "text/csv", key="comparer_csv", ctx=ctx, what=f"{name}.csv ({detail})",
                       width="stretch")
    ui.download_button(
        right, "Télécharger les trois vues (XLSX)",
        lambda: export.to_xlsx_bytes(comp, ranked, indicator, tq.LEVEL_LABELS_PLURAL[level], ctx.demo),
        f"{name}.xlsx", XLSX_MIME, key="comparer_xlsx", ctx=ctx, what=f"{name}.xlsx ({detail})", width="stretch",
    )
    st.caption("Chiffres pour le tableur : effectifs entiers ; taux et parts au format pourcentage dans le XLSX, en "
               "pourcentage à une décimale dans le CSV ; écarts en points. Le XLSX contient les feuilles "
               "« Indicateurs », « Écarts à l'académie », « Classement » et « Notes » (sources, date, secret "
               "statistique).")

    with link_slot:
        extra = {q.PARAM_LEVEL: level, q.PARAM_INDICATOR: indicator}
        url = q.share_url(st.context.url or f"/{URL_PATH}", ctx.annee, chosen, extra)
        share_link(url)


def share_link(url: str) -> None:
    """The comparison's link, shown, and a button that copies it to the clipboard (the static script
    ``francais.js`` copies the link shown in ``lien_partage`` on the click, offline) and says so."""
    left, right = st.columns([4, 1.2], vertical_alignment="center")
    with left.container(key="lien_partage"):
        st.code(url, language=None, wrap_lines=True)
    if right.button("Copier le lien", key="copier_lien", icon=":material/content_copy:", width="stretch",
                    help="Copie le lien de cette comparaison (territoires, année, classement) dans le presse-papiers, "
                         "à coller dans un courriel."):
        st.toast("Lien de la comparaison copié dans le presse-papiers : collez-le (Ctrl+V) dans un courriel.",
                 icon=":material/check_circle:")


ui.run_page(body)
