"""Identity and roles in the app (AppTest): what each test user sees, what is refused.

Proxy mode reads the user from ``X-Remote-User`` (replaced here, AppTest cannot send headers; the
browser test ``test_access_browser.py`` sends real ones). Users: ``config/utilisateurs.example.csv``.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dashboard.access import audit
from dashboard.store import database, db
from dashboard.ui.access import LOCAL_NOTICE, UNAUTHORIZED_TITLE
from dashboard.ui.page import GENERIC_ERROR
from dashboard.ui.registry import all_pages
from tests.support.access import (
    EXAMPLE_USERS,
    OUT_OF_SCOPE_17,
    SCHOOL_17,
    all_text,
    chart_text,
    territory_box,
)

# user → (default territory, territory selector options: codes in display order, caption)
ROLES = {
    "recteur": ("ACAD", 29, "Connecté : Recteur (recteur)"),
    "csaio": ("ACAD", 29, "Connecté : CSAIO (csaio)"),
    "dasen17": ("17", 12, "Connecté : DASEN (dasen17)"),
    "ien79": ("79", 6, "Connecté : IEN-IO (ien79)"),
    "psad86poi": ("P86-POI", 5, "Connecté : Coordination PSAD (psad86poi)"),
    "reseau16ang": ("R16-ANG", 4, "Connecté : Responsable de réseau FOQUALE (reseau16ang)"),
    "lecteur": ("ACAD", 1, "Connecté : Lecteur (agrégats académiques) (lecteur)"),
}
IEN79_OPTIONS = ["Académie de Poitiers", "Deux-Sèvres (79)", "Deux-Sèvres (79) › PSAD Bressuire",
                 "Deux-Sèvres (79) › PSAD Niort", "Deux-Sèvres (79) › PSAD Bressuire › Réseau Nord Deux-Sèvres",
                 "Deux-Sèvres (79) › PSAD Niort › Réseau Niort"]


def _no_failure(at) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert GENERIC_ERROR not in [e.value for e in at.error]


def _audit_rows(url: str) -> list[tuple]:
    engine = database.make_engine(url)
    log = db.audit_log
    with engine.connect() as conn:
        rows = conn.execute(select(log.c.utilisateur, log.c.action, log.c.page, log.c.territoire_code,
                                   log.c.detail).order_by(log.c.id)).all()
    engine.dispose()
    return [tuple(r) for r in rows]


@pytest.mark.parametrize("user", sorted(ROLES))
def test_each_role_sees_only_its_territories(run_app, user):
    default, count, caption = ROLES[user]
    at = run_app("", user=user)
    _no_failure(at)
    box = territory_box(at)
    assert box.value == default
    assert len(box.options) == count
    captions = [c.value for c in at.sidebar.caption]
    assert caption in captions
    assert LOCAL_NOTICE not in captions
    if user == "ien79":
        assert [o.strip() for o in box.options] == IEN79_OPTIONS


@pytest.mark.parametrize("forged", ["17", "R17-LRO", "P17-SAI", "16", "R99-XXX", "<b>x</b>"])
def test_forged_url_parameter_falls_back_with_a_warning(run_app, forged):
    at = run_app("", user="ien79", territoire=forged, annee="2014-2015")
    _no_failure(at)
    assert territory_box(at).value == "79"
    assert at.query_params["territoire"] in ("79", ["79"])
    # the notice is in the page body (issue 15), saying what was asked and what is shown instead
    warnings = [w.value.replace("\\", "") for w in at.main.warning]  # Markdown escapes of ui.plain
    assert any("n'existe pas en 2014-2015 ou n'est pas accessible" in w and "Deux-Sèvres (79)" in w
               for w in warnings), warnings


def test_lecteur_cannot_open_a_department_by_url(run_app):
    at = run_app("raccrochage", user="lecteur", territoire="79")
    _no_failure(at)
    assert territory_box(at).value == "ACAD" and len(territory_box(at).options) == 1


@pytest.mark.parametrize("headers", [{"X-Remote-User": "inconnu"}, {}, {"X-Remote-User": ""},
                                     {"X-Forwarded-User": "recteur"}])
def test_unknown_or_missing_user_gets_only_the_unauthorized_page(run_app, app_db_url, headers):
    at = run_app("", headers=headers)
    assert not at.exception
    assert [t.value for t in at.title] == [UNAUTHORIZED_TITLE]
    assert territory_box(at) is None and not at.sidebar.selectbox
    assert not at.metric and not at.dataframe and not at.get("plotly_chart")
    assert not any("Connecté" in c.value for c in at.sidebar.caption)
    denied = [r for r in _audit_rows(app_db_url) if r[1] == audit.DENIED]
    assert len(denied) == 1


@pytest.mark.parametrize("spec", all_pages(), ids=lambda s: s.url_path or "accueil")
def test_every_page_refuses_an_unknown_user(run_app, spec):
    at = run_app(spec.url_path, user="intrus", territoire="ACAD")
    assert not at.exception
    assert [t.value for t in at.title] == [UNAUTHORIZED_TITLE]
    assert not at.sidebar.selectbox and not at.metric and not at.dataframe and not at.get("plotly_chart")


def test_forged_header_is_ignored_in_local_mode(run_app):
    at = run_app("", mode="local", headers={"X-Remote-User": "lecteur"})
    _no_failure(at)
    assert territory_box(at).value == "ACAD" and len(territory_box(at).options) == 29
    captions = [c.value for c in at.sidebar.caption]
    assert LOCAL_NOTICE in captions and "Connecté : Recteur (local)" in captions


def test_unknown_user_in_local_mode_is_still_the_rector(run_app):
    at = run_app("", mode="local", headers={"X-Remote-User": "intrus"})
    _no_failure(at)
    assert len(territory_box(at).options) == 29


def test_invalid_mode_closes_the_app(run_app):
    at = run_app("", mode="ouvert", user="recteur")
    assert not at.exception
    assert [t.value for t in at.title] == [UNAUTHORIZED_TITLE]
    assert "configuration" in at.error[0].value


def test_invalid_users_file_changes_nothing_and_refuses(run_app, tmp_path):
    bad = tmp_path / "utilisateurs.csv"
    bad.write_text("identifiant;nom;role;territoire_code\nien79;;chef;79\n", encoding="utf-8")
    at = run_app("", user="ien79", users_file=bad)
    assert [t.value for t in at.title] == [UNAUTHORIZED_TITLE]  # empty table, nobody gets in


def test_users_file_reloads_when_it_changes(run_app, tmp_path):
    users = tmp_path / "utilisateurs.csv"
    users.write_text("identifiant;nom;role;territoire_code\nien79;;ien-io;79\n", encoding="utf-8")
    at = run_app("", user="ien79", users_file=users)
    assert territory_box(at).value == "79"
    users.write_text("identifiant;nom;role;territoire_code\nien79;;reseau;R79-NIO\nautre;;lecteur;\n",
                     encoding="utf-8")
    at = run_app("", user="ien79", users_file=users)
    assert territory_box(at).value == "R79-NIO" and len(territory_box(at).options) == 4


def test_page_views_are_audited_once_per_view(run_app, app_db_url):
    at = run_app("", user="ien79", annee="2014-2015")
    views = [r for r in _audit_rows(app_db_url) if r[1] == audit.VIEW]
    assert views == [("ien79", audit.VIEW, "Accueil", "79", "annee=2014-2015")]
    at.run()  # a rerun of the same view
    assert len([r for r in _audit_rows(app_db_url) if r[1] == audit.VIEW]) == 1
    territory_box(at).select("R79-NIO").run()
    rows = [r for r in _audit_rows(app_db_url) if r[1] == audit.VIEW]
    assert rows[-1][:4] == ("ien79", audit.VIEW, "Accueil", "R79-NIO")


SCAN_PAGES = [s for s in all_pages() if s.url_path not in {"methodologie", "importer"}]
SCAN_CASES = [
    pytest.param(spec, territory, id=f"{spec.url_path or 'accueil'}-{territory}")
    for spec in SCAN_PAGES for territory in ("79", "ACAD", "R79-NIO")
]


@pytest.mark.parametrize(("spec", "territory"), SCAN_CASES)
def test_ien79_sees_nothing_of_charente_maritime(run_app, spec, territory):
    """Done-when of issue 9: no figure, table row or school of Charente-Maritime on any page (the
    map may draw the outlines of out-of-scope territories, without figures)."""
    at = run_app(spec.url_path, user="ien79", territoire=territory, annee="2014-2015")
    _no_failure(at)
    assert territory_box(at).value == territory
    leaks = sorted(set(OUT_OF_SCOPE_17.findall(all_text(at))) | set(SCHOOL_17.findall(chart_text(at))))
    assert not leaks, leaks


def test_demo_data_present_for_the_scan(app_db_url):
    """The scans above ran on demonstration data, not on geography alone."""
    engine = database.make_engine(app_db_url)
    with engine.connect() as conn:
        assert db.get_meta(conn, "demo") == "1"
        assert conn.execute(select(db.bilans.c.reseau_code)).first() is not None
    engine.dispose()


def _journal_page():
    from dashboard.ui import page as ui

    def body():
        ctx = ui.page_context("Données chargées")
        ui.audit_export(ctx, "essai.csv")
        ui.render_audit_log(ctx)

    ui.run_page(body)


@pytest.fixture
def run_journal(app_db_url, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from dashboard.access import auth
    from dashboard.ui import access as ui_access

    def run(user: str):
        monkeypatch.setenv(database.ENV_URL, app_db_url)
        monkeypatch.setenv(auth.ENV_MODE, "proxy")
        monkeypatch.setenv(auth.ENV_USERS_FILE, str(EXAMPLE_USERS))
        monkeypatch.setattr(ui_access, "request_headers", lambda: {"X-Remote-User": user})
        return AppTest.from_function(_journal_page, default_timeout=90).run()

    return run


@pytest.mark.parametrize("user", ["recteur", "csaio"])
def test_journal_lists_views_and_exports_for_recteur_and_csaio(run_journal, run_app, user):
    run_app("", user="ien79", territoire="R79-NIO")  # someone else's view first
    at = run_journal(user)
    _no_failure(at)
    assert "Journal des consultations" in [h.value for h in at.subheader]
    table = at.dataframe[0].value
    assert list(table.columns) == ["Date (heure de Paris)", "Utilisateur", "Action", "Page", "Territoire", "Détail"]
    rows = table.to_dict("records")
    assert rows[0]["Action"] == "Export" and rows[0]["Utilisateur"] == user
    assert rows[0]["Détail"].startswith("essai.csv ; année scolaire ")  # never the stored « annee=… »
    assert {"Utilisateur": "ien79", "Action": "Consultation", "Page": "Accueil",
            "Territoire": "Réseau Niort (R79-NIO)"}.items() <= next(r for r in rows if r["Utilisateur"] == "ien79").items()
    assert not any("annee=" in r["Détail"] or r["Territoire"] == "ACAD" for r in rows)
    at.selectbox(key="journal_action").select("export").run()
    assert set(at.dataframe[0].value["Action"]) == {"Export"}
    at.text_input(key="journal_utilisateur").input("IEN79").run()  # ien79 exported nothing
    assert not at.dataframe
    assert any("Aucune ligne" in c.value for c in at.caption)
    at.selectbox(key="journal_action").select("consultation").run()
    assert set(at.dataframe[0].value["Utilisateur"]) == {"ien79"}


@pytest.mark.parametrize("user", ["dasen17", "ien79", "psad86poi", "reseau16ang", "lecteur"])
def test_journal_is_hidden_from_other_roles(run_journal, user):
    at = run_journal(user)
    _no_failure(at)
    assert "Journal des consultations" not in [h.value for h in at.subheader]
    assert not at.dataframe


@pytest.mark.parametrize("user", ["ien79", "lecteur", "reseau16ang"])
def test_import_is_refused_below_the_academie(run_app, user):
    at = run_app("importer", user=user)
    _no_failure(at)
    assert any(e.value.startswith("Accès non autorisé") for e in at.error), [e.value for e in at.error]
    assert not at.get("file_uploader")


def test_import_is_open_to_the_csaio(run_app):
    at = run_app("importer", user="csaio")
    _no_failure(at)
    assert not any(e.value.startswith("Accès non autorisé") for e in at.error)
