"""The « Importer des données » page with AppTest: upload, report, confirmed import, demo data removal."""

from __future__ import annotations

import pytest
from sqlalchemy import insert

from dashboard.store import database, db, lifecycle
from tests.support import ROOT
from tests.support.apptest import assert_no_exception
from tests.support.importer import (
    ABSENCE_HEADER,
    FIXTURES,
    NEW_A,
    NEW_B,
    RECTORAT,
    SCHOOLS,
    bilan,
    bilans_file,
    csv_bytes,
    snapshot,
)

PAGE = str(ROOT / "pages" / "importer.py")


@pytest.fixture
def page_db(tmp_path):
    """(URL, engine) of a fresh SQLite database with the reference geography and ``SCHOOLS``."""
    url = f"sqlite:///{tmp_path / 'page.sqlite'}"
    engine = database.make_engine(url)
    lifecycle.init_database(engine)
    with engine.begin() as conn:
        conn.execute(insert(db.etablissements), SCHOOLS)
    yield url, engine
    engine.dispose()


@pytest.fixture
def open_page(monkeypatch):
    from streamlit.testing.v1 import AppTest

    def run(url: str):
        monkeypatch.setenv(database.ENV_URL, url)
        at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=60)
        at.run()
        at.switch_page(PAGE)
        at.run()
        return at

    return run


def upload(at, name: str, data: bytes, mime: str = "text/csv"):
    at.file_uploader[0].set_value((name, data, mime))
    at.run()
    return at


def labels(at, kind: str) -> list[str]:
    return [e.label for e in at.get(kind)]


def test_page_renders_templates_and_history(page_db, open_page):
    at = open_page(page_db[0])
    assert_no_exception(at)
    assert at.title[0].value == "Importer des données"
    downloads = labels(at, "download_button")
    assert downloads.count("Modèle CSV") == 8 and downloads.count("Modèle XLSX") == 8  # référents, GPDS included
    assert "Aucun import pour l'instant." in [c.value for c in at.caption]


def test_upload_preview_confirm_and_history(page_db, open_page):
    url, engine = page_db
    at = upload(open_page(url), "objectifs.csv", (FIXTURES / "objectifs.csv").read_bytes())
    assert_no_exception(at)
    assert any("aucune erreur" in s.value for s in at.success)
    preview = at.dataframe[0].value
    assert list(preview.columns)[:3] == ["Ligne", "annee_scolaire", "territoire_code"] and len(preview) == 4
    assert snapshot(engine)["objectifs"] == []  # nothing written before the confirmation
    at.button(key="confirmer_import").click()
    at.run()
    assert_no_exception(at)
    assert any(s.value.startswith("Import réussi (Objectifs) : 4 lignes ajoutées") for s in at.success)
    assert len(snapshot(engine)["objectifs"]) == 4
    history = at.dataframe[-1].value
    assert history["Fichier"].tolist() == ["objectifs.csv"] and history["Type"].tolist() == ["Objectifs"]
    assert len(at.dataframe) == 1 and "Importer ce fichier" not in labels(at, "button")  # the uploader is empty again


def test_bad_file_shows_the_report_and_no_import_button(page_db, open_page):
    at = upload(open_page(page_db[0]), "bilans.csv", (FIXTURES / "bilans-erreurs.csv").read_bytes())
    assert_no_exception(at)
    assert any("7 erreurs" in e.value for e in at.error)
    report = at.dataframe[1].value
    assert list(report.columns) == ["Gravité", "Ligne", "Colonne", "Valeur", "Règle", "Explication"]
    assert len(report) == 7
    assert "Importer ce fichier" not in labels(at, "button")
    assert {"Télécharger (CSV)", "Télécharger (XLSX)"} <= set(labels(at, "download_button"))


def test_file_text_is_never_rendered_as_markup(page_db, open_page):
    row = bilan(reseau="<b>R86</b>")
    at = upload(open_page(page_db[0]), "<img src=x>.csv", bilans_file(row))
    assert_no_exception(at)
    shown = " ".join(m.value for m in at.markdown) + " ".join(m.value for m in at.error)
    assert "<b>" not in shown and "<img" not in shown


