"""Page « Accueil »: where the selected territory stands against its raccrochage target."""

from pathlib import Path

import polars as pl
import streamlit as st

from dashboard import fmt
from dashboard.charts import absenteisme_tables as abs_tables
from dashboard.charts import donnees as tables
from dashboard.charts import raccrochage as charts
from dashboard.charts import raccrochage_tables
from dashboard.disclosure import marks as disclosure_marks
from dashboard.publish import catalog, narrative
from dashboard.publish import text as publish_text
from dashboard.ui import charts as ui_charts
from dashboard.ui import page as ui
from queries import absenteisme as aq
from queries import donnees as dq
from queries import raccrochage as q
from queries import raccrochage_position as position
from queries import raccrochage_rules as rules
from queries import raccrochage_situation
from queries import territoires as tq
from queries.statuses import STATUS_ICONS, STATUS_LABELS

PAGES_DIR = Path(__file__).resolve().parent
STATUS_BOX = {"en_retard": st.warning, "sur_trajectoire": st.info, "en_avance": st.success, "inconnu": st.info,
              "atteint": st.success, "non_atteint": st.warning}


def _delta(diff, text: str, *, neutral: bool = False) -> dict:
    """st.metric delta arguments for a French-formatted difference (true minus sign)."""
    if diff is None or text == fmt.MISSING:
        return {}
    if round(diff, 6) == 0:
        return {"delta": text, "delta_color": "gray", "delta_arrow": "off"}
    return {
        "delta": text,
        "delta_color": "gray" if neutral else ("green" if diff > 0 else "red"),
        "delta_arrow": "up" if diff > 0 else "down",
    }


def _yearly(key: str, marks: dict, diff, text: str, since: str | None, *, neutral: bool = False) -> dict:
    """st.metric arguments of a tile's change over a year: the change and « sur un an », or, when it
    cannot be shown because this year's or last year's value is masked, its mark (« s », « < 5 ») in
    its place — never a bare « sur un an » with nothing beside it."""
    if diff is not None:
        return {"delta_description": since, **_delta(diff, text, neutral=neutral)}
    mark = marks.get(key) or marks.get(f"{key}_n1")
    if since is None or mark is None:
        return {}
    return {"delta": disclosure_marks.mark_text(mark), "delta_color": "gray", "delta_arrow": "off",
            "delta_description": since}  # the legend under the tiles explains the mark


def _sub(a, b):
    return a - b if a is not None and b is not None else None


def _markdown(parts) -> str:
    """A sentence of ``dashboard.narrative`` as Markdown: names escaped, emphasis in bold."""
    return "".join(f"**{ui.plain(text)}**" if bold else ui.plain(text) for text, bold in parts)


def key_figures(s: dict, shown: dict, marks: dict[str, str]) -> None:
    since = "sur un an" if s["periode_fin_n1"] else None

    def count(key):
        return publish_text.cell_text(catalog.RACCROCHAGE[key], shown[key], marks.get(key))

    row = st.columns(4)
    diff = _sub(shown["raccroches"], shown["raccroches_n1"])
    row[0].metric(
        "Raccrochés", count("raccroches"), border=True,
        help="Jeunes raccrochés (six types de solution) cumulés depuis le début de l'année scolaire.",
        **_yearly("raccroches", marks, diff, fmt.signed_number(diff), since),
    )
    diff = _sub(shown["taux_atteinte"], shown["taux_atteinte_n1"])
    row[1].metric(
        "Taux d'atteinte",
        count("taux_atteinte"),
        border=True,
        help=f"Raccrochés depuis la rentrée / objectif de l'année ({fmt.integer(s['objectif'])}).",
        **_yearly("taux_atteinte", marks, diff, fmt.signed_points(diff), since),
    )
    if position.is_closed(s["phase"]):
        closed_figures(row, s, shown, marks)
    else:
        gap = _sub(shown["raccroches"], s["attendu"])
        row[2].metric(
            "Attendu à cette date", count("attendu"), border=True,
            help="Somme, sur les réseaux du territoire, de l'objectif × part de l'année habituellement atteinte à la "
                 "date de leur dernier bilan (profil saisonnier des années précédentes, voir Méthodologie).",
            delta_description="d'écart" if gap is not None else None,
            **_delta(gap, fmt.signed_number(gap)),
        )
        diff = _sub(shown["projection"], s["objectif"])
        row[3].metric(
            "Projection fin d'année", count("projection"), border=True,
            help="Somme, sur les réseaux du territoire, de leurs raccrochés / part de l'année habituellement atteinte "
                 "à la date de leur dernier bilan.",
            delta_description="écart à l'objectif" if diff is not None else None,
            **_delta(diff, fmt.signed_number(diff)),
        )



