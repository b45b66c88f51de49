"""AppTest of the « Lettre de la MLDS » page: the editors (recteur in local mode, the MLDS
coordinator) write, preview and publish the letter; a reader outside the académie-wide roles reads
the archive in their own version only."""

from __future__ import annotations

from dashboard.access.scope import Scope
from dashboard.lettre import recipients, store
from dashboard.store import database
from tests.support.apptest import assert_no_exception

YEAR, PERIOD = "2016-2017", "2017-04-30"
EDITOR = Scope("mlds", "ACAD", "mlds")


def _html(at) -> str:
    """Everything the page writes (markdown, captions, metrics), escapes removed."""
    import re

    texts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    texts += [f"{m.label} {m.value}" for m in at.metric]
    return re.sub(r"\\(.)", r"\1", " ".join(texts))


def _publish(url: str) -> None:
    engine = database.make_engine(url)
    try:
        store.save_draft(engine, EDITOR, YEAR, PERIOD, [{"genre": "editorial", "texte": "Le mot de la MLDS."}])
        store.publish(engine, EDITOR, YEAR, PERIOD)
    finally:
        engine.dispose()


def test_the_editor_saves_a_draft_and_previews_it(run_app):
    at = run_app("lettre", mode="local", annee=YEAR)
    assert_no_exception(at)
    assert [t.label for t in at.tabs] == ["Lettre en préparation", "Diffusion", "Lettres publiées"]
    assert "Lettre de la MLDS (brouillon) — bilan au 30 avril 2017" in _html(at)
    assert "Chiffres provisoires" in _html(at) and "Données de démonstration" in _html(at)
    at.text_area[0].input("Un bimestre de mobilisation.\n\nMerci à tous les réseaux.")
    at.button(key="FormSubmitter:lettre_brouillon-Enregistrer le brouillon").click().run()
    assert_no_exception(at)
    assert "Brouillon enregistré." in [s.value for s in at.success]
    assert "Un bimestre de mobilisation." in _html(at) and "Merci à tous les réseaux." in _html(at)
    labels = [b.proto.label for b in at.get("download_button")]
    assert "Télécharger l'aperçu (PDF)" in labels and "Télécharger l'aperçu (HTML)" in labels
    assert at.button(key="lettre_publier").disabled  # until the publication is confirmed


def test_the_mlds_coordinator_publishes_from_the_page(run_app):
    at = run_app("lettre", user="mlds", annee=YEAR)
    assert_no_exception(at)
    at.checkbox(key="lettre_confirmer").check().run()
    at.button(key="lettre_publier").click().run()
    assert_no_exception(at)
    assert any(s.value.startswith("Lettre n° 1 publiée.") for s in at.success), [s.value for s in at.success]
    again = at.run()
    assert any("La lettre n° 1 du bilan au 30 avril 2017 est publiée" in s.value for s in again.success)
    assert "Lettre de la MLDS n° 1 — bilan au 30 avril 2017" in _html(again)  # the archive tab
    labels = [b.proto.label for b in again.get("download_button")]
    assert "Télécharger la lettre (PDF)" in labels and "Télécharger la lettre (HTML)" in labels


def test_a_network_head_reads_their_version_only(run_app, app_db_url):
    _publish(app_db_url)
    at = run_app("lettre", user="reseau16ang", annee=YEAR)
    assert_no_exception(at)
    assert not at.tabs  # no writing, no sending
    html = _html(at)
    assert "Votre territoire : Réseau Angoulême" in html and "Le mot de la MLDS." in html
    assert "Cognac" not in html and "Réseau Niort" not in html


def test_the_distribution_tab_loads_recipients_and_explains_a_bad_file(run_app, app_db_url):
    _publish(app_db_url)
    engine = database.make_engine(app_db_url)
    try:
        recipients.replace(engine, EDITOR, b"email;role;territoire_code\na@ac-poitiers.fr;reseau;R16-ANG\n")
    finally:
        engine.dispose()
    at = run_app("lettre", mode="local", annee=YEAR)
    assert_no_exception(at)
    assert any("1 destinataires : Responsable de réseau FOQUALE (1)" in m.value.replace("\\", "") for m in at.markdown)
    assert any("Envoi réel non configuré" in i.value for i in at.info)
    at.button(key="lettre_essai").click().run()
    assert_no_exception(at)
    assert any("1 message(s) traité(s) sans échec." == s.value for s in at.success)
    assert "Télécharger les messages d'essai (.eml, ZIP)" in [b.proto.label for b in at.get("download_button")]
