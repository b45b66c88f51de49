"""Page « Absentéisme »: the rate of absenteeism by school type and territory, month by month."""

import polars as pl
import streamlit as st

from dashboard import fmt
from dashboard.charts import absenteisme as charts
from dashboard.charts import absenteisme_tables as tables
from dashboard.disclosure import rule
from dashboard.ui import charts as ui_charts
from dashboard.ui import page as ui
from queries import absenteisme as q
from queries import absenteisme_comparaisons as qc
from queries import absenteisme_etablissements as qe
from queries.territoires import LEVEL_LABELS_PLURAL, LEVELS

VIEWS = ["Par type d'établissement", "Secteur et éducation prioritaire", "Territoires", "Établissements"]
DEFINITION = (
    "**Taux d'absentéisme** : part des élèves ayant au moins 4 demi-journées d'absence non justifiées "
    "dans le mois (méthode de la DEPP). Les taux agrégés rapportent la somme des élèves absentéistes "
    "à la somme des effectifs (jamais une moyenne de taux). Un mois sans données est laissé vide."
)
DISPLAY_LIMIT = 1000  # schools shown on screen; the downloads hold them all
TYPE_PLURALS = {"COLLEGE": "collèges", "LGT": "LGT", "LP": "lycées professionnels", "LPO": "lycées polyvalents",
                "EREA": "EREA", "AUTRE": "autres établissements"}
CHOICE_LABELS = {"COLLEGE": "Collèges", "LGT": "LGT", "LP": "Lycées professionnels", "LPO": "Lycées polyvalents",
                 "EREA": "EREA", "AUTRE": "Autres"}
STANDARDISED_LABEL = "Tous types, taux standardisés"
MASKED_TILE = "secret statistique"
WITHIN_TYPE_NOTE = (
    "Comparaison **au sein des {plural}** : les taux d'absentéisme diffèrent bien plus d'un type d'établissement à "
    "l'autre que d'un groupe à l'autre, et les groupes n'ont pas la même composition (les établissements REP et REP+ "
    "sont des collèges ; les lycées professionnels sont tous hors éducation prioritaire). Tous types mêlés, la "
    "comparaison opposerait surtout des collèges à des lycées et pourrait s'inverser."
)
STANDARDISED_NOTE = (
    "Tous types d'établissement, **taux standardisés sur la structure par type** du territoire : chaque groupe est "
    "ramené à la répartition par type de l'ensemble des établissements (standardisation indirecte : absentéistes "
    "observés ÷ absentéistes attendus si chaque établissement avait le taux de son type dans le territoire, × taux "
    "du territoire ; voir la page Méthodologie). Un taux standardisé se compare aux autres groupes, pas aux taux "
    "bruts des autres onglets."
)


def school_columns(annee: str, previous: str) -> dict:
    """Widths that fit the school table in a laptop screen (1 440 px): no column scrolled out of view."""
    widths = {"Établissement": 230, "Type": 90, "Commune": 130, "Effectif moyen": 95, "Absentéistes par mois": 130,
              f"Taux {annee}": 95, f"Taux {previous}": 95, "Évolution": 85}
    return {name: st.column_config.Column(width=width) for name, width in widths.items()}


def _chart(fig, key: str, title: str, sentences: str | None = None) -> None:
    """A chart with its text alternative and its data table (``ui_charts``)."""
    ui_charts.chart(fig, key=f"abs_{key}", title=title, sentences=sentences)


def _type_filter(types: list[str], key: str) -> tuple[str, ...]:
    chosen = st.pills("Types d'établissement", types, selection_mode="multi", default=types,
                      format_func=lambda t: q.TYPE_LABELS.get(t, t), key=key)
    return tuple(chosen or types)


