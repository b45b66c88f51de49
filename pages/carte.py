"""Page « Carte »: the 14 networks, 10 PSAD and 4 departments on one choropleth.

Level, indicator and selected territory live in the URL (``niveau``, ``indicateur``, ``type``,
``selection``); clicking a territory shows its key figures beside the map.
"""

from pathlib import Path

import streamlit as st

from dashboard import fmt
from dashboard.charts import carte as charts
from dashboard.charts import carte_classes as mapclasses
from dashboard.charts import carte_geometry as mapgeo
from dashboard.charts.common import SCHOOL_TYPE_LABELS
from dashboard.disclosure import rule
from dashboard.publish import screen
from dashboard.ui import charts as ui_charts
from dashboard.ui import page as ui
from queries import carte as q
from queries import carte_values
from queries import raccrochage_position as position
from queries import raccrochage_rules as rules
from queries import territoires as tq
from queries.raccrochage_position import PHASE_LABELS
from queries.statuses import Status

PAGES_DIR = Path(__file__).resolve().parent
LAYERS = {"etablissements": "Établissements", "mlds": "Sites MLDS", "sieges": "Sièges de réseau"}
DETAIL_LAYERS = ("etablissements", "mlds")
LEVEL_SHORT = {"reseau": "Réseaux", "psad": "PSAD", "departement": "Départements"}
TYPE_OPTIONS = ("", "COLLEGE", "LGT", "LP", "LPO", "EREA")


def _from_url(name: str, options, default):
    value = st.query_params.get(name)
    return value if value in options else default


COLOURINGS = {"statut": "Statut", "taux": "Taux annuel"}
#: Shown in the map's place while its figures are read; the stylesheet gives it the
#: map's height, and says the same behind the map until the browser has drawn it.
LOADING = "Chargement de la carte…"
LEVEL_NOUNS = {"reseau": ("réseau", "réseaux"), "psad": ("PSAD", "PSAD"), "departement": ("département", "départements")}


def _closed(ctx) -> bool:
    """The selected year is closed (``queries.raccrochage_position``): it speaks of its target only."""
    return position.is_closed(ui.query(position.year_state, ctx.annee).phase(()))


def _controls(ctx, detail_allowed: bool) -> tuple[str, str, str | None, tuple[str, ...], str]:
    left, middle = st.columns([1, 1.25])
    right, below = st.columns([1, 1.25])
    level = left.segmented_control(
        "Niveau", list(carte_values.MAP_LEVELS), format_func=LEVEL_SHORT.get, required=True,
        default=_from_url("niveau", carte_values.MAP_LEVELS, "reseau"), key="carte_niveau",
    ) or "reseau"
    indicator = middle.selectbox(
        "Indicateur", list(carte_values.INDICATORS), format_func=lambda k: carte_values.INDICATORS[k].label,
        index=list(carte_values.INDICATORS).index(_from_url("indicateur", carte_values.INDICATORS, "taux_atteinte")),
        key="carte_indicateur", placeholder="Choisir…",
    )
    type_etab = None
    colouring = "statut"
    if indicator == "taux_atteinte":
        colouring = right.segmented_control(
            "Couleurs", list(COLOURINGS), format_func=COLOURINGS.get, required=True,
            default=_from_url("couleurs", COLOURINGS, "statut"), key="carte_couleurs",
            help=("Statut : objectif de l'année atteint ou non (l'année est close)." if _closed(ctx) else
                  "Statut à la date : en retard, sur la trajectoire ou en avance.")
            + " Taux d'atteinte annuel : part de l'objectif de l'année déjà atteinte (moins de 80 %, de 80 % "
              "à 100 %, 100 % ou plus), qui ne tient pas compte de la date.",
        ) or "statut"
    if indicator == "absenteisme":
        wanted = _from_url("type", TYPE_OPTIONS, "")
        type_etab = right.selectbox(
            "Type d'établissement", TYPE_OPTIONS, index=TYPE_OPTIONS.index(wanted),
            format_func=lambda t: SCHOOL_TYPE_LABELS.get(t, "Tous les établissements") if t else "Tous les établissements",
            key="carte_type", placeholder="Choisir…",
        ) or None
    options = [k for k in LAYERS if detail_allowed or k not in DETAIL_LAYERS]
    layers = below.pills(
        "Couches", options, selection_mode="multi", format_func=LAYERS.get, default=[], key="carte_couches",
        help="Établissements (couleur : type, taille : effectif du dernier mois connu), sites MLDS "
             "(taille : places) et sièges des réseaux FOQUALE.",
    ) or []
    if not detail_allowed:
        st.caption("Les établissements et sites MLDS ne s'affichent que dans votre périmètre de détail.")
    st.query_params["niveau"] = level
    st.query_params["indicateur"] = indicator
    if indicator == "taux_atteinte":
        st.query_params["couleurs"] = colouring
    elif "couleurs" in st.query_params:
        del st.query_params["couleurs"]
    if type_etab:
        st.query_params["type"] = type_etab
    elif "type" in st.query_params:
        del st.query_params["type"]
    return level, indicator, type_etab, tuple(k for k in LAYERS if k in layers), colouring


