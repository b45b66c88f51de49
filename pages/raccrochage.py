"""Page « Raccrochage »: trajectory against the target, funnel, solutions, contrats FOQUALE and
the territories below the selection."""

import streamlit as st

from dashboard import fmt
from dashboard.charts import raccrochage as charts
from dashboard.charts import raccrochage_solutions, raccrochage_tables
from dashboard.disclosure import marks as disclosure_marks
from dashboard.publish import catalog, keyfigures, narrative, text
from dashboard.ui import charts as ui_charts
from dashboard.ui import page as ui
from queries import donnees as dq
from queries import raccrochage as q
from queries import raccrochage_position as position
from queries import raccrochage_rules
from queries import territoires as tq
from queries.statuses import Status

TABLE_VIEWS = {"children": "Territoires du niveau inférieur", "reseaux": "Tous les réseaux du territoire"}
FILE_VIEWS = {"children": "sous-territoires", "reseaux": "reseaux", "reseau": "reseau"}


def _cell(shown: dict, marks: dict, key: str) -> str:
    """The French text of one figure of the situation, or its secrecy mark (« < 5 », « s »)."""
    return text.cell_text(catalog.RACCROCHAGE[key], shown[key], marks.get(key))


def body() -> None:
    ctx = ui.page_context("Raccrochage")
    d = ui.query(q.detail, ctx.scope, ctx.territory.code, ctx.annee)
    s = d.situation
    p = d.publie  # the figures as published: the year's secrecy decision applied in queries/
    shown, marks = p.situation, p.marks
    masked = list(marks)
    periodes, historique = p.periodes, p.historique
    any_masked = p.any_masked

    if s["periode_fin"]:
        st.caption(f"{ui.plain(ctx.territory.label)} — bilans reçus jusqu'au {fmt.date_long(s['periode_fin'])}.")
        fresh = ui.query(dq.bilan_freshness, ctx.scope, ctx.territory.code, ctx.annee)
        late = narrative.late_networks_note(s, raccrochage_tables.late_names(fresh))
        if late:
            st.warning(ui.plain(late), icon=":material/schedule:")
    else:
        st.warning("Aucun bilan reçu pour ce territoire cette année scolaire.")
    cols = st.columns(4)
    cols[0].metric("Raccrochés", _cell(shown, marks, "raccroches"), border=True, height="stretch",
                   help="Jeunes raccrochés (six types de solution) cumulés depuis la rentrée.")
    cols[1].metric("Objectif de l'année", _cell(shown, marks, "objectif"), border=True, height="stretch",
                   help="Objectif fixé pour ce territoire, ou à défaut somme des objectifs des territoires qui le "
                        "composent.")
    cols[2].metric("Taux d'atteinte", _cell(shown, marks, "taux_atteinte"), border=True, height="stretch")
    if position.is_closed(s["phase"]):
        cols[3].metric(
            "Écart à l'objectif", _cell(shown, marks, "ecart_objectif"),
            border=True, height="stretch", delta=charts.status_text(s["statut"]), delta_arrow="off",
            delta_color=Status.of(s["statut"]).tint,
            help="L'année est close : raccrochés de l'année − objectif de l'année.",
        )
    else:
        cols[3].metric(
            "Écart à la trajectoire", _cell(shown, marks, "ecart"),
            border=True, height="stretch", delta=charts.status_text(s["statut"]), delta_arrow="off",
            delta_color=Status.of(s["statut"]).tint,
            help="(raccrochés − niveau attendu à cette date) / niveau attendu, chaque réseau à la date de son dernier "
                 "bilan : en avance à partir de +5 % si la projection atteint l'objectif, en retard à partir de "
                 "−5 % si elle ne l'atteint pas (voir Méthodologie).",
        )

    closed = position.is_closed(s["phase"])  # a closed year speaks of its target, never of a trajectory
    title = "Raccrochés cumulés et objectif de l'année" if closed else "Raccrochés cumulés et trajectoire de l'objectif"
    st.subheader(title)
    ui_charts.chart(
        charts.trajectory_figure(periodes, historique, d.trajectoire, ctx.annee, s["objectif"],
                                 own_dates=charts.own_dates(s, shown, ctx.previous_year, marks), closed=closed),
        key="trajectoire", title=title, sentences=narrative.plain(narrative.headline(s, shown, marks)),
    )
    st.caption(
        ("L'année est close : les raccrochés de l'année face à son objectif (ligne tiretée)." if closed else
         "La trajectoire suit le profil saisonnier du raccrochage (part de l'année habituellement atteinte à chaque "
         f"période ; ici : {raccrochage_rules.PROFILE_SOURCES[d.profil_source]}).") + " Lignes grises : années précédentes."
        + (" Des réseaux n'ont pas transmis le dernier bilan : les lignes complètes comptent tous les réseaux en fin "
           "de période ; le losange (niveau attendu) et le carré (année précédente) comptent chaque réseau à la date "
           "de son dernier bilan, comme les chiffres ci-dessus." if s["phase"] == position.PROVISIONAL else "")
        + (" " + charts.LINE_MASKED_NOTE if charts.cumul_masked(periodes, historique) else "")
    )

    left, right = st.columns(2)
    with left:
        st.subheader("Des jeunes signalés aux raccrochés")
        note = "Cumuls depuis la rentrée ; sous chaque étape, la part des jeunes de l'étape précédente."
        if shown["part_raccroches"] is not None:
            note += f" Raccrochés : {fmt.percent(shown['part_raccroches'])} des jeunes signalés."
        ui_charts.chart(charts.funnel_figure(shown, masked), key="entonnoir", title="Des jeunes signalés aux raccrochés",
                        sentences=note)
        st.caption(" ".join(filter(None, (note, charts.funnel_overflow_note(shown)))))
    with right:
        st.subheader("Types de solution")
        previous = p.solutions_n1
        current = {c: shown[c] for c in raccrochage_rules.SOLUTION_COLUMNS}
        ui_charts.chart(
            raccrochage_solutions.solution_shares_figure(
                current, previous, ctx.annee, f"{ctx.previous_year} (même date)",
                current_total=shown["raccroches"],
                previous_total=shown.get("raccroches_n1"),
                current_marks=marks, previous_marks=p.solutions_n1_marks,
            ),
            key="parts_solutions", title="Types de solution",
            sentences="Part de chaque type de solution parmi les raccrochés depuis la rentrée",
        )
        st.caption("Part de chaque type de solution parmi les raccrochés depuis la rentrée : barres en couleur, "
                   f"{ctx.annee}" + (f" ; barres grises, {ctx.previous_year} à la même date." if previous else "."))

    by_type = raccrochage_solutions.types_published(periodes)
    title = "Raccrochés par type de solution et par période" if by_type else "Raccrochés par période"
    st.subheader(title)
    ui_charts.chart(raccrochage_solutions.solutions_over_time_figure(periodes), key="solutions_periodes", title=title)
    hidden = sum(1 for cells in periodes["cellules_masquees"].to_list() for c in disclosure_marks.decode_marks(cells)
                 if c in raccrochage_rules.SOLUTION_COLUMNS)
    if not by_type:
        st.caption("Sous l'académie, une période compte trop peu de jeunes par type de solution pour être détaillée "
                   "(secret statistique) : la répartition par type est donnée pour l'année, ci-dessus.")
    elif hidden:
        st.caption(f"{hidden} valeur{'s' if hidden > 1 else ''} masquée{'s' if hidden > 1 else ''} (secret "
                   "statistique) : le segment gris hachuré regroupe les types masqués de la période, pour que la "
                   "barre garde son total publié.")

    st.subheader("Contrats FOQUALE")
    c1, c2 = st.columns([1, 3])
    c1.metric("Contrats signés depuis la rentrée", _cell(shown, marks, "contrats_foquale"), border=True)
    per_100 = keyfigures.key_figures(s, shown, marks)["contrats_pour_100"]
    if per_100.mark or (per_100.number is not None and shown["contrats_foquale"]):  # once contracts are signed
        c1.metric(per_100.label, per_100.value, border=True)
    with c2:
        ui_charts.chart(raccrochage_solutions.contracts_figure(periodes), key="contrats", title="Contrats FOQUALE",
                        sentences="Contrats FOQUALE signés et raccrochés, par période")
    if any_masked:
        st.caption(charts.MASKED_NOTE)

    table(ctx, d)


