"""Page « Importer des données »: upload, preview, report, column mapping, confirmed import,
templates, history.

Text coming from a file (names, values, headers, sheet names) is only ever shown through
``st.dataframe``, ``st.text`` or widget labels and options (plain text), never as Markdown or HTML.
"""

import re

import polars as pl
import streamlit as st

from dashboard import fmt
from dashboard.access import scope as access
from dashboard.charts import donnees as tables
from dashboard.importer import contracts, maintenance, service, template_codes, templates
from dashboard.importer import mapping as importer_mapping
from dashboard.store import dbfailure
from dashboard.ui import page as ui

AUTO = "auto"
FLASH = "_import_message"
CHECK = "_import_verification"
REPORT_SHOWN = 1000  # problems listed on screen; the download holds them all
UPLOADS = "_import_envois"  # bumped after an import: the uploader then starts empty
SUMMARY_FROM = 20  # problems from which a count per rule is shown above the report
# On screen the explanation comes right after the line and the column, wide enough for most
# messages; the downloaded report keeps the order of ``Report.display_frame``.
REPORT_ORDER = ("Gravité", "Ligne", "Colonne", "Explication", "Valeur", "Règle")
#: The template rows: the period of a pre-filled bilan (« 31/10/2016 (sept.–oct. 2016) ») whole at 1 280 px.
TEMPLATE_COLUMNS = [1.5, 1.25, 1.25]
REPORT_COLUMNS = {
    "Gravité": st.column_config.TextColumn(width=105),
    "Ligne": st.column_config.NumberColumn(width=55, format="%d"),
    "Colonne": st.column_config.TextColumn(width=250),  # « raccroches_service_civique » whole
    "Explication": st.column_config.TextColumn(width=1000),
    "Valeur": st.column_config.TextColumn(width=130),
    "Règle": st.column_config.TextColumn(width=200),
}


def kind_label(kind: str) -> str:
    return "Détecter automatiquement" if kind == AUTO else contracts.KIND_LABELS[kind]


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
            backup = maintenance.backup_database(engine, "avant-effacement")
            deleted = maintenance.clear_demo_data(engine)
            ui.clear_caches()
            kept = (f" Une sauvegarde de la base a été faite juste avant : {backup.name} (dossier « sauvegardes » "
                    "à côté de la base) ; voir la page Données chargées pour revenir en arrière.") if backup else ""
            flash("success", f"Données de démonstration effacées : {fmt.integer(sum(deleted.values()))} lignes "
                             f"supprimées. Vous pouvez importer les fichiers de l'académie.{kept}")
            st.rerun()


def checked_file(engine, data: bytes, name: str, kind: str | None, mapping=None):
    """The validation of this file (through ``mapping``), kept for the session while the file, the
    mapping and the data are the same."""
    key = (service.sha256_hex(data), name, kind, ui.data_version(), mapping.to_json() if mapping else None)
    cached = st.session_state.get(CHECK)
    if cached and cached[0] == key:
        return cached[1]
    with st.spinner("Vérification du fichier…"):
        checked = service.validate(engine, data, name, kind, mapping)
    st.session_state[CHECK] = (key, checked)
    return checked


# --- the column-mapping step -------------------------------------------------------------

NONE = "— aucune —"
FIXED = "= "  # prefix of a fixed value in the column choices


def needs_mapping(checked) -> bool:
    """A file whose kind is unknown or which lacks a required column."""
    if checked.raw is None:
        return False
    rules = set(checked.report.issues["regle"].to_list())
    return checked.kind is None or bool(rules & {"colonne obligatoire", "type de fichier"})


def column_choice(spec, raw, proposal, key: str) -> str | None:
    """One contract column: a file column, a fixed value (enumerations) or none. A column is
    preselected only when the proposal (a header that names it) or a saved mapping gives it."""
    headers = [h for h in raw.headers if h]
    fixed = [f"{FIXED}{c}" for c in spec.choices] if spec.choices else []
    options = [NONE, *headers, *fixed]
    current = proposal.columns.get(spec.name)
    if spec.name in proposal.fixed:
        current = f"{FIXED}{proposal.fixed[spec.name]}"
    index = options.index(current) if current in options else 0
    label = spec.name + (" (obligatoire)" if spec.required else "")
    left, right = st.columns([2, 3])
    choice = left.selectbox(label, options, index=index, key=key, help=spec.description)
    if choice in headers:
        values = importer_mapping.sample_values(raw, choice)
        shown = " · ".join(values) if values else "(vides)"
        first_values = f"Premières valeurs : {shown}"
        right.text(first_values)
    elif spec.required:
        right.text("À choisir : aucun en-tête du fichier ne nomme cette colonne.")
    return None if choice == NONE else choice