def _selection(chart_key: str, index: dict, ctx, clickable: list[str]) -> str | None:
    """The selected territory: a new click on the map, else the URL's ``selection``."""
    state = st.session_state.get(chart_key)
    points = []
    if state:
        try:
            points = state["selection"]["points"]
        except (KeyError, TypeError):
            points = []
    picked = charts.selected_code(points, clickable)
    if picked and picked != st.session_state.get("carte_dernier_clic"):
        st.query_params["selection"] = picked
    st.session_state["carte_dernier_clic"] = picked
    wanted = st.query_params.get("selection")
    if wanted and wanted in index and tq.can_view(index, ctx.scope, wanted):
        return wanted
    if wanted:
        del st.query_params["selection"]
    return None


def _count(figures: dict, key: str) -> str:
    if figures.get(key) is None:
        return rule.masked_label() if key in figures["masque"] else fmt.MISSING
    return fmt.integer(figures[key])


def _rate(figures: dict, key: str, per10k: bool = False) -> str:
    value = figures.get(key)
    if value is None:
        return "Masqué" if key in figures["masque"] else fmt.MISSING
    return fmt.number(value, 1) if per10k else fmt.percent(value, 1)


def _keyboard_choice(index: dict, clickable: list[str], code: str | None) -> None:
    """The map's territories in a list: chosen with the keyboard (or read by a screen reader) as a click
    on the map would choose them (RGAA 7.3)."""
    codes = sorted(clickable, key=lambda c: index[c].label if c in index else c)
    chosen = st.selectbox(
        "Territoire à afficher", codes, index=codes.index(code) if code in codes else None,
        format_func=lambda c: index[c].label if c in index else c, placeholder="Choisir…",
        help="Les territoires de la carte, dans l'ordre alphabétique : en choisir un revient à cliquer dessus.",
    )
    if chosen and chosen != code:
        st.query_params["selection"] = chosen
        st.rerun()


def _panel(ctx, index: dict, code: str | None) -> None:
    if code is None:
        st.info("Cliquez sur un territoire de la carte, ou choisissez-le dans la liste, pour afficher ses chiffres "
                "clés.", icon=":material/touch_app:")
        return
    figures = ui.query(q.key_figures, ctx.scope, code, ctx.annee)
    st.subheader(ui.plain(figures["label"]))
    st.caption(f"Année scolaire {ctx.annee} · {fmt.integer(figures['population'])} habitants")
    status = Status.of(figures.get("statut_trajectoire"))
    st.markdown(f"**{status.label}**" + (f" · {ui.plain(PHASE_LABELS[figures['situation_annee']])}"
                                                  if figures.get("situation_annee") else ""))
    a, b = st.columns(2)
    a.metric("Taux d'atteinte", _rate(figures, "taux_atteinte"),
             help="Taux d'atteinte de l'objectif : jeunes raccrochés depuis la rentrée rapportés à l'objectif de l'année.")
    b.metric("Raccrochés", _count(figures, "raccroches"), help="Jeunes raccrochés depuis la rentrée.")
    a.metric("Objectif", _count(figures, "objectif"))
    b.metric("Signalés", _count(figures, "jeunes_signales"), help="Jeunes signalés (SIEI) depuis la rentrée.")
    a.metric(f"Signalés pour 10{fmt.NBSP}000 hab.", _rate(figures, "signales_10000", per10k=True),
             help="Jeunes signalés pour 10 000 habitants (population municipale des communes).")
    b.metric(rules.rate_name("part_raccroches"), _rate(figures, "part_raccroches"),
             help=rules.rate_definition("part_raccroches"))
    a.metric("Absentéisme", _rate(figures, "absenteisme_global"),
             help="Élèves ayant au moins 4 demi-journées d'absence non justifiées dans le mois, "
                  "rapportés à l'effectif, sur l'année scolaire.")
    b.metric("Référents", _rate(figures, "couverture_referents"),
             help="Couverture en référents décrochage : établissements ayant un référent nommé, rapportés à tous les "
                  "établissements (cible : un référent dans chaque établissement).")
    a.metric(f"Repérés pour 1{fmt.NBSP}000", _rate(figures, "eleves_reperes_pour_1000", per10k=True),
             help="Élèves repérés par les GPDS sur l'année pour 1 000 élèves inscrits (voir la page Prévention).")
    if figures["masque"]:
        st.caption(f"Certaines valeurs sont masquées (effectif inférieur à {rule.threshold()}).")
    st.page_link(
        str(PAGES_DIR / "raccrochage.py"), label="Voir sa page Raccrochage", icon=":material/trending_up:",
        query_params={"annee": ctx.annee, "territoire": code},
    )
    parent = figures.get("parent_code")
    compared = [code] + ([parent] if parent and parent in index and tq.can_view(index, ctx.scope, parent) else [])
    label = "Comparer avec " + ui.plain(index[parent].label) if len(compared) == 2 else "Comparer ce territoire"
    st.page_link(
        str(PAGES_DIR / "comparer.py"), label=label, icon=":material/compare_arrows:",
        query_params={"annee": ctx.annee, "territoires": ",".join(compared)},
    )
    if st.button("Effacer la sélection", key="carte_effacer"):
        del st.query_params["selection"]
        st.rerun()


