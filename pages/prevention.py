"""Page « Prévention »: référents décrochage, activité des GPDS (the chain repérés → suivis →
solution interne → signalés à la plateforme per 1 000 pupils), « angles morts » and MLDS sites."""

import streamlit as st

from dashboard import fmt
from dashboard.charts import prevention as charts
from dashboard.charts import prevention_tables as tables
from dashboard.disclosure import marks as disclosure_marks
from dashboard.publish import catalog, columns, screen, text
from dashboard.ui import charts as ui_charts
from dashboard.ui import page as ui
from queries import prevention as q
from queries import territoires as tq
from queries.prevention_figures import chain_marks

VIEWS = ["Référents", "Activité des GPDS", "Angles morts", "Sites MLDS"]
INTRO = ("La prévention d'abord : un **référent décrochage** nommé dans chaque établissement, un **GPDS** (groupe de "
         "prévention du décrochage scolaire) qui repère les élèves dès les premiers signes — l'absentéisme d'abord —, "
         "les suit et cherche une solution interne ; un jeune de plus de 16 ans qui a quitté l'établissement est "
         "signalé à la plateforme (PSAD). Les chiffres sont des décomptes transmis par les établissements, sans aucun "
         "nom.")
NO_DETAIL = "La liste des établissements n'est pas accessible avec vos droits pour ce territoire."


def _chart(fig, key: str, title: str, sentences: str | None = None) -> None:
    """A chart with its text alternative and its data table (``ui_charts``)."""
    ui_charts.chart(fig, key=f"prev_{key}", title=title, sentences=sentences)


def _figure(key: str, value, marks: dict) -> str:
    """A figure as the export writes it (declaration of ``catalog.FIGURES``), or its mark."""
    return text.cell_text(catalog.FIGURES[key], value, marks.get(key))


def _tiles(cover: dict, row: dict, spots: dict, totals: dict, declared: bool) -> None:
    marks = chain_marks(row)
    a, b, c, d = st.columns(4)
    missing = cover["sans_referent"]
    if declared and cover["etablissements"]:
        a.metric("Couverture en référents", _figure("couverture_referents", cover["couverture"], {}),
                 delta="complète" if not missing else f"{fmt.integer(missing)} sans référent",
                 delta_color="green" if not missing else "orange", delta_arrow="off", border=True,
                 help=f"Établissements ayant un référent décrochage nommé : {fmt.integer(cover['avec_referent'])} "
                      f"sur {fmt.integer(cover['etablissements'])}. Cible : {q.COVERAGE_TARGET_TEXT}.")
    else:
        a.metric("Couverture en référents", fmt.MISSING, delta="non déclarée", delta_color="gray", delta_arrow="off",
                 border=True, help="Aucun référent déclaré pour cette année (fichier « Référents décrochage »).")
    active = row["etablissements_declarants"] > 0
    b.metric("Repérés pour 1 000",
             _figure("eleves_reperes_pour_1000", row["eleves_reperes_pour_1000"], marks) if active else fmt.MISSING,
             delta=f"{_figure('eleves_reperes', row['eleves_reperes'], marks)} élèves" if active else "aucune activité",
             delta_color="gray", delta_arrow="off", border=True,
             help="Élèves repérés par les GPDS (fiches alerte, élèves présentés au GPDS) sur l'année, pour 1 000 "
                  "élèves inscrits (effectif moyen des mêmes mois).")
    c.metric("Angles morts", fmt.integer(spots["angles_morts"]),
             delta=f"sur {fmt.integer(spots['etablissements_dixieme'])} très touchés", delta_color="gray",
             delta_arrow="off", border=True,
             help="Établissements du dixième le plus touché par l'absentéisme de leur type (dans l'académie) dont le "
                  "GPDS déclare peu ou pas d'élèves repérés : la règle est dans l'onglet « Angles morts ».")
    young = _figure("mlds_jeunes_accueillis", totals["jeunes_accueillis"],
                    {"mlds_jeunes_accueillis": disclosure_marks.PRIMARY} if totals["masque"] else {})
    d.metric("Jeunes en MLDS", young if totals["sites"] else fmt.MISSING,
             delta=f"{fmt.integer(totals['places'])} places" if totals["sites"] else "aucun site",
             delta_color="gray", delta_arrow="off", border=True,
             help=f"Jeunes de 16 à 25 ans accueillis dans les {fmt.integer(totals['sites'])} sites de la mission de "
                  f"lutte contre le décrochage scolaire (MLDS) du territoire.{_mlds_reference(' Académie : ')}")