def value_table(raw, kind: str, spec, header: str, proposal, key: str) -> dict[str, str]:
    """The value mapping of one enumeration: every distinct value of the file column, with the
    value the importer reads (understood alone, proposed, or to choose)."""
    values = importer_mapping.distinct_values(raw, header)
    targets = importer_mapping.enum_targets(kind, spec.name)
    proposed = proposal.values.get(spec.name, {})
    read = [proposed.get(v) or importer_mapping.recognised_value(kind, spec, v) or "" for v in values["valeur"]]
    table = values.with_columns(pl.Series("correspondance", read, dtype=pl.String))
    st.text(f"Valeurs de la colonne « {header} » → {spec.name}")
    edited = st.data_editor(
        table.to_pandas(), key=key, hide_index=True, width="stretch", disabled=["valeur", "lignes"],
        column_config={
            "valeur": st.column_config.TextColumn("Valeur dans le fichier"),
            "lignes": st.column_config.NumberColumn("Lignes", format="%d"),
            "correspondance": st.column_config.SelectboxColumn("Valeur retenue", options=targets),
        },
    )
    rows = edited.to_dict("records") if hasattr(edited, "to_dict") else edited.to_dicts()
    return {r["valeur"]: r["correspondance"] for r in rows
            if r["correspondance"] and r["correspondance"] != importer_mapping.recognised_value(kind, spec, r["valeur"])}


def mapping_section(engine, raw, checked, file_key: str):
    """Propose a mapping (saved one first), let the user correct it; the mapping to apply, or None."""
    st.subheader("Correspondance des colonnes")
    with engine.connect() as conn:
        saved = importer_mapping.profile_for(conn, raw.headers)
    kinds = list(contracts.KINDS)
    default_kind = saved.kind if saved else (checked.kind or importer_mapping.proposed_kind(raw.headers))
    kind = st.selectbox("Type de fichier à obtenir", kinds, index=kinds.index(default_kind) if default_kind else None,
                        format_func=kind_label, key=f"corr_type_{file_key}", placeholder="Choisissez le type de fichier…",
                        help="Proposé d'après les en-têtes reconnus ; changez-le si le fichier est d'un autre type.")
    if kind is None:
        st.info("Aucun en-tête de ce fichier n'est celui d'un type connu : choisissez le type de fichier, puis la "
                "colonne du fichier qui correspond à chaque colonne du tableau de bord.")
        return None
    if saved and saved.kind == kind:
        st.success(f"Correspondance enregistrée reconnue pour ces en-têtes : « {ui.plain(saved.name)} ». Vérifiez-la, "
                   "puis appliquez-la.")
        proposal = saved
    else:
        proposal = importer_mapping.propose(raw, kind)
        st.caption("Une colonne du fichier n'est associée d'office que si son en-tête la nomme (même écrit "
                   "autrement : « EPLE » pour la formation initiale, « CFA » pour l'apprentissage…) ; ses premières "
                   "valeurs sont affichées. Pour chaque autre colonne du tableau de bord, choisissez la colonne du "
                   "fichier qui la contient (ou, pour une liste de valeurs, une valeur fixe pour toutes les lignes). "
                   "Rien n'est écrit tant que le fichier ainsi lu ne passe pas toutes les vérifications.")
    specs = importer_mapping.target_specs(kind)
    contract_names = set(contracts.CONTRACTS[kind].names)
    chosen: dict[str, str] = {}
    for spec in [s for s in specs if s.name in contract_names]:
        if (choice := column_choice(spec, raw, proposal, f"corr_{file_key}_{kind}_{spec.name}")) is not None:
            chosen[spec.name] = choice
    helpers = [s for s in specs if s.name not in contract_names]
    if helpers:
        with st.expander("Colonnes utiles des fichiers officiels (département, commune par son nom, état…)"):
            for spec in helpers:
                if (choice := column_choice(spec, raw, proposal, f"corr_{file_key}_{kind}_{spec.name}")) is not None:
                    chosen[spec.name] = choice
    columns = {n: c for n, c in chosen.items() if not c.startswith(FIXED) or c in raw.headers}
    fixed = {n: c[len(FIXED):] for n, c in chosen.items() if n not in columns}
    missing = importer_mapping.unassigned(importer_mapping.Mapping(kind, columns, fixed))
    if missing:
        st.warning(f"Colonnes obligatoires encore sans colonne du fichier : {', '.join(missing)}. Choisissez-les "
                   "ci-dessus : le tableau de bord n'associe jamais une colonne sur une supposition.")
    values: dict[str, dict[str, str]] = {}
    enums = [s for s in importer_mapping.enum_specs(kind) if s.name in columns]
    if enums:
        st.markdown("**Correspondance des valeurs**")
        st.caption("Pour chaque valeur du fichier, la valeur que retient le tableau de bord ; « hors champ » écarte "
                   "les lignes (comptées dans le rapport). Une valeur laissée vide est signalée comme une erreur.")
        for spec in enums:
            if table := value_table(raw, kind, spec, columns[spec.name], proposal, f"corr_val_{file_key}_{spec.name}"):
                values[spec.name] = table
    name = st.text_input("Nom de la correspondance (elle sera proposée pour les fichiers de mêmes en-têtes)",
                         value=proposal.name or importer_mapping.default_name(kind, raw.headers),
                         key=f"corr_nom_{file_key}_{kind}", max_chars=80)
    if not st.toggle("Lire le fichier avec cette correspondance", key=f"corr_appliquer_{file_key}",
                     value=saved is not None and saved.kind == kind):
        return None
    return importer_mapping.Mapping(kind, columns, fixed, values, name.strip())