def test_unreadable_file_gives_a_french_message(page_db, open_page):
    at = upload(open_page(page_db[0]), "image.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    assert_no_exception(at)
    assert at.error and "binaire" in at.dataframe[0].value["Explication"][0]


def test_kind_can_be_forced(page_db, open_page):
    at = open_page(page_db[0])
    at.selectbox(key="type_import").set_value("bilans")
    at.run()
    upload(at, "objectifs.csv", (FIXTURES / "objectifs.csv").read_bytes())
    assert_no_exception(at)
    assert any("Bilans bimestriels" in m.value for m in at.markdown)
    assert at.error  # objectifs headers are not a bilans file


def test_clear_demo_data(page_db, open_page):
    url, engine = page_db
    with engine.begin() as conn:
        db.set_meta(conn, "demo", "1")
        conn.execute(insert(db.bilans), [dict(zip(
            ["annee_scolaire", "periode_fin", "reseau_code", *db.BILAN_COUNT_COLUMNS], bilan(), strict=True))])
    at = open_page(url)
    button = next(b for b in at.button if b.label == "Effacer les données de démonstration")
    assert button.disabled
    at.checkbox(key="confirmer_effacement").check()
    at.run()
    next(b for b in at.button if b.label == "Effacer les données de démonstration").click()
    at.run()
    assert_no_exception(at)
    assert any("Données de démonstration effacées" in s.value for s in at.success)
    after = snapshot(engine)
    assert after["bilans"] == [] and after["etablissements"] == []
    with engine.connect() as conn:
        assert db.get_meta(conn, "demo") == "0"


def test_long_report_starts_with_a_count_per_rule(page_db, open_page):

    rows = [["0860001J", f"2015-{m:02d}", 10, 20] for m in range(1, 13)] * 2
    at = upload(open_page(page_db[0]), "absences janvier.csv", csv_bytes(ABSENCE_HEADER[:4], rows))
    assert_no_exception(at)
    assert "**Problèmes par règle**" in [m.value for m in at.markdown]
    counts = at.dataframe[1].value
    # issue 24: absentees above enrolment on every line first says the columns are probably swapped
    assert counts["Règle"].tolist()[:3] == ["absentéistes ≤ effectif (vraisemblance)", "absentéistes ≤ effectif",
                                            "ligne en double"]
    assert counts["Nombre"].tolist()[:3] == ["1", "24", "12"]
    assert len(at.dataframe[2].value) == 41  # the report itself, every problem


def test_malformed_csv_gives_the_line_not_a_crash(page_db, open_page):
    data = b'uai;mois;effectif;eleves_absenteistes\r\n0860001J;"2015-01;500;20\r\n0860002K;2015-01;500;20\r\n'
    at = upload(open_page(page_db[0]), "absences.csv", data)
    assert_no_exception(at)
    report = at.dataframe[0].value
    assert report["Ligne"].tolist() == [2] and "guillemet" in report["Explication"][0]


# --- the column-mapping step (issue 16) -------------------------------------------------------------



def test_mapping_step_proposes_applies_saves_and_proposes_again(page_db, open_page):
    url, engine = page_db
    at = upload(open_page(url), "rectorat.csv", RECTORAT)
    assert_no_exception(at)
    assert "Correspondance des colonnes" in [h.value for h in at.subheader]
    # issue 24: « Numéro » holds UAI, but its header does not say so: the user chooses it
    uai = at.selectbox(key=next(k for k in keys(at, "selectbox") if k.endswith("_uai")))
    assert uai.value == "— aucune —"
    assert any("Colonnes obligatoires encore sans colonne du fichier : uai." in w.value for w in at.warning)
    uai.set_value("Numéro")
    at.run()
    assert not any("Colonnes obligatoires encore" in w.value for w in at.warning)
    assert f"Premières valeurs : {NEW_A} · {NEW_B}" in [t.value for t in at.text]
    toggle = at.toggle(key=next(k for k in keys(at, "toggle")))
    toggle.set_value(True)
    at.run()
    assert_no_exception(at)
    assert any("aucune erreur" in s.value for s in at.success)
    at.text_input(key=next(k for k in keys(at, "text_input"))).set_value("Rectorat")
    at.run()
    at.button(key="confirmer_import").click()
    at.run()
    assert_no_exception(at)
    assert any("2 lignes ajoutées" in s.value and "Correspondance « Rectorat » enregistrée" in s.value
               for s in at.success)
    assert {s[0] for s in snapshot(engine)["etablissements"]} >= {NEW_A, NEW_B}
    again = upload(open_page(url), "rectorat-2.csv", RECTORAT.replace(b"Lyc\xc3\xa9e B", b"Lyc\xc3\xa9e C"))
    assert_no_exception(again)
    assert any("Correspondance enregistrée reconnue pour ces en-têtes : « Rectorat »" in s.value
               for s in again.success)


def test_an_official_directory_needs_no_mapping_and_reports_rows_set_aside(page_db, open_page):
    data = ("Identifiant_de_l_etablissement;Nom_etablissement;Statut_public_prive;Code_commune;Code_departement;"
            "code_nature;libelle_nature\r\n"
            "0860001J;Collège A;Public;86194;086;340;COLLEGE\r\n"
            "0350001A;Collège de Rennes;Public;35238;035;340;COLLEGE\r\n").encode()
    at = upload(open_page(page_db[0]), "annuaire.csv", data)
    assert_no_exception(at)
    assert "Correspondance des colonnes" not in [h.value for h in at.subheader]
    assert any("1 ligne écartée (hors académie : 1)" in w.value for w in at.warning)


def keys(at, kind: str) -> list[str]:
    return [e.key for e in at.get(kind) if e.key]


def test_an_over_limit_file_is_refused_on_the_page_with_the_limit(page_db, open_page):
    """Issue 18: 10 000 columns in 60 Ko, answered at once in French, no traceback."""
    data = (";".join(f"c{i}" for i in range(10_000)) + "\r\n").encode()
    at = upload(open_page(page_db[0]), "colonnes.csv", data)
    assert_no_exception(at)
    report = at.dataframe[-1].value
    assert "250 au plus" in report["Explication"].iloc[0]
    assert "Importer ce fichier" not in labels(at, "button")


# --- imports a data manager can trust (issue 24) --------------------------------------------------


def test_the_bilans_of_the_issue_are_recognised_with_a_suggestion_for_a_name(page_db, open_page):
    from tests.support.importer import HUMAN, PERIODS, people_csv

    rows = [PERIODS[0], PERIODS[1], PERIODS[2][:2] + ["Royan"] + PERIODS[2][3:]]
    at = upload(open_page(page_db[0]), "bilans.csv", people_csv(HUMAN, rows))
    assert_no_exception(at)
    assert "Correspondance des colonnes" not in [h.value for h in at.subheader]
    assert "**Type de fichier :** Bilans bimestriels" in [m.value for m in at.markdown]
    report = at.dataframe[-1].value
    assert any("Vouliez-vous dire « R17-ROY » (Royan) ?" in e for e in report["Explication"])


def test_the_mapping_step_proposes_the_recognised_kind_and_names_what_is_left(page_db, open_page):
    from tests.support.importer import HUMAN, PERIODS, people_csv

    header = [*HUMAN[:7], "Retour lycée", *HUMAN[8:]]
    at = upload(open_page(page_db[0]), "bilans.csv", people_csv(header, PERIODS))
    assert_no_exception(at)
    kind = at.selectbox(key=next(k for k in keys(at, "selectbox") if k.startswith("corr_type_")))
    assert kind.value == "bilans"
    assert any("Colonnes obligatoires encore sans colonne du fichier : raccroches_formation_initiale." in w.value
               for w in at.warning)
    initiale = at.selectbox(key=next(k for k in keys(at, "selectbox") if k.endswith("_raccroches_formation_initiale")))
    assert initiale.value == "— aucune —"
    contrats = at.selectbox(key=next(k for k in keys(at, "selectbox") if k.endswith("_contrats_foquale")))
    assert contrats.value == "Contrats"
    assert "Premières valeurs : 30 · 25,0 · 20" in [t.value for t in at.text]
    name = at.text_input(key=next(k for k in keys(at, "text_input") if k.startswith("corr_nom_")))
    assert name.value.startswith("Bilans bimestriels — Année scolaire, Date de fin, Réseau")


def test_a_file_of_no_known_kind_asks_for_the_kind(page_db, open_page):
    at = upload(open_page(page_db[0]), "divers.csv", b"Colonne A;Colonne B\r\n1;2\r\n")
    assert_no_exception(at)
    kind = at.selectbox(key=next(k for k in keys(at, "selectbox") if k.startswith("corr_type_")))
    assert kind.value is None
    assert any("choisissez le type de fichier" in i.value for i in at.info)


def test_codes_at_hand_on_the_page(page_db, open_page):
    at = open_page(page_db[0])
    assert_no_exception(at)
    downloads = labels(at, "download_button")
    assert {"Liste CSV", "Liste XLSX", "Bilans pré-remplis XLSX"} <= set(downloads)
    period = at.selectbox(key="modele_bilans_periode")
    assert len(period.options) == 6 and period.value.endswith("-10-31")
    year = at.selectbox(key="modeles_annee")
    assert "Liste des territoires " + year.value in " ".join(m.value for m in at.markdown)
