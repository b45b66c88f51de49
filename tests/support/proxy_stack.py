"""The production topology on loopback ports (issue 18, item 5): nginx in front, configured from
``config/nginx-pilotage.conf`` (the README's set-up), N Streamlit processes behind it in proxy
mode, one database. Used by ``tests/test_proxy_browser.py`` and the load bench.

nginx runs from a temporary prefix (its own configuration, pid, logs and temporary files). As the
académie's authentication is not here, the test stands in for it with HTTP basic authentication
(an htpasswd file generated here): nginx puts the verified ``$remote_user`` in ``X-Remote-User``,
as the README's configuration does with the SSO's user.
"""

from __future__ import annotations

import base64
import contextlib
import grp
import hashlib
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.app_server import ROOT, free_port

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
EXAMPLE = ROOT / "config" / "nginx-pilotage.conf"
USERS_FILE = ROOT / "config" / "utilisateurs.example.csv"
UNAUTHORIZED_PAGE = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Accès non autorisé</title></head>
<body><h1>Accès non autorisé</h1>
<p>Authentifiez-vous auprès du service d'authentification de l'académie pour accéder au tableau de bord.</p>
</body></html>
"""
#: What the test puts in place of the académie's authentication (the line that names it).
AUTH_MARKER = "# AUTHENTIFICATION :"
PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def ssha(password: str) -> str:
    """An htpasswd entry's password in nginx's ``{SSHA}`` scheme (salted SHA-1, RFC 2307)."""
    salt = secrets.token_bytes(8)
    return "{SSHA}" + base64.b64encode(hashlib.sha1(password.encode() + salt).digest() + salt).decode()


def render_site(app_ports: list[int], listen_port: int, prefix: Path) -> str:
    """``config/nginx-pilotage.conf`` with the test's ports, authentication and paths."""
    text = EXAMPLE.read_text(encoding="utf-8")
    replaced = 0

    def swap(old: str, new: str) -> None:
        nonlocal text, replaced
        lines = [line for line in text.splitlines() if line.strip().startswith(old)]
        assert len(lines) >= 1, f"{old!r} is no longer in {EXAMPLE.name}"
        for line in lines:
            text = text.replace(line, new, 1)
            new = ""  # several lines of the same kind (the upstream servers): the first takes the block
        replaced += 1

    swap("server 127.0.0.1:", "\n".join(f"    server 127.0.0.1:{port} max_fails=1 fail_timeout=10s;"
                                          for port in app_ports))
    swap("listen 443", f"    listen 127.0.0.1:{listen_port};")
    swap(AUTH_MARKER, f'        auth_basic "Pilotage";\n'
                      f"        auth_basic_user_file {prefix / 'htpasswd'};\n"
                      f"        error_page 401 /acces-non-autorise.html;")
    swap("include /etc/nginx/pilotage-secret-proxy.conf", f"        include {prefix / 'pilotage-secret-proxy.conf'};")
    swap("location / {", f"    location = /acces-non-autorise.html {{\n"
                         f"        root {prefix / 'html'};\n"
                         f"        internal;\n"
                         f"        default_type text/html;\n"
                         f"        charset utf-8;\n"
                         f"    }}\n\n    location / {{")
    assert replaced == 5
    return text


def main_config(prefix: Path, site: Path) -> str:
    as_root = os.geteuid() == 0
    user = f"user {_unprivileged_user()};\n" if as_root else ""
    temp = prefix / "temp"
    return (
        f"{user}worker_processes 1;\npid {prefix / 'nginx.pid'};\nerror_log {prefix / 'error.log'} warn;\n"
        "events { worker_connections 1024; }\n"
        "http {\n"
        "    log_format pilotage '$pilotage_instance|$upstream_addr|$status|$request_method|$uri';\n"
        f"    access_log {prefix / 'access.log'} pilotage;\n"
        + "".join(f"    {kind}_temp_path {temp / kind};\n" for kind in ("client_body", "proxy", "fastcgi", "uwsgi",
                                                                          "scgi"))
        + f"    include {site};\n}}\n"
    )


def _unprivileged_user() -> str:
    group = "nogroup"
    try:
        grp.getgrnam(group)
    except KeyError:
        group = "nobody"
    return f"nobody {group}"


def _wait_http(url: str, proc: subprocess.Popen, log: Path, timeout: float = 90, ok=(200,)) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        with contextlib.suppress(OSError):
            try:
                if urllib.request.urlopen(url, timeout=2).status in ok:
                    return
            except urllib.error.HTTPError as exc:
                if exc.code in ok:
                    return
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} stopped:\n{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer in {timeout:.0f} s")


@dataclass
class App:
    port: int
    proc: subprocess.Popen
    log: Path

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def start_app(database_url: str, extra_env: dict[str, str], cookie_secret: str) -> App:
    """One Streamlit process of the app, listening on loopback only (not yet ready)."""
    port = free_port()
    log = ROOT / "var" / f"streamlit-{port}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "DASHBOARD_DATABASE_URL": database_url, "STREAMLIT_SERVER_COOKIE_SECRET": cookie_secret,
           **extra_env}
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard" / "app.py"),
             "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
             "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    return App(port, proc, log)


