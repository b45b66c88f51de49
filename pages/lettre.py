"""Page « Lettre de la MLDS »: the letter of the latest bilan — written (editorial, practices to
share, agenda), previewed, published once — its distribution to the recipients, each within their
scope, and the archive of published letters, downloadable as HTML and PDF."""

import io
import logging
import tempfile
import zipfile
from pathlib import Path

import polars as pl
import streamlit as st

from dashboard import fmt
from dashboard.access.scope import ROLE_LABELS
from dashboard.lettre import charts as letter_charts
from dashboard.lettre import html as letter_html
from dashboard.lettre import layout, letter, pdf, recipients, sending, store
from dashboard.ui import charts as ui_charts
from dashboard.ui import page as ui
from queries import territoires as tq

log = logging.getLogger("dashboard")
PDF_MIME, HTML_MIME, ZIP_MIME, CSV_MIME = "application/pdf", "text/html", "application/zip", "text/csv"
plain = ui.plain
RESULTS = "lettre_resultats_envoi"
ESSAI = "lettre_essai_zip"


def _show_block(block: dict, charts: dict) -> None:
    """One block of ``layout.sections`` with Streamlit's own elements (text is never HTML)."""
    kind = block["type"]
    if kind == "paragraphes":
        for text in block["textes"]:
            st.markdown(plain(text))
    elif kind == "tuiles":
        per_row = block["colonnes"]
        for start in range(0, len(block["items"]), per_row):
            for column, item in zip(st.columns(per_row), block["items"][start:start + per_row], strict=False):
                column.metric(item["libelle"], item["texte"])
    elif kind == "image":
        chart = charts[block["cle"]]
        ui_charts.picture(chart.png, caption=block["legende"], width=720, alt=block["alt"])
        st.caption(f"Description du graphique : {plain(block['alt'])}")
    elif kind == "tableau":
        headers = block["entetes"]
        st.caption(plain(block["legende"]))
        st.dataframe(pl.DataFrame([[r["libelle"], *r["cellules"]] for r in block["lignes"]], schema=headers,
                                  orient="row"), hide_index=True, width="stretch")
    elif kind == "encadre":
        with st.container(border=True):
            st.markdown(f"**{plain(block['titre'])}**" + (f"  \n{plain(block['sous_titre'])}" if block["sous_titre"]
                                                          else ""))
            for text in block["textes"]:
                st.markdown(plain(text))
    elif kind == "liste":
        st.markdown("\n".join(f"- **{plain(i['tete'])}** — {plain(i['texte'])}"
                               + (f" ({plain(i['detail'])})" if i["detail"] else "") for i in block["items"]))
    elif kind == "notes":
        for text in block["textes"]:
            st.caption(plain(text))


def show_letter(view: dict) -> None:
    """The letter on screen: the same sections, in the same order, as its PDF and its e-mail."""
    charts = letter_charts.charts(view["academie"])
    head = layout.heading(view)
    with st.container(border=True):
        st.caption(plain(head["editeur"]))
        st.markdown(f"#### {plain(head['titre'])}")
        st.caption(plain(head["sous_titre"]) + "".join(f" · **{plain(b)}**" for b in head["badges"]))
        by_key = {c.key: c for c in charts}
        for section in layout.sections(view, charts):
            st.markdown(f"##### {plain(section['titre'])}")
            for block in section["blocs"]:
                _show_block(block, by_key)


def _blocks_frame(items: list[dict], kind: str, columns: list[str]) -> pl.DataFrame:
    rows = [{c: b.get(c) for c in columns} for b in items if b["genre"] == kind]
    return pl.DataFrame(rows, schema={c: pl.String for c in columns})


def _networks(ctx) -> dict[str, str]:
    index = ui.query(tq.territory_index, ctx.annee)
    return {t.code: t.label for t in index.values() if t.niveau == "reseau"}


