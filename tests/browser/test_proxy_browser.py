"""The production topology, tested (issue 18, item 5): nginx configured from
``config/nginx-pilotage.conf`` (the README's set-up) in front of two app processes in proxy mode,
with sticky sessions, on a PostgreSQL database of their own filled with the demonstration data.
Chromium goes through nginx as two users of different scopes, each also sending a forged
``X-Remote-User: recteur``; a visitor without authentication gets « Accès non autorisé »; killing
one app process sends its users to the other after a reload, with the same selection and figures.
"""

from __future__ import annotations

import base64
import concurrent.futures
import contextlib
import http.client
import re
import shutil
import urllib.parse
import uuid

import pytest
from sqlalchemy import create_engine, select

from tests.support.browser import check_visit, territory_options, user_context, visit, wait_for_app
from tests.support.databases import PG_URL
from tests.support.proxy_stack import NGINX, demo_postgres_database, production_stack

pytestmark = [pytest.mark.browser, pytest.mark.proxy, pytest.mark.xdist_group("production-topology")]

YEAR = "2014-2015"
PASSWORDS = {"ien79": "mdp-ien79", "dasen17": "mdp-dasen17", "csaio": "mdp-csaio", "inconnu": "mdp-inconnu",
             "lecteur": "mdp-lecteur"}
FORGED = {"X-Remote-User": "recteur"}
SCOPES = {  # user: (territory, its label, what the territory list may hold)
    "ien79": ("79", "Deux-Sèvres (79)", re.compile(r"^(Académie de Poitiers|Deux-Sèvres \(79\).*)$")),
    "dasen17": ("17", "Charente-Maritime (17)", re.compile(r"^(Académie de Poitiers|Charente-Maritime \(17\).*)$")),
}
OTHER_DEPARTMENTS = {"ien79": ("Charente-Maritime", "La Rochelle", "Vienne (86)", "Charente (16)"),
                     "dasen17": ("Deux-Sèvres", "Niort", "Vienne (86)", "Charente (16)")}


def _admin_url() -> str:
    base = PG_URL or "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    if "+psycopg" not in base:
        base = base.replace("postgresql://", "postgresql+psycopg://", 1)
    return base.split("?", 1)[0].rsplit("/", 1)[0] + "/postgres"


@contextlib.contextmanager
def demo_database(databases, admin: str):
    """The demonstration data on PostgreSQL: a copy of the test run's template when the test server is
    configured, else a database filled by ``python -m dashboard.demo``."""
    if not PG_URL:
        with demo_postgres_database(admin) as url:
            yield url
        return
    url, drop = databases.new_url("postgresql", "demo", None)
    try:
        yield url
    finally:
        drop()


@pytest.fixture(scope="module")
def stack(databases):
    if not shutil.which(NGINX):
        pytest.fail("nginx est requis (paquet Debian nginx : bash scripts/system-deps.sh)")
    admin = _admin_url()
    try:
        create_engine(admin).connect().close()
    except Exception as exc:
        pytest.skip(f"PostgreSQL injoignable ({admin}) : {type(exc).__name__}")
    with demo_database(databases, admin) as url, production_stack(url, PASSWORDS) as running:
        running.database_url = url  # the audit log of the replayed attacks
        yield running


def credentials(user: str, password: str | None = None) -> dict:
    """The basic authentication ``user`` answers nginx with (standing in for the académie's SSO)."""
    return {"username": user, "password": password or PASSWORDS[user]}


def open_as(browser, stack, user: str | None, path: str, password: str | None = None):
    options = {"http_credentials": credentials(user, password)} if user else {}
    return visit(browser, stack.base + path, extra_headers=FORGED, context_options=options)


def sticky_key(context) -> str:
    return next(c["value"] for c in context.cookies() if c["name"] == "pilotage_instance")


def apps_of(stack, key: str) -> set[str]:
    """The app addresses that served the requests of the browser holding ``key``."""
    return {row[1] for row in stack.requests() if row[0] == key and row[1] != "-"}


