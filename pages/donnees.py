"""Page « Données chargées »: what is loaded, freshness of the bilans, import history."""

import streamlit as st

from dashboard import fmt, importer, ui
from dashboard.charts import donnees as tables
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

    st.subheader("Lignes chargées par année scolaire")
    counts = ui.query(q.counts_by_year, ctx.scope)
    st.dataframe(tables.counts_table(counts), hide_index=True, width="stretch")

    st.subheader(f"Fraîcheur des bilans — {ctx.territory.label}, {ctx.annee}")
    fresh = ui.query(q.bilan_freshness, ctx.scope, ctx.territory.code, ctx.annee)
    ui.freshness_alert(fresh)
    if not fresh.is_empty():
        st.dataframe(tables.freshness_table(fresh, detailed=True), hide_index=True, width="stretch")
        st.caption("Réseaux en retard d'abord. « En retard » : le réseau n'a pas transmis le bilan de la dernière "
                   "période reçue par l'académie ; ses chiffres s'arrêtent à sa dernière période reçue.")

    st.subheader("Historique des imports")
    history = ui.query_uncached(q.import_history)
    if history.is_empty():
        st.caption("Aucun import de fichier pour l'instant.")
    else:
        st.dataframe(
            history.with_columns(history["type_fichier"].replace(importer.KIND_LABELS)).rename({
                "horodatage": "Date", "utilisateur": "Utilisateur", "fichier": "Fichier",
                "type_fichier": "Type", "lignes": "Lignes", "ajoutees": "Ajoutées", "modifiees": "Modifiées",
                "inchangees": "Inchangées", "sha256": "Empreinte SHA-256",
            }),
            hide_index=True,
            width="stretch",
        )

    ui.render_audit_log(ctx)


ui.run_page(body)