def _editor(ctx, periode: str, current: dict | None) -> list[dict] | None:
    """The draft's form; the blocks to save when « Enregistrer » is clicked."""
    items = ui.query_uncached(store.blocks, current["id"]) if current else []
    earlier = None if current else ui.query_uncached(store.earlier_draft, ctx.annee, periode)
    if earlier:
        items = earlier["blocs"]
        st.info(f"Le brouillon préparé pour le bilan au {fmt.date_long(earlier['periode_fin'])} est repris : un bilan "
                "plus récent est arrivé avant sa publication. Enregistrez-le pour la lettre de ce bilan.")
    editorial = next((b for b in items if b["genre"] == "editorial"), {})
    networks = _networks(ctx)
    with st.form("lettre_brouillon", border=True):
        st.markdown("**Éditorial**")
        titre = st.text_input("Titre de l'éditorial", value=editorial.get("titre") or "Éditorial", max_chars=200)
        texte = st.text_area("Texte de l'éditorial", value=editorial.get("texte") or "", height=180,
                             help="Un paragraphe par bloc de texte : laissez une ligne vide entre deux paragraphes.")
        st.markdown("**Pratiques à partager** — une ligne par pratique : son réseau et la fonction de la personne "
                    "à contacter, sans nom de personne.")
        practices = st.data_editor(
            _blocks_frame(items, "pratique", ["titre", "reseau_code", "contact", "texte"]), num_rows="dynamic",
            key="lettre_pratiques", width="stretch",
            column_config={
                "titre": st.column_config.TextColumn("Titre", max_chars=200, required=True),
                "reseau_code": st.column_config.SelectboxColumn("Réseau", options=list(networks),
                                                                 format_func=lambda c: networks.get(c, c)),
                "contact": st.column_config.TextColumn("Contact (fonction)", max_chars=120),
                "texte": st.column_config.TextColumn("Description", max_chars=4000, width="large"),
            })
        st.markdown("**Agenda**")
        agenda = st.data_editor(
            _blocks_frame(items, "agenda", ["date_evenement", "titre", "lieu", "texte"]), num_rows="dynamic",
            key="lettre_agenda", width="stretch",
            column_config={
                "date_evenement": st.column_config.TextColumn("Date (AAAA-MM-JJ)", max_chars=10,
                                                              validate=r"^\d{4}-\d{2}-\d{2}$"),
                "titre": st.column_config.TextColumn("Événement", max_chars=200, required=True),
                "lieu": st.column_config.TextColumn("Lieu", max_chars=200),
                "texte": st.column_config.TextColumn("Précisions", max_chars=1000, width="large"),
            })
        saved = st.form_submit_button("Enregistrer le brouillon", type="primary", icon=":material/save:")
    if not saved:
        return None
    out = [{"genre": "editorial", "titre": titre, "texte": texte}]
    out += [{"genre": "pratique", **r} for r in practices.iter_rows(named=True)] if isinstance(practices, pl.DataFrame) \
        else [{"genre": "pratique", **r} for r in practices.to_dict("records")]
    out += [{"genre": "agenda", **r} for r in agenda.iter_rows(named=True)] if isinstance(agenda, pl.DataFrame) \
        else [{"genre": "agenda", **r} for r in agenda.to_dict("records")]
    return out


def _preview(ctx, periode: str, current: dict | None) -> None:
    content = ui.query(store.preview_figures, ctx.annee, periode)
    items = ui.query_uncached(store.blocks, current["id"]) if current else []
    blocks = ui.query_uncached(letter.blocks_content, ctx.annee, items)
    view = letter.view({**content, **blocks}, ctx.scope)
    st.subheader("Aperçu de la lettre")
    st.caption("L'aperçu montre la version de l'académie entière (recteur, CSAIO, coordination MLDS). Chaque "
               "destinataire reçoit les chiffres de l'académie et ceux de son seul territoire.")
    left, right = st.columns(2)
    ui.download_button(left, "Télécharger l'aperçu (PDF)", lambda: pdf.render(view), store.filename(view, ".pdf"),
                       PDF_MIME, key="lettre_apercu_pdf", ctx=ctx, icon=":material/picture_as_pdf:", width="stretch")
    ui.download_button(right, "Télécharger l'aperçu (HTML)", lambda: letter_html.document(view).encode("utf-8"),
                       store.filename(view, ".html"), HTML_MIME, key="lettre_apercu_html", ctx=ctx,
                       icon=":material/html:", width="stretch")
    show_letter(view)