def table(ctx, d: q.Detail) -> None:
    niveau = ctx.territory.niveau
    if niveau == "reseau":
        st.subheader("Chiffres du réseau")
        frame = d.publie.own_frame()
        view = "reseau"
    else:
        views = ["children", "reseaux"] if niveau in ("academie", "departement") else ["reseaux"]
        if d.sous_territoires.is_empty() and d.reseaux.is_empty():
            return
        below = tq.LEVEL_LABELS_PLURAL[d.sous_territoires["niveau"][0]] if not d.sous_territoires.is_empty() else ""
        st.subheader("Chiffres par territoire")
        view = views[0]
        if len(views) > 1:
            view = st.segmented_control(
                "Afficher", views, default=views[0], key="raccrochage_vue",
                format_func=lambda v: f"{below}" if v == "children" else TABLE_VIEWS[v],
            ) or views[0]
        frame = d.publie.sous_territoires if view == "children" else d.publie.reseaux
    st.dataframe(raccrochage_tables.styled_table(frame, raccrochage_tables.SCREEN_COLUMNS), hide_index=True, width="stretch",
                 placeholder=charts.TABLE_PLACEHOLDER)
    st.caption("Cumuls depuis la rentrée jusqu'au dernier bilan reçu par chaque territoire. "
               + disclosure_marks.legend() + " Cliquez sur un en-tête pour trier.")
    date = d.situation["periode_fin"]
    source = ui.provenance(ctx, f"Raccrochage — {ctx.territory.label} — {ctx.annee}",
                           data_date=f"bilans reçus jusqu'au {fmt.date_long(date)}" if date else None)
    ui.download_buttons(raccrochage_tables.export_table(frame), f"raccrochage-{ctx.territory.code}-{FILE_VIEWS[view]}-{ctx.annee}",
                        key=f"raccrochage_{view}", ctx=ctx, source=source)


ui.run_page(body)