@pytest.mark.parametrize("user", list(SCOPES))
def test_each_user_sees_only_their_scope_whatever_header_they_send(stack, browser, user):
    code, label, allowed = SCOPES[user]
    result = open_as(browser, stack, user, f"/raccrochage?annee={YEAR}&territoire={code}")
    page = result.page
    sidebar = page.inner_text("[data-testid=stSidebar]")
    assert f"({user})" in sidebar and "recteur" not in sidebar.lower(), sidebar  # the forged header is ignored
    assert page.get_by_role("combobox", name="Territoire").input_value().strip() == label
    options = territory_options(page)
    assert options and all(allowed.match(o) for o in options), options
    main = page.inner_text("[data-testid=stMain]")
    assert not [name for name in OTHER_DEPARTMENTS[user] if name in main]
    assert page.query_selector_all("[data-testid=stMetricValue]")  # the figures came through the WebSocket
    key = sticky_key(result.context)
    assert len(apps_of(stack, key)) == 1, stack.requests()  # every request of this browser: one process
    check_visit(result, close=True)


def test_a_visitor_without_authentication_gets_acces_non_autorise(stack, browser):
    before = len(stack.requests())
    # a wrong password: nginx refuses, Chromium shows its page
    context = browser.new_context(extra_http_headers=FORGED, locale="fr-FR",
                                  http_credentials={"username": "recteur", "password": "devine"})
    page = context.new_page()
    response = page.goto(f"{stack.base}/?annee={YEAR}&territoire=ACAD")
    assert response.status == 401
    assert page.inner_text("h1").strip() == "Accès non autorisé"
    assert not page.query_selector("[data-testid=stApp]")
    context.close()
    # no credentials at all (Chromium then refuses to show the page: its request API reads it)
    context = browser.new_context(extra_http_headers=FORGED, locale="fr-FR")
    response = context.request.get(f"{stack.base}/?annee={YEAR}&territoire=ACAD")
    assert response.status == 401 and "<h1>Accès non autorisé</h1>" in response.text()
    context.close()
    rows = stack.requests()
    known = {row[0] for row in rows[:before]}  # other browsers (their WebSockets are logged when closed)
    refused = [row for row in rows[before:] if row[0] not in known]
    assert refused and all(row[1] == "-" and row[2] == "401" for row in refused), refused  # no app reached


def test_an_unknown_user_gets_the_apps_acces_non_autorise(stack, browser):
    result = open_as(browser, stack, "inconnu", f"/?annee={YEAR}")
    page = result.page
    assert page.inner_text("[data-testid=stMainBlockContainer] h1").strip() == "Accès non autorisé"
    main = page.inner_text("[data-testid=stMain]")
    assert "Identifiant transmis : inconnu" in main  # nginx's user, not the forged « recteur »
    assert not page.query_selector("[data-testid=stSidebarNav]")
    check_visit(result, close=True)


def test_a_file_over_a_megabyte_is_uploaded_through_nginx_to_the_sessions_process(stack, browser):
    """nginx lets a file of the app's size through (``client_max_body_size``), to the process that
    holds the session (sticky sessions: another process would not know the upload)."""
    rows = "".join(f"2014-2015;R86-POI;raccroches;{i}\r\n" for i in range(40_000))
    data = ("annee_scolaire;territoire_code;indicateur;objectif\r\n" + rows).encode()
    assert len(data) > 1_000_000  # over nginx's default limit
    result = open_as(browser, stack, "csaio", f"/importer?annee={YEAR}")
    page = result.page
    page.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files(
        files=[{"name": "objectifs.csv", "mimeType": "text/csv", "buffer": data}])
    page.wait_for_selector("text=40 000 lignes de données lues", timeout=120_000)
    wait_for_app(page)
    assert not page.query_selector_all("[data-testid=stException]")
    uploads = [row for row in stack.requests() if row[3] == "PUT" and "upload_file" in row[4]]
    assert uploads and uploads[-1][2] == "204", uploads
    assert len(apps_of(stack, sticky_key(result.context))) == 1
    check_visit(result, close=True)


def test_a_request_straight_to_an_app_port_is_nobody(stack, browser):
    """Anyone on the host can reach an app port and send ``X-Remote-User: recteur`` (issue 30, item 9):
    without the secret nginx adds, the header is nobody's; through nginx, the same user gets in."""
    app = next(app for app in stack.apps if app.proc.poll() is None)
    result = visit(browser, f"http://127.0.0.1:{app.port}/?annee={YEAR}", extra_headers=FORGED)
    page = result.page
    assert page.inner_text("[data-testid=stMainBlockContainer] h1").strip() == "Accès non autorisé"
    assert not page.query_selector("[data-testid=stSidebarNav]")
    check_visit(result, close=True)
    through = open_as(browser, stack, "csaio", f"/?annee={YEAR}")
    assert "(csaio)" in through.page.inner_text("[data-testid=stSidebar]")
    check_visit(through, close=True)


