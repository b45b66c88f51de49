"""Page « Importer des données »: upload, preview, report, confirmed import, templates, history.

Text coming from a file (names, values, sheet names) is only ever shown through ``st.dataframe``
or ``st.text``, never as Markdown or HTML.
"""

import logging
import re

import polars as pl
import streamlit as st

from dashboard import access, fmt, importer, ui

log = logging.getLogger("dashboard.importer")

AUTO = "auto"
FLASH = "_import_message"
CHECK = "_import_verification"
REPORT_SHOWN = 1000  # problems listed on screen; the download holds them all
UPLOADS = "_import_envois"  # bumped after an import: the uploader then starts empty
SUMMARY_FROM = 20  # problems from which a count per rule is shown above the report
# On screen the explanation comes right after the line and the column, wide enough for most
# messages; the downloaded report keeps the order of ``Report.display_frame``.
REPORT_ORDER = ("Gravité", "Ligne", "Colonne", "Explication", "Valeur", "Règle")
REPORT_COLUMNS = {
    "Gravité": st.column_config.TextColumn(width=105),
    "Ligne": st.column_config.NumberColumn(width=55, format="%d"),
    "Colonne": st.column_config.TextColumn(width=150),
    "Explication": st.column_config.TextColumn(width=1000),
    "Valeur": st.column_config.TextColumn(width=130),
    "Règle": st.column_config.TextColumn(width=200),
}


def kind_label(kind: str) -> str:
    return "Détecter automatiquement" if kind == AUTO else importer.KIND_LABELS[kind]


def flash(level: str, message: str) -> None:
    """A message shown after the next rerun (once)."""
    st.session_state[FLASH] = (level, message)


def show_flash() -> None:
    level, message = st.session_state.pop(FLASH, (None, None))
    if level:
        getattr(st, level)(message)


def demo_section(engine) -> None:
    with st.container(border=True):
        st.markdown(
            "**La base contient des données de démonstration.** Avant d'importer les fichiers réels de "
            "l'académie, effacez-les : bilans, objectifs, absentéisme, établissements et sites MLDS seront "
            "supprimés (y compris les lignes que vous auriez déjà importées). Le découpage territorial est conservé."
        )
        confirmed = st.checkbox("Je confirme vouloir effacer toutes ces données", key="confirmer_effacement")
        if st.button("Effacer les données de démonstration", disabled=not confirmed, type="secondary"):
            deleted = importer.clear_demo_data(engine)
            ui.clear_caches()
            flash("success", f"Données de démonstration effacées : {fmt.integer(sum(deleted.values()))} lignes "
                             "supprimées. Vous pouvez importer les fichiers de l'académie.")
            st.rerun()


def checked_file(engine, data: bytes, name: str, kind: str | None):
    """The validation of this file, kept for the session while the file and the data are the same."""
    key = (importer.sha256_hex(data), name, kind, ui.data_version())
    cached = st.session_state.get(CHECK)
    if cached and cached[0] == key:
        return cached[1]
    with st.spinner("Vérification du fichier…"):
        checked = importer.validate(engine, data, name, kind)
    st.session_state[CHECK] = (key, checked)
    return checked


def report_basename(filename: str) -> str:
    """``rapport-import-<file name>`` with only safe characters."""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", filename.rsplit(".", 1)[0]).strip("-")[:60]
    return f"rapport-import-{stem}" if stem else "rapport-import"


def report_section(checked, filename: str = "") -> None:
    report = checked.report
    if checked.kind:
        st.markdown(f"**Type de fichier :** {importer.KIND_LABELS[checked.kind]}")
    if checked.raw is not None:
        st.text(f"Lecture : {checked.raw.description} — en-têtes {checked.raw.header_lines}")
        st.markdown("**Aperçu des premières lignes, telles que lues**")
        st.dataframe(checked.raw.preview(20), hide_index=True, width="stretch")
    if report.ok and report.warnings:
        st.warning(report.summary())
    elif report.ok:
        st.success(report.summary())
    else:
        st.error(report.summary())
    if report.issues.height > SUMMARY_FROM:
        st.markdown("**Problèmes par règle**")
        counts = report.by_rule()
        st.dataframe(counts.with_columns(counts["Nombre"].map_elements(fmt.integer, return_dtype=pl.String)),
                     hide_index=True, width="stretch")
    if report.issues.height:
        st.markdown("**Rapport de vérification**")
        table = report.display_frame()
        if table.height > REPORT_SHOWN:
            st.caption(f"Les {fmt.integer(REPORT_SHOWN)} premiers problèmes sur {fmt.integer(table.height)} ; "
                       "le rapport téléchargeable les contient tous.")
        st.dataframe(table.head(REPORT_SHOWN), hide_index=True, width="stretch", column_config=REPORT_COLUMNS,
                     column_order=REPORT_ORDER)
        st.caption("Le texte d'une explication trop longue se lit en entier dans le rapport téléchargé "
                   "(ou en élargissant le tableau avec l'icône en haut à droite).")
        ui.download_buttons(table, report_basename(filename), sheet="Rapport", key="rapport_import")


