"""Page « Données chargées »: what is loaded per import kind (demonstration or real), what each page
still lacks, the way from demonstration to real data, freshness of the bilans, import history."""

import polars as pl
import streamlit as st

from dashboard import fmt, markup
from dashboard.charts import donnees as tables
from dashboard.importer import contracts, maintenance
from dashboard.importer import status as import_status
from dashboard.ui import page as ui
from queries import donnees as q


def body() -> None:
    ctx = ui.page_context("Données chargées")
    if ctx.demo:
        st.markdown("**Nature des données :** données de démonstration, générées (graine fixe).")
    else:
        st.markdown("**Nature des données :** données importées par l'académie.")

    refs = ui.query(q.reference_counts)
    cols = st.columns(4)
    cols[0].metric("Communes", fmt.integer(refs["communes"]), border=True)
    cols[1].metric("Établissements", fmt.integer(refs["etablissements"]), border=True)
    cols[2].metric("Départements", fmt.integer(refs["departements"]), border=True)
    cols[3].metric("Découpages territoriaux", fmt.integer(refs["decoupages"]), border=True,
                   help="Nombre de découpages en réseaux et PSAD chargés (un par année de début de validité).")

    st.subheader("Ce qui est chargé, par type de fichier")
    status = ui.query_uncached(import_status.kind_status)
    st.dataframe(tables.kinds_table(status), hide_index=True, width="stretch")
    st.subheader("Ce qui manque pour que chaque page montre des chiffres réels")
    # a static table: its lists of files wrap instead of being cut at the column's edge
    st.table(tables.missing_table(import_status.missing_by_page(status)).to_pandas().set_index("Page"))
    if ctx.demo:
        demo_to_real(ctx)

    st.subheader("Lignes chargées par année scolaire")
    counts = ui.query(q.counts_by_year, ctx.scope)
    st.dataframe(tables.counts_table(counts), hide_index=True, width="stretch")

    st.subheader(f"Fraîcheur des bilans — {ui.plain(ctx.territory.label)}, {ctx.annee}")
    fresh = ui.query(q.bilan_freshness, ctx.scope, ctx.territory.code, ctx.annee)
    ui.freshness_alert(fresh)
    if not fresh.is_empty():
        # a static table: « Bilan manquant (attendu depuis le …) » whole at 1 280 px
        shown = tables.freshness_table(fresh, detailed=True)  # st.table reads Markdown: names escaped
        shown = shown.with_columns(pl.col(c).map_elements(markup.markdown, return_dtype=pl.String)
                                   for c in ("Réseau", "PSAD", "Département"))
        st.table(shown.to_pandas().set_index("Réseau"))
        st.caption("Bilans manquants d'abord. « Bilan manquant » : le réseau n'a pas transmis le bilan de la dernière "
                   "période reçue par l'académie ; ses chiffres s'arrêtent à sa dernière période reçue. (« En retard » "
                   "est réservé à la trajectoire de l'objectif.)")

    st.subheader("Historique des imports")
    history = ui.query_uncached(q.import_history)
    if history.is_empty():
        st.caption("Aucun import de fichier pour l'instant.")
    else:
        st.dataframe(tables.history_table(history, contracts.KIND_LABELS), hide_index=True, width="stretch",
                     column_config={"Empreinte du fichier": st.column_config.TextColumn(help=tables.FINGERPRINT_HELP)})

    ui.render_audit_log(ctx)


def demo_to_real(ctx) -> None:
    """The documented, reversible way from the demonstration data to the académie's files."""
    with st.expander("Passer des données de démonstration aux données réelles", expanded=True):
        st.markdown(
            "1. **Vérifiez d'abord le fichier réel sans rien écrire** : sur la page *Importer des données*, tout "
            "fichier déposé est vérifié en entier avant toute écriture (en ligne de commande : "
            "`python -m dashboard.importer FICHIER --dry-run`).\n"
            "2. **Sauvegardez la base** (bouton ci-dessous ; une sauvegarde est aussi faite automatiquement juste "
            "avant l'effacement).\n"
            "3. **Effacez les données de démonstration** sur la page *Importer des données* (le découpage "
            "territorial est conservé).\n"
            "4. **Importez la liste des établissements** (l'Annuaire de l'éducation du ministère se charge tel "
            "quel), puis les objectifs, les bilans bimestriels, l'absentéisme, les référents décrochage, l'activité "
            "des GPDS et les sites MLDS.\n"
            "5. **Pour revenir en arrière**, arrêtez l'application et remettez la sauvegarde à la place du fichier "
            "de la base (`python -m dashboard.importer --restaurer SAUVEGARDE`)."
        )
        if not ctx.scope.can_import:
            st.caption("La sauvegarde et l'import sont réservés au recteur et au CSAIO (SAIO).")
            return
        engine = ui.engine()
        if maintenance.backup_folder(engine) is None:
            st.caption("Base PostgreSQL : sauvegardez-la avec `pg_dump` avant d'effacer les données de "
                       "démonstration.")
            return
        if st.button("Sauvegarder la base maintenant", key="sauvegarder_base"):
            path = maintenance.backup_database(engine)
            st.success("Sauvegarde créée.")
            st.text(f"Fichier : {path}")


ui.run_page(body)