def _key_figures(yearly: pl.DataFrame, previous: str, refs: dict) -> None:
    rows = [r for r in yearly.iter_rows(named=True) if r["groupe"] in q.MAIN_TYPES]
    if not rows:
        return
    for col, r in zip(st.columns(len(rows)), rows, strict=True):
        ref = refs.get(r["groupe"])
        evolution = None if r["masque"] or r["masque_precedent"] else r["evolution"]
        moved = evolution is not None and round(evolution * 100, 1) != 0
        masked = (f"Taux non diffusé (secret statistique) : {tables.mask_reason(r)}. " if r["masque"] else "")
        delta = None if evolution is None else f"{fmt.signed_points(evolution)} sur un an"
        col.metric(  # a masked rate: a dash over « secret statistique », the reason in the help
            q.TYPE_LABELS[r["groupe"]],
            tables.MASKED_RATE if r["masque"] else fmt.percent(r["taux"]),  # the mark where the rate would be
            delta=MASKED_TILE if r["masque"] else delta,
            delta_color="gray" if not moved else ("red" if evolution > 0 else "green"),
            delta_arrow="off" if not moved else ("up" if evolution > 0 else "down"),
            help=masked + (f"Taux national de référence : {q.reference_text(ref)}. " if ref else
                           "Pas de taux national de référence publié cette année. ")
            + f"Évolution par rapport à {previous}, sur les mêmes mois.",
            border=True,
        )


def _by_type(ctx, cube, types, refs) -> None:
    annee, previous, label = ctx.annee, ctx.previous_year, ctx.territory.label
    acad_cube = None if ctx.territory.niveau == "academie" else ui.query(q.cube, ctx.scope, "ACAD", annee)
    chosen = _type_filter(types, "abs_types_mensuel")
    monthly = cube.monthly("type", chosen)
    st.subheader("Taux mensuel par type d'établissement")
    st.caption(f"Trait plein : {ui.plain(label)}, {annee} ; pointillés : {previous}"
               + (f" ; gris : académie, {annee}" if acad_cube else "")
               + " ; tirets noirs : taux national de référence de l'année (voir Méthodologie). "
               + q.references_note(annee, refs, list(chosen)))
    _chart(charts.monthly_by_type(monthly, annee, previous, chosen, territory_label=label,
                                  academie=acad_cube.monthly("type", chosen) if acad_cube else None,
                                  references=refs), "mensuel", "Taux mensuel par type d'établissement",
           "Taux d'absentéisme de chaque mois par type d'établissement, comparé à l'année précédente et à la "
           "référence nationale")
    if charts.has_masked(monthly):
        st.caption(charts.masked_note())
    st.subheader("Carte de chaleur : type d'établissement × mois")
    _chart(charts.heatmap(monthly, annee, chosen), "chaleur", "Carte de chaleur : type d'établissement × mois",
           "Taux d'absentéisme par type d'établissement (lignes) et par mois (colonnes)")
    st.subheader(f"Taux sur l'année scolaire {annee}")
    yearly = cube.yearly("type", chosen)
    st.dataframe(tables.yearly_display(yearly, annee, previous, academie=acad_cube.yearly("type", chosen)
                                       if acad_cube else None, references=refs), hide_index=True)
    months = cube.months()
    st.caption(f"Élèves absentéistes / effectifs, sommés de {fmt.month_label(months[0])} à "
               f"{fmt.month_label(months[-1])} ; {previous} sur les mêmes mois. La référence nationale est une "
               "moyenne sur l'année entière.")
    if yearly["masque"].any() or yearly["masque_precedent"].fill_null(False).any():
        st.caption(tables.masked_legend())
    ui.download_buttons(tables.yearly_export(yearly, annee, label), f"absenteisme-types-{ctx.territory.code}-{annee}",
                        "Absentéisme par type", ctx=ctx)


def _comparison_choice(types: list[str]) -> str:
    """The school type within which groups are compared, or ``qc.STANDARDISED``."""
    options = [*types, qc.STANDARDISED]
    labels = {qc.STANDARDISED: STANDARDISED_LABEL, **{t: CHOICE_LABELS.get(t, t) for t in types}}
    choice = st.radio("Comparer les groupes", options, index=options.index(qc.default_choice(types)),
                      format_func=labels.get, horizontal=True, key="abs_comparaison")
    return choice or qc.default_choice(types)