def upload_section(engine, utilisateur: str) -> None:
    st.subheader("Importer un fichier")
    choice = st.selectbox("Type de fichier", [AUTO, *importer.KINDS], format_func=kind_label, key="type_import")
    uploaded = st.file_uploader(
        "Fichier CSV ou XLSX (20 Mo au plus)", type=["csv", "xlsx", "txt"],
        key=f"fichier_import_{st.session_state.get(UPLOADS, 0)}",
        help="CSV séparé par des points-virgules ou des virgules (UTF-8 ou Windows-1252), ou classeur Excel .xlsx. "
             "Au-delà de 20 Mo, découpez le fichier (par exemple par année scolaire) ou importez-le avec la "
             "commande `python -m dashboard.importer`.",
    )
    if uploaded is None:
        st.caption("Le fichier entier est vérifié avant toute écriture ; s'il contient une erreur, rien n'est importé.")
        return
    kind = None if choice == AUTO else choice
    data, name = uploaded.getvalue(), uploaded.name
    try:
        checked = checked_file(engine, data, name, kind)
    except Exception:  # noqa: BLE001 - an unexpected reading failure must not show a traceback
        log.exception("Vérification impossible du fichier importé")
        st.error("Ce fichier n'a pas pu être lu. Enregistrez-le au format CSV ou XLSX et réessayez.")
        return
    report_section(checked, name)
    if not checked.ok:
        return
    if st.button("Importer ce fichier", type="primary", key="confirmer_import"):
        try:
            with st.spinner("Import en cours…"):
                result = importer.import_file(engine, data, name, kind, utilisateur=utilisateur)
        except Exception:  # noqa: BLE001 - database failure: the transaction was rolled back
            log.exception("Échec de l'import")
            st.error("L'import a échoué à cause d'une erreur de la base de données : rien n'a été écrit. "
                     "Réessayez ; si le problème persiste, prévenez l'équipe technique.")
            return
        ui.clear_caches()
        flash("success" if result.written else "error", result.summary())
        if result.written:
            st.session_state[UPLOADS] = st.session_state.get(UPLOADS, 0) + 1
        st.rerun()


def templates_section() -> None:
    st.subheader("Modèles de fichiers")
    st.caption("Chaque modèle contient les en-têtes attendus et une ligne d'exemple ; la version XLSX explique "
               "chaque colonne dans sa feuille « Explications ».")
    for kind in importer.KINDS:
        contract = importer.CONTRACTS[kind]
        left, middle, right = st.columns([2, 1, 1])
        left.markdown(f"**{contract.label}** — une ligne = {contract.row_is}")
        middle.download_button("Modèle CSV", importer.template_csv(kind), importer.template_filename(kind, "csv"),
                               "text/csv", key=f"modele_{kind}_csv", width="stretch")
        right.download_button(
            "Modèle XLSX", importer.template_xlsx(kind), importer.template_filename(kind, "xlsx"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key=f"modele_{kind}_xlsx",
            width="stretch",
        )


def history_section(engine) -> None:
    st.subheader("Derniers imports")
    history = importer.recent_imports(engine, 20)
    if history.is_empty():
        st.caption("Aucun import pour l'instant.")
        return
    st.dataframe(
        history.with_columns(history["type_fichier"].replace(importer.KIND_LABELS)).rename({
            "horodatage": "Date", "utilisateur": "Utilisateur", "fichier": "Fichier", "type_fichier": "Type",
            "lignes": "Lignes", "ajoutees": "Ajoutées", "modifiees": "Modifiées", "inchangees": "Inchangées",
            "sha256": "Empreinte SHA-256",
        }),
        hide_index=True, width="stretch",
    )


def body() -> None:
    ctx = ui.page_context("Importer des données", with_territory=False)
    access.require_importer(ctx.scope)
    engine = ui.engine()
    show_flash()
    if ctx.demo:
        demo_section(engine)
    upload_section(engine, ctx.scope.utilisateur)
    templates_section()
    history_section(engine)


ui.run_page(body)