def _facts():
    return ui.query(q.academie_facts)


def _mlds_reference(lead: str = "") -> str:
    """« 17 sites, environ 500 jeunes » (with ``lead`` before it), or nothing for an académie without it."""
    fact = _facts().mlds
    return f"{lead}{fact.text}" if fact is not None else ""


def _table(table: columns.Table, key: str, headers: dict | None = None, widths: dict | None = None) -> None:
    config = {name: st.column_config.Column(width=width) for name, width in (widths or {}).items()}
    st.dataframe(screen.styler(table, headers), hide_index=True, width="stretch", placeholder=screen.PLACEHOLDER,
                 key=f"prev_table_{key}", column_config=config or None)


def _downloads(ctx, tables_: list, basename: str, key: str) -> None:
    if any(any(t.marks) for t in tables_):
        st.caption(disclosure_marks.legend())
    ui.download_buttons(tables_, f"{basename}-{ctx.territory.code}-{ctx.annee}", key=f"prev_{key}", ctx=ctx)


def _referents(ctx, cover: q.Coverage, detail: bool) -> None:
    reference = _facts().referents
    groups = q.function_groups(cover.by_function, reference)
    left, right = st.columns(2)
    with left:
        st.subheader("Par type d'établissement")
        _chart(charts.coverage_figure(cover.by_type), "couverture", "Couverture en référents par type d'établissement",
               f"Cible : {q.COVERAGE_TARGET_TEXT}")
        st.caption(f"Cible : {q.COVERAGE_TARGET_TEXT}.")
    with right:
        st.subheader("Par fonction")
        reference_text = f"Référence : {q.referents_reference_text(reference)}" if reference is not None else None
        _chart(charts.functions_figure(groups, ctx.territory.label, ctx.annee, reference and reference.annee),
               "fonctions", "Référents par fonction", reference_text)
        if reference_text:
            st.caption(f"{reference_text}.")
    downloads = [tables.coverage_table(cover.by_type), tables.functions_table(cover.by_function),
                 tables.groups_table(groups)]
    if cover.by_territory.height:
        level = tq.LEVEL_LABELS_PLURAL[tq.LEVELS[tq.LEVELS.index(ctx.territory.niveau) + 1]]
        st.subheader(f"{level} : couverture en référents")
        by_territory = tables.territory_coverage_table(cover.by_territory)
        _table(by_territory, "territoires_ref", {"territoire_code": "Code"})
        downloads.append(by_territory)
    st.subheader("Référents par fonction")
    _table(tables.functions_table(cover.by_function), "fonctions",
           {"formation_connue": "Formation renseignée", "part_formes": "Part formée"})
    st.caption("Part formée : référents ayant suivi la formation de référent décrochage, parmi ceux dont la formation "
               "est renseignée.")
    _downloads(ctx, downloads, "prevention-referents", "referents")
    if not detail:
        st.info(NO_DETAIL)
        return
    missing = ui.query(q.schools_without_referent, ctx.scope, ctx.territory.code, ctx.annee)
    with st.expander(f"Établissements sans référent ({fmt.integer(missing.height)})"):
        if missing.is_empty():
            st.write("Chaque établissement du territoire a un référent décrochage nommé.")
        else:
            table = tables.without_referent_table(missing)
            _table(table, "sans_referent")
            _downloads(ctx, [table], "prevention-sans-referent", "sans_referent")


CHAIN_HEADERS = {"eleves_reperes_pour_1000": "Repérés /1 000", "eleves_suivis_pour_1000": "Suivis /1 000",
                 "solutions_internes_pour_1000": "Solutions internes /1 000",
                 "signalements_plateforme_pour_1000": "Signalés /1 000", "part_suivis": "Part suivie",
                 "eleves": "Élèves inscrits"}
CHAIN_WIDTHS = {"Territoire": 170, "Repérés /1 000": 100, "Suivis /1 000": 95, "Solutions internes /1 000": 145,
                "Signalés /1 000": 100, "Part suivie": 85, "Élèves inscrits": 105}