def report_basename(filename: str) -> str:
    """``rapport-import-<file name>`` with only safe characters."""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", filename.rsplit(".", 1)[0]).strip("-")[:60]
    return f"rapport-import-{stem}" if stem else "rapport-import"


def report_section(checked, filename: str = "") -> None:
    report = checked.report
    if checked.kind:
        st.markdown(f"**Type de fichier :** {contracts.KIND_LABELS[checked.kind]}")
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
    choice = st.selectbox("Type de fichier", [AUTO, *contracts.KINDS], format_func=kind_label, key="type_import")
    uploaded = st.file_uploader(
        "Fichier CSV, XLSX ou JSON (20 Mo au plus)", type=["csv", "xlsx", "txt", "json"],
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
    except Exception as exc:  # an unexpected reading failure must not show a traceback
        st.error(ui.failure_text(exc, "Ce fichier n'a pas pu être lu. Enregistrez-le au format CSV ou XLSX et "
                                      "réessayez.", dbfailure.IMPORT, "Vérification impossible du fichier importé"))
        return
    mapping = None
    file_key = service.sha256_hex(data)[:12]
    headers = checked.raw.headers if checked.raw is not None else []
    if checked.raw is not None and (needs_mapping(checked) or st.checkbox(
            "Faire correspondre les colonnes moi-même", key=f"corr_manuelle_{file_key}")):
        if needs_mapping(checked):
            report_section(checked, name)
        try:
            mapping = mapping_section(engine, checked.raw, checked, file_key)
            if mapping is not None:
                checked = checked_file(engine, data, name, mapping.kind, mapping)
        except Exception as exc:  # a mapping that cannot be applied must not show a traceback
            st.error(ui.failure_text(exc, "Cette correspondance n'a pas pu être appliquée au fichier : vérifiez les "
                                          "colonnes choisies.", dbfailure.IMPORT,
                                     "Correspondance impossible à appliquer"))
            return
        if mapping is None:
            return
        st.subheader("Vérification avec la correspondance")
        report_section(checked, name)
    else:
        report_section(checked, name)
    if not checked.ok:
        return
    if st.button("Importer ce fichier", type="primary", key="confirmer_import"):
        try:
            with st.spinner("Import en cours…"):
                result = service.import_file(engine, data, name, kind, utilisateur=utilisateur, mapping=mapping)
                if result.written and mapping is not None and mapping.name:
                    importer_mapping.save_profile(engine, mapping, headers)
        except Exception as exc:  # database failure: the transaction was rolled back
            st.error(ui.failure_text(exc, "L'import a échoué à cause d'une erreur de la base de données : rien n'a "
                                          "été écrit. Réessayez ; si le problème persiste, prévenez l'équipe "
                                          "technique.", dbfailure.IMPORT, "Échec de l'import"))
            return
        ui.clear_caches()
        if result.written:  # the file and its check leave the server's memory
            st.session_state.pop(CHECK, None)
            ui.discard_uploads()
        saved = f" Correspondance « {ui.plain(mapping.name)} » enregistrée." if result.written and mapping and mapping.name else ""
        flash("success" if result.written else "error", result.summary() + saved)
        if result.written:
            st.session_state[UPLOADS] = st.session_state.get(UPLOADS, 0) + 1
        st.rerun()


def templates_section(ctx) -> None:
    st.subheader("Codes et modèles de fichiers")
    years = list(template_codes.school_years_around(ctx.years))
    annee = st.selectbox("Année scolaire des codes", years, index=years.index(ctx.annee) if ctx.annee in years else 0,
                         key="modeles_annee",
                         help="Les codes des territoires sont ceux du découpage de cette année ; les modèles XLSX "
                              "les proposent en listes déroulantes.")
    codes = ui.query(template_codes.codes_for, annee, tuple(ctx.years))
    left, middle, right = st.columns(TEMPLATE_COLUMNS)
    left.markdown(f"**Liste des territoires {annee}** — code, nom, niveau et territoire parent "
                  f"({fmt.integer(codes.territories.height)} territoires, dont "
                  f"{fmt.integer(codes.networks.height)} réseaux FOQUALE)")
    ui.download_button(middle, "Liste CSV", lambda: templates.territories_csv(codes),
                       templates.territories_filename(codes, "csv"), "text/csv", key="territoires_csv", width="stretch")
    ui.download_button(right, "Liste XLSX", lambda: templates.territories_xlsx(codes),
                       templates.territories_filename(codes, "xlsx"), ui.XLSX_MIME, key="territoires_xlsx",
                       width="stretch")
    st.caption("Chaque modèle contient les en-têtes attendus et une ligne d'exemple ; la version XLSX explique "
               "chaque colonne (feuille « Explications », avec les autres en-têtes acceptés), liste les territoires "
               "de l'année (feuille « Liste des territoires ») et propose des listes déroulantes pour les codes de territoire, "
               "les années scolaires et les autres listes de valeurs.")
    for kind in contracts.KINDS:
        contract = contracts.CONTRACTS[kind]
        left, middle, right = st.columns(TEMPLATE_COLUMNS)
        left.markdown(f"**{contract.label}** — une ligne = {contract.row_is}")
        ui.download_button(middle, "Modèle CSV", templates.template_csv(kind), templates.template_filename(kind, "csv"),
                           "text/csv", key=f"modele_{kind}_csv", width="stretch")
        ui.download_button(right, "Modèle XLSX", lambda k=kind: templates.template_xlsx(k, codes),
                           templates.template_filename(kind, "xlsx"), ui.XLSX_MIME, key=f"modele_{kind}_xlsx",
                           width="stretch")
    left, middle, right = st.columns(TEMPLATE_COLUMNS)
    left.markdown(f"**Bilans d'une période, pré-remplis** — une ligne par réseau FOQUALE de {annee}, les nombres à "
                  "compléter")
    periode = middle.selectbox("Période", codes.period_ends, format_func=template_codes.period_label,
                               key="modele_bilans_periode", label_visibility="collapsed")
    ui.download_button(right, "Bilans pré-remplis XLSX", lambda: templates.template_xlsx("bilans", codes, periode),
                       templates.template_filename("bilans", "xlsx", periode), ui.XLSX_MIME,
                       key="modele_bilans_prerempli", width="stretch")


def history_section(engine) -> None:
    st.subheader("Derniers imports")
    history = maintenance.recent_imports(engine, 20)
    if history.is_empty():
        st.caption("Aucun import pour l'instant.")
        return
    st.dataframe(tables.history_table(history, contracts.KIND_LABELS), hide_index=True, width="stretch",
                 column_config={"Empreinte du fichier": st.column_config.TextColumn(help=tables.FINGERPRINT_HELP)})


def body() -> None:
    ctx = ui.page_context("Importer des données", with_territory=False)
    access.require_importer(ctx.scope)
    engine = ui.engine()
    show_flash()
    if ctx.demo:
        demo_section(engine)
    upload_section(engine, ctx.scope.utilisateur)
    templates_section(ctx)
    history_section(engine)


ui.run_page(body)