def figures(page) -> list[str]:
    return [m.inner_text().strip() for m in page.query_selector_all("[data-testid=stMetricValue]")]


def _browser_on_a_new_process(browser, stack, user: str, taken: set[str]):
    """A new browser of ``user`` (its own context) whose sticky cookie sends it to a process none of
    ``taken`` is on: nginx draws the cookie at random at the first request, so a first light request
    (the health probe, no page) tells the process; a browser sent to a taken one is dropped."""
    for _ in range(40):
        context = user_context(browser, FORGED, http_credentials=credentials(user))
        assert context.request.get(stack.base + "/_stcore/health").ok
        served = apps_of(stack, sticky_key(context))
        assert len(served) == 1
        address = served.pop()
        if address not in taken:
            return context, address
        context.close()
    raise AssertionError("nginx sent 40 new browsers to the same process")


def test_killing_one_process_sends_its_users_to_the_other_without_losing_anything(stack, browser):
    ports = {f"127.0.0.1:{app.port}": app for app in stack.apps}
    sessions = {}  # app address → (visit, user, path)
    for user in ("ien79", "dasen17"):  # one user on each process
        context, address = _browser_on_a_new_process(browser, stack, user, set(sessions))
        path = f"/raccrochage?annee={YEAR}&territoire={SCOPES[user][0]}"
        result = visit(browser, stack.base + path, context=context)
        assert apps_of(stack, sticky_key(result.context)) == {address}
        sessions[address] = (result, user, path)
    assert set(sessions) == set(ports)
    victim, survivor = sorted(sessions)
    moved, user, path = sessions[victim]
    before = {"url": moved.page.url, "figures": figures(moved.page)}
    assert before["figures"]

    ports[victim].kill()
    moved.page.reload(wait_until="domcontentloaded")
    wait_for_app(moved.page)
    after = {"url": moved.page.url, "figures": figures(moved.page)}
    assert after == before  # same selection (from the URL), same figures
    assert moved.page.get_by_role("combobox", name="Territoire").input_value().strip() == SCOPES[user][1]
    assert f"({user})" in moved.page.inner_text("[data-testid=stSidebar]")
    assert not moved.page.query_selector_all("[data-testid=stException]")
    key = sticky_key(moved.context)
    last = [row for row in stack.requests() if row[0] == key][-3:]
    assert last and all(row[1].endswith(survivor) for row in last), last  # now served by the other process

    stayed, other_user, other_path = sessions[survivor]
    stayed.page.reload(wait_until="domcontentloaded")
    wait_for_app(stayed.page)
    assert figures(stayed.page)
    assert apps_of(stack, sticky_key(stayed.context)) == {survivor}  # its users did not move
    for result, _, _ in sessions.values():
        result.context.close()


# --- uploads bounded per user, through nginx (issue 30, item 2) ------------------------------------

UUID = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
SEND = """async ([session, size, count]) => {
    const token = (document.cookie.split('; ').find(c => c.startsWith('_streamlit_xsrf=')) || '=').split('=')[1];
    const body = new Uint8Array(size);
    const one = async () => {
        const form = new FormData();
        form.append('file', new Blob([body]), 'envoi.csv');
        const response = await fetch(`/_stcore/upload_file/${session}/${crypto.randomUUID()}`,
                                     {method: 'PUT', body: form, headers: {'X-Xsrftoken': token}});
        return response.status;
    };
    const statuses = [];
    for (let i = 0; i < count; i++) { statuses.push(await one()); }
    return statuses;
}"""


def send_from_python(result, base: str, user: str, session: str, size: int, count: int) -> list[int]:
    """``count`` uploads of ``size`` bytes to the upload endpoint of ``session``, six at a time (a browser's
    connections per host), with the cookies and credentials of the browser that opened the session: the
    attack as a script would run it, without Chromium copying every body into a blob first."""
    cookies = {c["name"]: c["value"] for c in result.context.cookies()}
    host = urllib.parse.urlsplit(base)
    basic = base64.b64encode(f"{user}:{PASSWORDS[user]}".encode()).decode()
    boundary = "----pilotage-envoi"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"envoi.csv\"\r\n"
            "Content-Type: application/octet-stream\r\n\r\n").encode() + bytes(size) + f"\r\n--{boundary}--\r\n".encode()
    headers = {"Authorization": f"Basic {basic}", "X-Xsrftoken": cookies.get("_streamlit_xsrf", ""),
               "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()), **FORGED,
               "Content-Type": f"multipart/form-data; boundary={boundary}", "Content-Length": str(len(body))}

    def one(_: int) -> int:
        connection = http.client.HTTPConnection(host.hostname, host.port, timeout=120)
        try:
            connection.putrequest("PUT", f"/_stcore/upload_file/{session}/{uuid.uuid4()}", skip_accept_encoding=True)
            for name, value in headers.items():
                connection.putheader(name, value)
            connection.endheaders()
            with contextlib.suppress(ConnectionError):  # a refusal may close the connection mid-body
                connection.send(body)
            return connection.getresponse().status
        finally:
            connection.close()

    with concurrent.futures.ThreadPoolExecutor(max_workers=6) as pool:
        return list(pool.map(one, range(count)))