def _publish(ctx, periode: str, numero: int) -> None:
    st.subheader("Publication")
    st.markdown(f"La lettre sera publiée sous le **n° {numero}**, avec les chiffres du bilan au "
                f"{fmt.date_long(periode)} : elle est alors figée (texte, chiffres, fichiers HTML et PDF) et rejoint "
                "l'archive. Sa version pour chaque département, PSAD et réseau est composée au même moment.")
    confirmed = st.checkbox("Je confirme : une lettre publiée ne peut plus être modifiée.", key="lettre_confirmer")
    if st.button(f"Publier la lettre n° {numero}", type="primary", disabled=not confirmed,
                 icon=":material/publish:", key="lettre_publier"):
        with st.spinner("Publication : composition de la lettre de chaque territoire, mise en page…"):
            try:
                row = store.publish(ui.engine(), ctx.scope, ctx.annee, periode)
            except store.LetterRefused as exc:
                st.error(exc.message)
                return
        ui.clear_caches()
        st.success(f"Lettre n° {row['numero']} publiée. Elle est dans l'archive et peut être diffusée (onglet "
                   "« Diffusion »).")


def _prepare(ctx) -> None:
    periode = ui.query_uncached(letter.latest_period, ctx.annee)
    if periode is None:
        st.info(f"Aucun bilan n'a été reçu pour l'année {ctx.annee} : pas de lettre à préparer.")
        return
    current = ui.query_uncached(store.find, ctx.annee, periode)
    if current and current["statut"] == store.PUBLISHED:
        st.success(f"La lettre n° {current['numero']} du bilan au {fmt.date_long(periode)} est publiée : la suivante "
                   "se prépare quand le bilan suivant est reçu. Diffusion et archive dans les onglets voisins.")
        return
    st.markdown(f"Lettre du **bilan au {fmt.date_long(periode)}** (dernier bilan reçu, année {ctx.annee}). Les "
                "chiffres et les phrases viennent des chiffres publiés, avec le secret statistique de tous les "
                "autres canaux ; vous rédigez l'éditorial, les pratiques à partager et l'agenda.")
    if current:
        st.caption(f"Brouillon enregistré le {_when(current['modifiee_le'])} par {plain(current['modifiee_par'])}.")
    blocks = _editor(ctx, periode, current)
    if blocks is not None:
        try:
            store.save_draft(ui.engine(), ctx.scope, ctx.annee, periode, blocks)
        except store.LetterRefused as exc:
            st.error(exc.message)
        else:
            st.success("Brouillon enregistré.")
            current = ui.query_uncached(store.find, ctx.annee, periode)
    _preview(ctx, periode, current)
    _publish(ctx, periode, ui.query_uncached(store.next_number))


def _when(value) -> str:
    return fmt.date_time(value, long=True)


def _letter_label(row: dict) -> str:
    return (f"Lettre n° {row['numero']} — bilan au {fmt.date_long(row['periode_fin'])} (publiée le "
            f"{_when(row['publiee_le'])})")