def _comparison(ctx, cube, by: str, choice: str):
    """(monthly, yearly) rates of the groups of ``by`` (secteur or ep) for ``choice``, or None
    (said on the page) when the chosen type has a single group."""
    if choice == qc.STANDARDISED:
        return qc.monthly_standardised(cube, by), qc.yearly_standardised(cube, by)
    groups = qc.groups_within(cube, by, choice)
    if len(groups) < 2:
        only = tables.group_label(groups[0], by).lower() if groups else ""
        name = ui.plain(ctx.territory.label)
        st.info(f"Tous les {TYPE_PLURALS.get(choice, choice)} de {name} sont « {only} » : pas de "
                "comparaison possible au sein de ce type." if groups else
                f"Aucun établissement de ce type à {name}.")
        return None
    return cube.monthly(by, (choice,)), cube.yearly(by, (choice,))


def _sector_and_priority(ctx, cube, types) -> None:
    annee, previous = ctx.annee, ctx.previous_year
    choice = _comparison_choice(types)
    standardised = choice == qc.STANDARDISED
    st.info(STANDARDISED_NOTE if standardised else WITHIN_TYPE_NOTE.format(plural=TYPE_PLURALS.get(choice, choice)))
    rate_label = "Taux standardisé" if standardised else "Taux"
    parts, masked = [], False
    for column, by, title in zip(st.columns(2), ("secteur", "ep"),
                                 ("Public et privé sous contrat", "Éducation prioritaire"), strict=True):
        with column:
            st.subheader(title)
            comparison = _comparison(ctx, cube, by, choice)
            if comparison is not None:
                monthly, yearly = comparison
                _chart(charts.group_lines(monthly, annee, by, rate_label), by, title)
                parts.append((by, yearly))
                masked = masked or charts.has_masked(monthly) or bool(yearly["masque"].any())
    if parts:
        st.dataframe(tables.groups_display(parts, annee, previous, rate_label=rate_label), hide_index=True)
        months = cube.months()
        st.caption(f"{rate_label} sur l'année : de {fmt.month_label(months[0])} à {fmt.month_label(months[-1])} ; "
                   f"{previous} sur les mêmes mois"
                   + ("" if standardised else f" ; {TYPE_PLURALS.get(choice, choice)} seulement") + ".")
    if masked:
        st.caption(charts.masked_note())


def _territories(ctx, cube, types, detail: bool) -> None:
    territory = ctx.territory
    if territory.niveau == "reseau":
        st.info("Un réseau FOQUALE est le niveau le plus fin du découpage : comparez-le avec les autres "
                "réseaux en sélectionnant son PSAD ou son département.")
        return
    if not detail:
        st.info("La comparaison des territoires de niveau inférieur n'est pas accessible avec vos droits.")
        return
    subs = ui.query(q.children_rates, ctx.scope, territory.code, ctx.annee)
    level = LEVEL_LABELS_PLURAL[LEVELS[LEVELS.index(territory.niveau) + 1]]
    st.subheader(f"{level} — {ui.plain(territory.label)} : taux sur l'année {ctx.annee}")
    st.caption(f"Barres : chaque territoire ; trait noir : {ui.plain(territory.label)}.")
    _chart(charts.children_bars(subs, cube.yearly("type").vstack(cube.yearly("")), territory.label, types),
           "territoires", f"{level} : taux sur l'année {ctx.annee}",
           f"Taux annuel de chaque territoire, comparé à celui de {territory.label}")
    if charts.has_masked(subs):
        st.caption(charts.masked_note())
    st.dataframe(tables.children_display(subs, types), hide_index=True)
    ui.download_buttons(tables.children_export(subs, ctx.annee),
                        f"absenteisme-territoires-{territory.code}-{ctx.annee}", "Territoires", ctx=ctx)


