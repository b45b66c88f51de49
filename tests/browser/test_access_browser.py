"""Identity in a real browser: the server runs in proxy mode with a users file and Chromium sends
the ``X-Remote-User`` header, as the académie's reverse proxy would (issue 9), with the proxy's
secret (issue 30: without it, the identity header is nobody's)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.app_server import streamlit_server
from tests.support.browser import check_visit, territory_options, visit

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("proxy-mode")]

ROOT = Path(__file__).resolve().parents[2]
USERS = ROOT / "config" / "utilisateurs.example.csv"
YEAR = "2014-2015"
IEN79_OPTIONS = ["Académie de Poitiers", "Deux-Sèvres (79)", "Deux-Sèvres (79) › PSAD Bressuire",
                 "Deux-Sèvres (79) › PSAD Niort", "Deux-Sèvres (79) › PSAD Bressuire › Réseau Nord Deux-Sèvres",
                 "Deux-Sèvres (79) › PSAD Niort › Réseau Niort"]


SECRET = "secret-du-proxy-de-test-" + "x" * 32  # what nginx would add (``auth.PROXY_SECRET_HEADER``)


def as_proxy(headers: dict) -> dict:
    """The headers the proxy forwards: the user's, and the proxy's secret."""
    from dashboard.access import auth

    return {**headers, auth.PROXY_SECRET_HEADER: SECRET}


@pytest.fixture(scope="module")
def proxy_server(databases, tmp_path_factory):
    """The app in proxy mode (one worker starts it: the tests that use it are one xdist group)."""
    from dashboard.access import auth

    url = databases.sqlite.copy("demo", tmp_path_factory.mktemp("proxy"))
    secret = tmp_path_factory.mktemp("secret") / "secret-proxy"
    secret.write_text(SECRET)
    env = {"DASHBOARD_AUTH_MODE": "proxy", "DASHBOARD_USERS_FILE": str(USERS), auth.ENV_PROXY_SECRET_FILE: str(secret)}
    with streamlit_server(url, extra_env=env) as base:
        yield base


def test_ien79_sees_only_deux_sevres(proxy_server, browser):
    result = visit(browser, f"{proxy_server}/?annee={YEAR}&territoire=79", "acces-ien79",
                   extra_headers=as_proxy({"X-Remote-User": "ien79"}))
    page = result.page
    sidebar = page.inner_text("[data-testid=stSidebar]")
    assert "Connecté : IEN-IO (ien79)" in sidebar and "Mode local" not in sidebar
    assert territory_options(page) == IEN79_OPTIONS
    check_visit(result)
    result.context.close()


@pytest.mark.parametrize("forged", ["17", "R17-LRO"])
def test_ien79_forged_url_parameter_is_refused(proxy_server, browser, forged):
    result = visit(browser, f"{proxy_server}/raccrochage?annee={YEAR}&territoire={forged}",
                   extra_headers=as_proxy({"X-Remote-User": "ien79"}))
    page = result.page
    main = page.inner_text("[data-testid=stMain]")
    # the notice is in the page body (issue 15): what was asked, what is shown instead
    assert f"Le territoire demandé (« {forged} ») n'existe pas en {YEAR} ou n'est pas accessible" in main
    assert page.get_by_role("combobox", name="Territoire").input_value().strip() == "Deux-Sèvres (79)"
    page.wait_for_function("() => location.search.includes('territoire=79')")
    main = page.inner_text("[data-testid=stMain]")
    for name in ("Charente-Maritime", "La Rochelle", "Rochefort", "Saintes", "Royan"):
        assert name not in main
    check_visit(result)
    result.context.close()


@pytest.mark.parametrize("headers", [{"X-Remote-User": "intrus"}, {}], ids=["inconnu", "sans-en-tete"])
def test_unknown_user_gets_the_unauthorized_page(proxy_server, browser, headers):
    result = visit(browser, f"{proxy_server}/carte?annee={YEAR}&territoire=ACAD", "acces-refuse",
                   extra_headers=as_proxy(headers))
    page = result.page
    assert page.inner_text("[data-testid=stMainBlockContainer] h1").strip() == "Accès non autorisé"
    main = page.inner_text("[data-testid=stMain]")
    assert "pas autorisé à consulter ce tableau de bord" in main
    assert not page.query_selector("[data-testid=stSidebar] [data-testid=stSelectbox]")
    assert not page.query_selector("[data-testid=stSidebarNav]")  # not even the list of pages
    assert not page.query_selector("[data-testid=stPlotlyChart]")
    assert not page.query_selector("[data-testid=stMetric]")
    check_visit(result)
    result.context.close()


def test_forged_header_is_ignored_in_local_mode(server, browser):
    result = visit(browser, f"{server}/?annee={YEAR}", extra_headers={"X-Remote-User": "lecteur"})
    page = result.page
    sidebar = page.inner_text("[data-testid=stSidebar]")
    assert "Mode local : vous êtes recteur (accès à toute l'académie)" in sidebar
    assert "Connecté : Recteur (local)" in sidebar
    options = territory_options(page)  # the list is virtualised: the first ones are rendered
    assert options[:5] == ["Académie de Poitiers", "Charente (16)", "Charente-Maritime (17)", "Deux-Sèvres (79)",
                           "Vienne (86)"]
    check_visit(result)
    result.context.close()


@pytest.mark.parametrize("secret", [None, "mauvais-secret-" + "y" * 32, SECRET + "x"], ids=["sans", "faux", "presque"])
def test_a_request_straight_to_the_app_port_is_nobody(proxy_server, browser, secret):
    """Anyone on the host can send ``X-Remote-User: recteur`` to an app port (issue 30, item 9):
    without the proxy's secret, the header is nobody's."""
    from dashboard.access import auth

    headers = {"X-Remote-User": "recteur", **({auth.PROXY_SECRET_HEADER: secret} if secret else {})}
    result = visit(browser, f"{proxy_server}/?annee={YEAR}", extra_headers=headers)
    page = result.page
    assert page.inner_text("[data-testid=stMainBlockContainer] h1").strip() == "Accès non autorisé"
    assert "Identifiant transmis" not in page.inner_text("[data-testid=stMain]")
    assert not page.query_selector("[data-testid=stSidebarNav]")
    check_visit(result)
    result.context.close()