def open_with_session(browser, stack, user: str):
    """The user's page through nginx and the candidates for its session id (read from the WebSocket
    frames, as an attacker would)."""
    result = open_as(browser, stack, user, f"/?annee={YEAR}")
    frames: list[bytes] = []
    result.page.on("websocket", lambda ws: ws.on("framereceived",
                                                 lambda payload: frames.append(payload if isinstance(payload, bytes)
                                                                               else payload.encode())))
    result.page.reload(wait_until="domcontentloaded")
    wait_for_app(result.page)
    candidates = list(dict.fromkeys(m.decode() for frame in frames[:5] for m in UUID.findall(frame)))
    return result, candidates


def find_session(page, candidates: list[str]) -> tuple[str, int]:
    """(session id, status of a 1-byte upload): the candidate Streamlit knows (others answer 400)."""
    for candidate in candidates:
        [status] = page.evaluate(SEND, [candidate, 1, 1])
        if status != 400:
            return candidate, status
    raise AssertionError(f"no session among {candidates}")


def resident_mb(app) -> float:
    with open(f"/proc/{app.proc.pid}/status") as handle:
        line = next(line for line in handle if line.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


def denied_sends(stack, user: str) -> list[str]:
    from dashboard.access import audit
    from dashboard.store import db

    engine = create_engine(stack.database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    log = db.audit_log
    with engine.connect() as conn:
        rows = conn.execute(select(log.c.detail).where(log.c.utilisateur == user, log.c.action == audit.DENIED)).all()
    engine.dispose()
    return [r.detail for r in rows if r.detail and "Envoi de fichier refusé" in r.detail]


@pytest.mark.xdist_group("memory")
@pytest.mark.parametrize("user", ["inconnu", "lecteur"])
def test_a_session_without_import_rights_cannot_fill_the_servers_memory(stack, browser, user):
    """The attack of the issue replayed through nginx: 40 × 19 Mo to the upload endpoint of one's own
    session. Nothing is kept: the app refuses (403) and records it, nginx stops the rest (429)."""
    result, candidates = open_with_session(browser, stack, user)
    page = result.page
    session, first = find_session(page, candidates)
    assert first == 403, first
    alive = [app for app in stack.apps if app.proc.poll() is None]  # a test above kills one
    before = {app.port: resident_mb(app) for app in alive}
    start = len(stack.requests())
    statuses = send_from_python(result, stack.base, user, session, 19 * 1024 * 1024, 40)
    assert set(statuses) <= {403, 429} and 204 not in statuses, statuses
    sent = [row for row in stack.requests()[start:] if row[3] == "PUT"]
    assert [row for row in sent if row[2] == "429" and row[1] == "-"], sent  # stopped by nginx, not the app
    reached = [row for row in sent if row[1] != "-"]
    assert reached and all(row[2] == "403" for row in reached), reached  # the app keeps nothing of the rest
    assert len(denied_sends(stack, user)) >= len(reached)  # each refusal recorded
    growth = max(resident_mb(app) - before[app.port] for app in alive)
    assert growth < 150, growth  # transient buffers of refused bodies, never 40 × 19 Mo
    result.context.close()


def test_an_importer_keeps_two_files_and_is_then_bounded(stack, browser):
    result, candidates = open_with_session(browser, stack, "csaio")
    page = result.page
    session, first = find_session(page, candidates)
    assert first == 204
    statuses = page.evaluate(SEND, [session, 1024 * 1024, 12])
    assert statuses[0] == 204 and set(statuses[1:]) <= {429}, statuses  # two files held: the second is the first 204
    assert len(denied_sends(stack, "csaio")) >= 1
    result.context.close()