def _schools(ctx, types, detail: bool) -> None:
    if not detail:
        st.info("Le détail par établissement n'est pas accessible avec vos droits pour ce territoire.")
        return
    view = ui.query(qe.school_view, ctx.scope, ctx.territory.code, ctx.annee)
    annee, previous = ctx.annee, ctx.previous_year
    st.subheader("Répartition des établissements selon leur taux annuel")
    _chart(charts.distribution_box(view.table, view.distribution, types), "repartition",
           "Répartition des établissements selon leur taux annuel",
           "Quartiles et centiles du taux annuel des établissements, par type ; le détail est dans le tableau "
           "« Établissements »")
    hidden = int(view.table["masque"].sum())
    without = (f"{fmt.integer(hidden)} établissements n'ont pas de point" if hidden > 1
               else "1 établissement n'a pas de point" if hidden else "")
    st.caption(f"Boîte : quartiles ; moustaches : 10ᵉ et 90ᵉ centiles, calculés sur tous les établissements du type "
               f"(au moins {qe.MIN_SCHOOLS_DISTRIBUTION}). Chaque point est un établissement"
               + (f" ; {without} (secret statistique : moins de {rule.threshold()} élèves absentéistes par "
                  "mois en moyenne, ou effectif trop faible)." if hidden else "."))
    st.subheader("Concentration : part des élèves absentéistes dans le dixième d'établissements le plus touché")
    _chart(charts.concentration_bars(view.concentration), "concentration",
           "Concentration de l'absentéisme dans le dixième d'établissements le plus touché")
    st.caption(f"Établissements classés par taux annuel décroissant : part de tous les élèves absentéistes de l'année "
               f"réunie par le dixième le plus touché (types comptant au moins {qe.MIN_SCHOOLS_CONCENTRATION} "
               "établissements).")
    st.subheader("Établissements")
    left, right = st.columns([2, 1], vertical_alignment="bottom")
    with left:
        chosen = _type_filter(types, "abs_types_etab")
    sort = right.selectbox("Trier par", list(tables.SORTS), key="abs_tri_etab")
    shown = tables.sort_schools(view.table.filter(pl.col("type").is_in(chosen)), sort)
    st.dataframe(tables.schools_styled(shown.head(DISPLAY_LIMIT), annee, previous), hide_index=True,
                 placeholder=tables.NO_DATA, column_config=school_columns(annee, previous))
    limited = (f"Les {fmt.integer(DISPLAY_LIMIT)} premiers établissements sur {fmt.integer(shown.height)} sont affichés ; "
               "les fichiers téléchargés les contiennent tous. " if shown.height > DISPLAY_LIMIT else "")
    st.caption(f"{limited}{tables.masked_legend()} « {tables.NO_DATA} » : pas de données. Évolution par rapport à "
               f"{previous} sur les mêmes mois, en points de pourcentage. Cliquez sur un en-tête pour trier.")
    ui.download_buttons(tables.schools_export(shown, annee, previous),
                        f"absenteisme-etablissements-{ctx.territory.code}-{annee}", "Établissements", ctx=ctx)


def body() -> None:
    ctx = ui.page_context("Absentéisme")
    territory = ctx.territory
    st.markdown(DEFINITION)
    cube = ui.query(q.cube, ctx.scope, territory.code, ctx.annee)
    if not cube.months():
        st.info(f"Aucune donnée d'absentéisme pour {ui.plain(territory.label)} en {ctx.annee}.")
        return
    refs = q.references_for(ctx.annee)
    yearly = cube.yearly("type")
    types = [t for t in (*q.MAIN_TYPES, "AUTRE") if t in set(yearly["groupe"])]
    months = cube.months()
    st.caption(f"{ui.plain(territory.label)}, {ctx.annee} : données de {fmt.month_label(months[0])} à "
               f"{fmt.month_label(months[-1])}.")
    _key_figures(yearly, ctx.previous_year, refs)
    detail = ui.query(q.detail_allowed, ctx.scope, territory.code, ctx.annee)
    views = st.tabs(VIEWS, key="vue", bind="query-params")
    with views[0]:
        if views[0].open:
            _by_type(ctx, cube, types, refs)
    with views[1]:
        if views[1].open:
            _sector_and_priority(ctx, cube, types)
    with views[2]:
        if views[2].open:
            _territories(ctx, cube, types, detail)
    with views[3]:
        if views[3].open:
            _schools(ctx, types, detail)


ui.run_page(body)