def _gpds(ctx, chain, detail: bool) -> None:
    row = chain.row(0, named=True)
    monthly = ui.query(q.monthly_chain, ctx.scope, ctx.territory.code, ctx.annee)
    reference = None
    if ctx.territory.niveau != "academie":
        reference = ui.query(q.chain, ctx.scope, "ACAD", ctx.annee).row(0, named=True)
    left, right = st.columns(2)
    with left:
        st.subheader("Du repérage à la solution")
        _chart(charts.chain_figure(row, reference, ui.academie().titre), "chaine", "Du repérage à la solution",
               "Élèves repérés, suivis, avec une solution interne et signalés à la plateforme, pour 1 000 élèves sur "
               "l'année")
        st.caption("Élèves pour 1 000 élèves sur l'année ; sous chaque étape, la part des élèves de l'étape "
                   "précédente." + (" En gris : l'académie." if reference else ""))
    with right:
        st.subheader("Mois par mois")
        _chart(charts.monthly_figure(monthly, ctx.annee), "mensuel", "Mois par mois",
               "Élèves comptés dans le mois pour 1 000 élèves inscrits ce mois-là")
        st.caption("Élèves comptés dans le mois pour 1 000 élèves inscrits ce mois-là. Un mois sans activité déclarée "
                   "est laissé vide ; un mois masqué (secret statistique) porte un cercle gris et sa marque "
                   "(« < 5 » ou « s »).")
    if chain.height > 1:
        level = tq.LEVEL_LABELS_PLURAL[chain["niveau"][1]]
        st.subheader(f"{level} : élèves repérés et suivis pour 1 000 élèves")
        _chart(charts.children_figure(chain), "territoires", f"{level} : élèves repérés et suivis pour 1 000 élèves")
        st.caption(f"Pointillés : {ui.plain(ctx.territory.label)}.")
    elif ctx.territory.niveau != "reseau" and not detail:
        st.info("La comparaison des territoires de niveau inférieur n'est pas accessible avec vos droits.")
    st.subheader("Chiffres de l'année")
    _table(tables.chain_table(chain, tables.CHAIN_SCREEN), "chaine", CHAIN_HEADERS, CHAIN_WIDTHS)
    st.caption(f"{q.GPDS_MONTHS_TEXT} Part suivie : élèves suivis par le GPDS parmi les élèves repérés. "
               f"{fmt.integer(row['etablissements_declarants'])} établissements sur "
               f"{fmt.integer(row['etablissements'])} ont déclaré une activité de leur GPDS en {ctx.annee} "
               f"({fmt.integer(row['nb_mois'])} mois). Les fichiers téléchargés donnent aussi les réunions et le "
               "détail mois par mois.")
    _downloads(ctx, [tables.chain_table(chain), tables.monthly_table(monthly)], "prevention-gpds", "gpds")


BLIND_SPOT_HEADERS = {"taux": "Absentéisme", "rang_libelle": "Rang", "eleves_reperes": "Repérés",
                      "referent": "Référent"}
BLIND_SPOT_WIDTHS = {"Établissement": 200, "Commune": 115, "Absentéisme": 85, "Rang": 105, "Repérés": 65,
                     "Motif": 150, "Référent": 140}


def _blind_spots(ctx, spots: dict, detail: bool) -> None:
    st.info(q.BLIND_SPOT_RULE, icon=":material/visibility_off:")
    count, top = spots["angles_morts"], spots["etablissements_dixieme"]
    reasons = " ; ".join(f"{ui.plain(m)} : {fmt.integer(n)}" for m, n in spots["motifs"].items())
    st.markdown(f"**{fmt.integer(count)} angle{'s' if count > 1 else ''} mort{'s' if count > 1 else ''}** parmi les "
                f"{fmt.integer(top)} établissements du territoire classés dans le dixième le plus touché de leur type "
                f"({reasons}).")
    if not detail:
        st.info(NO_DETAIL + " Seul le nombre d'angles morts est affiché.")
        return
    listed = ui.query(q.blind_spots, ctx.scope, ctx.territory.code, ctx.annee)
    if listed.is_empty():
        st.success("Aucun angle mort dans ce territoire cette année.")
        return
    st.subheader("Établissements « angles morts »")
    _table(tables.blind_spots_table(listed, tables.BLIND_SPOT_SCREEN), "angles", BLIND_SPOT_HEADERS,
           BLIND_SPOT_WIDTHS)
    st.caption("Absentéisme : taux sur l'année. Rang : place de l'établissement parmi les établissements de son type "
               "dans l'académie, du plus touché au moins touché (« Collège 4 / 200 » : 4ᵉ des 200 collèges). Repérés : "
               "élèves repérés par le GPDS sur l'année. Référent : fonction du référent décrochage. Le fichier "
               "téléchargé donne aussi le type, le secteur, le réseau et les absentéistes par mois.")
    _downloads(ctx, [tables.blind_spots_table(listed)], "prevention-angles-morts", "angles")