def funnel_figures(s: dict, shown: dict, marks: dict[str, str]) -> None:
    """Jeunes signalés, contact, solutions proposées, contrats FOQUALE: the second row of tiles."""
    since = "sur un an" if s["periode_fin_n1"] else None
    masked = marks

    def count(key):
        return publish_text.cell_text(catalog.RACCROCHAGE[key], shown[key], marks.get(key))

    row = st.columns(4)
    diff = _sub(shown["jeunes_signales"], shown["jeunes_signales_n1"])
    row[0].metric("Jeunes signalés", count("jeunes_signales"), border=True,
                  help="Jeunes repérés par le SIEI et les partenaires depuis la rentrée.",
                  **_yearly("jeunes_signales", marks, diff, fmt.signed_number(diff), since, neutral=True))
    diff = _sub(shown["taux_contact"], shown["taux_contact_n1"])
    row[1].metric("Taux de contact",
                  count("taux_contact"),
                  border=True, help="Jeunes contactés / jeunes signalés.",
                  **_yearly("taux_contact", marks, diff, fmt.signed_points(diff), since))
    diff = _sub(shown["part_solution"], shown["part_solution_n1"])
    row[2].metric(rules.rate_name("part_solution"),
                  count("part_solution"),
                  border=True, help=rules.rate_definition("part_solution"),
                  **_yearly("part_solution", marks, diff, fmt.signed_points(diff), since))
    diff = _sub(shown["contrats_foquale"], s["contrats_foquale_n1"] if "contrats_foquale_n1" not in masked else None)
    row[3].metric("Contrats FOQUALE", count("contrats_foquale"), border=True,
                  help="Contrats FOQUALE signés depuis la rentrée.",
                  **_yearly("contrats_foquale", marks, diff, fmt.signed_number(diff), since))


def closed_figures(row, s: dict, shown: dict, marks: dict) -> None:
    """A closed year has no trajectory: the target and the gap to it."""
    def count(key):
        return publish_text.cell_text(catalog.RACCROCHAGE[key], shown[key], marks.get(key))

    row[2].metric("Objectif de l'année", count("objectif"), border=True,
                  help="Objectif fixé pour ce territoire, ou à défaut somme des objectifs des territoires qui le "
                       "composent.")
    reached = s["statut"] == position.REACHED
    row[3].metric("Écart à l'objectif", count("ecart_objectif"), border=True,
                  help="Raccrochés de l'année − objectif : l'année est close, il n'y a plus de projection.",
                  delta=STATUS_LABELS.get(s["statut"]) if s["statut"] in (position.REACHED, position.NOT_REACHED)
                  else None, delta_arrow="off", delta_color="green" if reached else "orange")


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


STRIP_COLORS = {"en_retard": "orange", "non_atteint": "orange", "sur_trajectoire": "blue", "en_avance": "green",
                "atteint": "green", "inconnu": "gray"}
STRIP_ICONS = {status: f":material/{icon}:" for status, icon in STATUS_ICONS.items()}
STRIP_SYMBOLS = {"en_retard": "↘", "non_atteint": "✗", "sur_trajectoire": "→", "en_avance": "↗", "atteint": "✓",
                 "inconnu": "–"}
STRIP_ORDER = {False: ("en_retard", "sur_trajectoire", "en_avance", "inconnu"),
               True: ("non_atteint", "atteint", "inconnu")}
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
    late = frame.filter(pl.col("statut").is_in(["en_retard", "non_atteint"])).height
    if position.is_closed(d.situation["phase"]):
        word = "n'a pas atteint son objectif" if late <= 1 else "n'ont pas atteint leur objectif"
    else:
        word = "en retard"
    st.markdown(f"**{level} : {late} sur {frame.height} {word}**")
    closed = position.is_closed(d.situation["phase"])
    shown = [s for s in STRIP_ORDER[closed] if s in set(frame["statut"].fill_null("inconnu").to_list())]
    st.caption(" · ".join(f"{STRIP_SYMBOLS[s]} {STATUS_LABELS[s]}" for s in shown)
               + (" — objectif non atteint d'abord." if closed else " — les plus en retard d'abord."))
    rows = raccrochage_situation.sort_by_status(frame).iter_rows(named=True)  # lagging first, by gap
    columns = st.columns(STRIP_COLUMNS, gap="small")
    for i, row in enumerate(rows):
        status = row["statut"] or "inconnu"
        name = row["nom"] if row["niveau"] in ("reseau", "psad") else row["libelle"]
        columns[i % STRIP_COLUMNS].page_link(
            str(PAGES_DIR / "raccrochage.py"), label=f":{STRIP_COLORS[status]}[{ui.plain(name)}]",
            icon=STRIP_ICONS[status], query_params={"annee": ctx.annee, "territoire": row["code"]},
            help=f"{STATUS_LABELS[status]} — ouvrir sa page Raccrochage",
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
    STATUS_BOX[s["statut"]](_markdown(narrative.headline(s, shown, marks)))
    fresh = ui.query(dq.bilan_freshness, ctx.scope, ctx.territory.code, ctx.annee)
    late = narrative.late_networks_note(s, raccrochage_tables.late_names(fresh), short=True)
    if late and s["periode_fin"]:
        st.warning(ui.plain(late), icon=":material/schedule:")
    key_figures(s, shown, marks)
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
    funnel_figures(s, shown, marks)
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