def _zoom(index: dict, level: str, selected: str | None) -> tq.Territory | None:
    """The territory the map zooms into (``queries.carte.zoom_target``), kept in the URL (``zoom``):
    a territory clicked, then a lower level chosen."""
    previous = st.session_state.get("carte_niveau_vu")
    st.session_state["carte_niveau_vu"] = level
    current = index.get(st.query_params.get("zoom") or "")
    target = q.zoom_target(level, previous, index.get(selected) if selected else None, current)
    if target is not None:
        st.query_params["zoom"] = target.code
    elif "zoom" in st.query_params:
        del st.query_params["zoom"]
    return target


def body() -> None:
    ctx = ui.page_context("Carte")
    index = ui.query(tq.territory_index, ctx.annee)
    detail_allowed = tq.can_view_detail(index, ctx.scope, ctx.territory.code)
    level, indicator, type_etab, layers, colouring = _controls(ctx, detail_allowed)
    map_col, panel_col = st.columns([3, 1.2], gap="medium")
    drawn = f"carte_dessinee_{level}"  # once drawn, a rerun (a click) updates the map in place
    with map_col:
        loading = st.empty()
        if not st.session_state.get(drawn):
            with loading.container(key="carte_chargement"):
                st.markdown(f":material/hourglass_top: {LOADING}")
    data = ui.query(q.map_data, ctx.scope, ctx.territory.code, ctx.annee, level, indicator, type_etab, layers,
                    colouring)
    clickable = data.values.filter(data.values["etat"] != carte_values.OUT_OF_SCOPE)["code"].to_list()
    chart_key = f"carte_{level}"
    selected = _selection(chart_key, index, ctx, clickable)
    zoom = _zoom(index, level, selected)
    if zoom is not None and not tq.can_view(index, ctx.scope, zoom.code):
        zoom = None
    in_view = zoom or data.focus

    with map_col:
        figure = charts.map_figure(data, selected=selected, view=zoom)
        classes = mapclasses.classed_for(data)
        notes = [classes.classification.description]
        if marks := mapclasses.marks_legend(classes.group_of(c) for c in data.values["code"].to_list()):
            notes.append(marks)
        states = set(data.values["etat"].to_list())
        if carte_values.MASKED in states:
            notes.append(f"En gris : valeur masquée (effectif inférieur à {rule.threshold()}) ou manquante.")
        elif carte_values.MISSING in states:
            notes.append("En gris : pas de donnée pour l'année.")
        if carte_values.OUT_OF_SCOPE in states:
            notes.append("Les territoires hors de votre périmètre sont dessinés sans valeur.")
        with loading.container(key="carte_zone"):
            ui_charts.chart(
                figure, key=chart_key, title=f"{LEVEL_SHORT[level]} : {carte_values.INDICATORS[indicator].label}",
                sentences=[*notes, "Chaque territoire se choisit aussi dans la liste « Territoire à afficher », et ses "
                                   "valeurs sont dans le « Tableau des valeurs de la carte »"],
                with_table=False, on_select="rerun", selection_mode="points",
            )
        st.session_state[drawn] = True
        if zoom is not None:
            st.caption(f"Carte agrandie sur {ui.plain(zoom.label)} (territoire choisi avant le changement de niveau).")
            if st.button("Revoir toute la carte", key="carte_dezoomer", icon=":material/zoom_out_map:"):
                del st.query_params["zoom"]
                st.session_state["carte_niveau_vu"] = None
                st.rerun()
        st.caption(" ".join(notes))
        st.caption(
            "Découpage en réseaux et PSAD indicatif (voir Méthodologie), remplaçable par celui de l'académie "
            "(page « Importer des données »). Les établissements sont placés dans leur commune. "
            + mapgeo.SOURCE_CREDIT
        )
    with panel_col:
        _keyboard_choice(index, clickable, selected)
        _panel(ctx, index, selected)

    with st.expander("Tableau des valeurs de la carte"):
        table = charts.values_table(data.values, indicator, carte_values.indicator_label(indicator, type_etab),
                                    codes=q.codes_within(data.breakdown, level, in_view), status=data.by_status)
        one, many = LEVEL_NOUNS[level]
        st.caption(f"{ui.plain(in_view.label)} : {fmt.integer(table.frame.height)} "
                   f"{one if table.frame.height == 1 else many}, du plus élevé au plus bas.")
        st.dataframe(screen.styler(table), hide_index=True, width="stretch", placeholder=screen.PLACEHOLDER,
                     alt=f"Valeurs de la carte : {carte_values.INDICATORS[indicator].label}, par territoire")
        ui.download_buttons(table, f"carte-{level}-{indicator}-{ctx.annee}", sheet="Carte", key="carte_tableau",
                            ctx=ctx)


ui.run_page(body)