def _recipients_section(ctx) -> None:
    people = ui.query_uncached(recipients.listed)
    st.subheader("Destinataires")
    if people:
        frame = pl.DataFrame(people).with_columns(
            pl.col("role").replace_strict(ROLE_LABELS, default=pl.col("role")).alias("Rôle"))
        counts = frame.group_by("Rôle").len().sort("len", descending=True)
        st.markdown(f"{fmt.integer(len(people))} destinataires : " + ", ".join(
            f"{plain(r)} ({fmt.integer(n)})" for r, n in counts.iter_rows()) + ".")
    else:
        st.info("Aucun destinataire : chargez la liste (fichier CSV : email;nom;role;territoire_code).")
    with st.expander("Charger la liste des destinataires (remplace la liste actuelle)"):
        st.caption("Même format que le fichier des utilisateurs : une adresse, un rôle (recteur, csaio, dasen, "
                   "ien-io, psad, reseau, lecteur, mlds) et, hors rôles académiques, un territoire. Chacun reçoit "
                   "la lettre de l'académie et la partie de son seul territoire.")
        ui.download_button(st, "Modèle du fichier des destinataires", recipients.TEMPLATE.encode("utf-8"),
                           "destinataires-lettre-mlds.csv", CSV_MIME, key="lettre_modele_destinataires")
        upload = st.file_uploader("Fichier des destinataires (.csv)", type=["csv"], key="lettre_destinataires")
        if upload is not None and st.button("Remplacer la liste", key="lettre_remplacer"):
            try:
                count = recipients.replace(ui.engine(), ctx.scope, upload.getvalue())
            except recipients.RecipientsInvalid as exc:
                st.error("Fichier refusé, rien n'a été modifié :\n\n" + "\n".join(
                    f"- {plain(str(p))}" for p in exc.problems))
            else:
                st.success(f"{fmt.integer(count)} destinataires enregistrés.")


def _dry_run_zip(ctx, lettre_id: int) -> bytes:
    with tempfile.TemporaryDirectory(prefix="lettre-essai-") as folder:
        outcomes = sending.distribute(ui.engine(), ctx.scope, lettre_id, dry_run_dir=Path(folder))
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for outcome in outcomes:
                if outcome.path is not None:
                    archive.write(outcome.path, outcome.path.name)
    st.session_state[RESULTS] = outcomes
    return buffer.getvalue()


def _outcomes(outcomes) -> None:
    failed = [o for o in outcomes if not o.sent]
    if failed:
        st.warning(f"{len(failed)} échec(s) sur {len(outcomes)} destinataires ; les autres messages sont partis.")
    else:
        st.success(f"{len(outcomes)} message(s) traité(s) sans échec.")
    st.dataframe(pl.DataFrame({"Destinataire": [o.email for o in outcomes],
                               "Territoire": [o.territoire_code or "" for o in outcomes],
                               "Résultat": ["réussi" if o.sent else "échec" for o in outcomes],
                               "Détail": [o.detail for o in outcomes]}), hide_index=True, width="stretch")


def _distribute(ctx) -> None:
    letters = ui.query_uncached(store.published)
    _recipients_section(ctx)
    st.subheader("Envoi")
    if not letters:
        st.info("Aucune lettre publiée : publiez d'abord la lettre (onglet « Lettre en préparation »).")
        return
    chosen = st.selectbox("Lettre à diffuser", letters, format_func=_letter_label, key="lettre_a_diffuser")
    config = sending.load_config()
    left, right = st.columns(2)
    if left.button("Essai : écrire les messages sans les envoyer", icon=":material/science:", key="lettre_essai",
                   width="stretch"):
        try:
            st.session_state[ESSAI] = (chosen["id"], _dry_run_zip(ctx, chosen["id"]))
        except sending.SendingRefused as exc:
            st.error(exc.message)
    essai = st.session_state.get(ESSAI)
    if essai and essai[0] == chosen["id"]:
        ui.download_button(left, "Télécharger les messages d'essai (.eml, ZIP)", essai[1],
                           store.filename(chosen, "-essai.zip"), ZIP_MIME, key="lettre_essai_zip_bouton", ctx=ctx,
                           width="stretch")
    if config is None:
        right.info("Envoi réel non configuré : indiquez le serveur d'envoi de l'académie (DASHBOARD_SMTP_HOST, "
                   "ou [lettre.smtp] dans .streamlit/secrets.toml ; voir Méthodologie).")
    else:
        people = ui.query_uncached(recipients.listed)
        confirmed = right.checkbox(f"Envoyer à {len(people)} destinataires par {plain(config.host)}",
                                   key="lettre_confirmer_envoi")
        if right.button("Envoyer la lettre", type="primary", disabled=not confirmed, icon=":material/send:",
                        key="lettre_envoyer", width="stretch"):
            bar = st.progress(0.0, text="Envoi en cours…")
            try:
                st.session_state[RESULTS] = sending.distribute(
                    ui.engine(), ctx.scope, chosen["id"], config=config,
                    progress=lambda done, total: bar.progress(done / total, text=f"Envoi : {done} sur {total}"))
            except sending.SendingRefused as exc:
                st.error(exc.message)
    if st.session_state.get(RESULTS):
        _outcomes(st.session_state[RESULTS])
    history = ui.query_uncached(sending.history, chosen["id"])
    if history:
        with st.expander(f"Historique des envois de cette lettre ({len(history)})"):
            st.dataframe(pl.DataFrame({
                "Date": [_when(h["horodatage"]) for h in history],
                "Destinataire": [h["email"] for h in history],
                "Mode": ["essai" if h["mode"] == "essai" else "envoi" for h in history],
                "Résultat": ["réussi" if h["statut"] == "envoye" else "échec" for h in history],
                "Détail": [h["detail"] or "" for h in history],
                "Par": [h["utilisateur"] for h in history]}), hide_index=True, width="stretch")