@dataclass
class Stack:
    base: str
    apps: list[App]
    prefix: Path
    nginx: subprocess.Popen
    passwords: dict[str, str] = field(default_factory=dict)
    proxy_secret: str = ""  # what nginx adds to every request (the apps trust nothing else)

    def requests(self) -> list[list[str]]:
        """nginx's access log so far: [sticky key (the cookie, or the one it is set to), app address(es), status, method, path]."""
        return [line.split("|") for line in (self.prefix / "access.log").read_text().splitlines()]


@contextlib.contextmanager
def production_stack(database_url: str, users: dict[str, str], apps: int = 2,
                     extra_env: dict[str, str] | None = None):
    """nginx on a free loopback port in front of ``apps`` app processes in proxy mode; ``users``:
    identifier → password of the basic authentication standing in for the académie's SSO."""
    cookie_secret = secrets.token_hex(16)  # one for every process: a session's cookies hold on another
    prefix = Path(tempfile.mkdtemp(prefix="pilotage-nginx-"))
    from dashboard.access import auth

    # the secret nginx adds to every request, read by the apps (issue 30): as the README sets it up
    auth.write_proxy_secret(prefix / "secret-proxy", prefix / "pilotage-secret-proxy.conf")
    env = {"DASHBOARD_AUTH_MODE": "proxy", "DASHBOARD_USERS_FILE": str(USERS_FILE),
           auth.ENV_PROXY_SECRET_FILE: str(prefix / "secret-proxy"), **(extra_env or {})}
    started: list[App] = []
    nginx = None
    try:
        started = [start_app(database_url, env, cookie_secret) for _ in range(apps)]
        prefix.chmod(0o755)  # nginx's workers run unprivileged when the test runs as root
        (prefix / "html").mkdir()
        (prefix / "html" / "acces-non-autorise.html").write_text(UNAUTHORIZED_PAGE, encoding="utf-8")
        (prefix / "htpasswd").write_text("".join(f"{u}:{ssha(p)}\n" for u, p in users.items()))
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (prefix / "temp" / kind).mkdir(parents=True)
        for path in [prefix / "html", prefix / "temp", *(prefix / "temp").iterdir()]:
            path.chmod(0o755)
        for path in (prefix / "htpasswd", prefix / "html" / "acces-non-autorise.html"):
            path.chmod(0o644)
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody").pw_uid
            for path in (prefix / "temp").iterdir():
                os.chown(path, nobody, -1)
        port = free_port()
        site = prefix / "pilotage.conf"
        site.write_text(render_site([a.port for a in started], port, prefix), encoding="utf-8")
        conf = prefix / "nginx.conf"
        conf.write_text(main_config(prefix, site), encoding="utf-8")
        command = [NGINX, "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "error.log")]
        checked = subprocess.run([*command, "-t"], capture_output=True, text=True)
        if checked.returncode:
            raise RuntimeError(f"nginx -t:\n{checked.stderr}\n{site.read_text()}")
        nginx = subprocess.Popen([*command, "-g", "daemon off;"], stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
        for app in started:
            _wait_http(f"http://127.0.0.1:{app.port}/_stcore/health", app.proc, app.log)
        _wait_http(f"http://127.0.0.1:{port}/_stcore/health", nginx, prefix / "error.log", ok=(401,))
        yield Stack(f"http://127.0.0.1:{port}", started, prefix, nginx, dict(users),
                    (prefix / "secret-proxy").read_text().strip())
    finally:
        if nginx is not None and nginx.poll() is None:
            nginx.send_signal(signal.SIGQUIT)  # graceful: workers finish, then exit
            try:
                nginx.wait(10)
            except subprocess.TimeoutExpired:
                nginx.kill()
                nginx.wait(5)
        for app in started:
            app.stop()
        shutil.rmtree(prefix, ignore_errors=True)


def port_is_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


# --- a PostgreSQL database of its own, filled with the demonstration data ---------------------------


@contextlib.contextmanager
def demo_postgres_database(admin_url: str = PG_ADMIN_URL, prefix: str = "pilotage_t18"):
    """A new PostgreSQL database (unique name) filled by ``python -m dashboard.demo``; dropped after."""
    from sqlalchemy import create_engine, text

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.rsplit("/", 1)[0] + f"/{name}"
    try:
        done = subprocess.run([sys.executable, "-m", "dashboard.demo", "--database-url", url], cwd=ROOT,
                              capture_output=True, text=True, timeout=300,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
        if done.returncode:
            raise RuntimeError(done.stderr)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