def _mlds_tiles(row: dict, reference: bool) -> None:
    marks = {"jeunes_accueillis": disclosure_marks.PRIMARY, "taux_occupation": disclosure_marks.SECONDARY} if row["masque"] else {}
    declared = catalog.PREVENTION_MLDS
    a, b, c, d = st.columns(4)
    a.metric("Sites", fmt.integer(row["sites"]), delta=f"référence : {fmt.integer(row['reference_sites'])}" if reference else None, delta_color="gray",
             delta_arrow="off", border=True)
    b.metric("Places", fmt.integer(row["places"]), border=True)
    c.metric("Jeunes accueillis", text.cell_text(declared["jeunes_accueillis"], row["jeunes_accueillis"],
                                                    marks.get("jeunes_accueillis")),
             delta=f"référence : environ {fmt.integer(row['reference_jeunes'])}" if reference else None, delta_color="gray", delta_arrow="off",
             border=True)
    d.metric("Taux d'occupation", text.cell_text(declared["taux_occupation"], row["taux_occupation"],
                                                    marks.get("taux_occupation")), border=True)


def _mlds(ctx, mlds: q.Mlds, detail: bool) -> None:
    rows = mlds.totals.to_dicts()
    for row in rows:
        if len(rows) > 1:
            st.markdown(f"**{ui.plain(row['territoire_nom'])}**")
        _mlds_tiles(row, row["reference_sites"] is not None)
    if _facts().mlds is not None:
        st.caption(f"Référence de l'académie : {_mlds_reference()} (sites PAQI, jeunes de 16 à 25 ans).")
    totals = tables.mlds_totals_table(mlds.totals)
    if not detail:
        st.info("Le détail par site n'est pas accessible avec vos droits pour ce territoire.")
        _downloads(ctx, [totals], "prevention-mlds", "mlds")
        return
    st.subheader("Places et jeunes accueillis par site")
    _chart(charts.mlds_figure(mlds.sites), "mlds", "Places et jeunes accueillis par site")
    if mlds.sites.height:
        sites = tables.mlds_sites_table(mlds.sites)
        _table(sites, "mlds_sites", {"site_code": "Code", "reseau_code": "Réseau"})
        _downloads(ctx, [sites, totals], "prevention-mlds", "mlds")


def body() -> None:
    ctx = ui.page_context("Prévention")
    territory = ctx.territory
    st.markdown(INTRO)
    cover = ui.query(q.coverage, ctx.scope, territory.code, ctx.annee)
    chain = ui.query(q.chain, ctx.scope, territory.code, ctx.annee)
    spots = ui.query(q.blind_spot_counts, ctx.scope, territory.code, ctx.annee)
    mlds = ui.query(q.mlds, ctx.scope, territory.code, ctx.annee)
    total = cover.by_type.filter(cover.by_type["groupe"] == "ENSEMBLE")
    cover_row = total.row(0, named=True) if total.height else {"etablissements": 0, "avec_referent": 0,
                                                                "sans_referent": 0, "couverture": None}
    st.caption(f"{ui.plain(territory.label)}, année scolaire {ctx.annee}.")
    declared = ui.query(q.referents_declared, ctx.annee)
    _tiles(cover_row, chain.row(0, named=True), spots, mlds.totals.row(0, named=True), declared)
    index = ui.query(tq.territory_index, ctx.annee)
    detail = tq.can_view_detail(index, ctx.scope, territory.code)
    views = st.tabs(VIEWS, key="vue", bind="query-params")
    with views[0]:
        if views[0].open:
            _referents(ctx, cover, detail)
    with views[1]:
        if views[1].open:
            _gpds(ctx, chain, detail)
    with views[2]:
        if views[2].open:
            _blind_spots(ctx, spots, detail)
    with views[3]:
        if views[3].open:
            _mlds(ctx, mlds, detail)


ui.run_page(body)