def _archive(ctx) -> None:
    letters = ui.query_uncached(store.published)
    if not letters:
        st.info("Aucune lettre n'a encore été publiée.")
        return
    st.dataframe(pl.DataFrame({"N°": [r["numero"] for r in letters],
                               "Bilan": [fmt.date_long(r["periode_fin"]) for r in letters],
                               "Année scolaire": [r["annee_scolaire"] for r in letters],
                               "Publiée le": [_when(r["publiee_le"]) for r in letters]}),
                 hide_index=True, width="stretch")
    chosen = st.selectbox("Lettre", letters, format_func=_letter_label, key="lettre_archive")
    if letter.variant_key(ctx.scope) != letter.FULL:
        st.caption("Votre version de la lettre : les chiffres de l'académie et ceux de votre territoire.")

    def files() -> tuple[str, bytes]:
        return ui.query_uncached(store.reader_files, chosen["id"], ctx.scope)

    left, right = st.columns(2)
    ui.download_button(left, "Télécharger la lettre (PDF)", lambda: files()[1], store.filename(chosen, ".pdf"),
                       PDF_MIME, key=f"lettre_pdf_{chosen['id']}", ctx=ctx, type="primary",
                       icon=":material/picture_as_pdf:", width="stretch")
    ui.download_button(right, "Télécharger la lettre (HTML)", lambda: files()[0].encode("utf-8"),
                       store.filename(chosen, ".html"), HTML_MIME, key=f"lettre_html_{chosen['id']}", ctx=ctx,
                       icon=":material/html:", width="stretch")
    content = ui.query_uncached(store.published_content, chosen["id"])
    show_letter(letter.view(content, ctx.scope))


def body() -> None:
    ctx = ui.page_context("Lettre de la MLDS", with_territory=False)
    st.markdown("La lettre de la Mission de lutte contre le décrochage scolaire informe les acteurs après chaque "
                "bilan bimestriel : chiffres clés et trajectoire de l'académie, progression de chaque département et "
                "réseau, absentéisme, prévention, sites MLDS, pratiques à partager et agenda. Année scolaire : "
                f"**{ctx.annee}** (barre latérale).")
    if ctx.scope.can_edit_letter:
        tabs = st.tabs(["Lettre en préparation", "Diffusion", "Lettres publiées"])
        with tabs[0]:
            _prepare(ctx)
        with tabs[1]:
            _distribute(ctx)
        with tabs[2]:
            _archive(ctx)
    else:
        st.caption("La lettre est rédigée et diffusée par le recteur, le CSAIO et la coordination MLDS ; vous "
                   "lisez la version de votre profil.")
        _archive(ctx)


ui.run_page(body)
