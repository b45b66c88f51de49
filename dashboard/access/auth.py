"""Who is the user: authentication mode, users file and table, identity → scope (core, no Streamlit).

Two modes, chosen in configuration (``DASHBOARD_AUTH_MODE``, else ``.streamlit/secrets.toml``
``[auth] mode``, else ``local``):

* ``local`` — the embedded, single-user mode: the user is ``recteur`` (whole académie). Request
  headers are never read, so a forged identity header changes nothing. Never expose this mode on
  a network.
* ``proxy`` — behind the académie's reverse proxy, which authenticates the user and passes their
  identifier in a trusted header (``[auth] header`` / ``DASHBOARD_AUTH_HEADER``, default
  ``X-Remote-User``; the proxy must strip that header from incoming requests). The identifier is
  looked up in the ``utilisateurs`` table (role and territory); an unknown or missing user gets
  nothing but an "Accès non autorisé" page. The table can be loaded from a users CSV file
  (``DASHBOARD_USERS_FILE`` / ``[auth] users_file``; columns ``identifiant;nom;role;territoire_code``),
  validated as a whole: a file with an error changes nothing.

  Only the proxy is trusted (item 9): the identity header is read only from requests that
  carry the proxy's secret in ``X-Pilotage-Proxy`` — set by nginx from a file it includes, read by
  the app from ``DASHBOARD_PROXY_SECRET_FILE`` / ``[auth] proxy_secret_file``, compared in constant
  time. A request straight to an app port (``X-Remote-User: recteur`` from anyone on the host) then
  carries no identity. Proxy mode without a readable secret of at least 32 characters is a
  configuration error. ``python -m dashboard.auth secret-proxy`` writes both files.

Any other mode value is a configuration error and nobody gets in (fail closed).

Command line: ``python -m dashboard.auth`` (``dashboard/auth/__main__.py``).
"""

from __future__ import annotations

import hmac
import os
import re
import secrets as random
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine, delete, insert, select

from dashboard import plaintext
from dashboard.access.scope import ACADEMIE, ROLES, AccessDenied, Scope
from dashboard.plaintext import ascii_letters
from dashboard.store import database, db

ENV_MODE = "DASHBOARD_AUTH_MODE"
ENV_HEADER = "DASHBOARD_AUTH_HEADER"
ENV_USERS_FILE = "DASHBOARD_USERS_FILE"
ENV_PROXY_SECRET_FILE = "DASHBOARD_PROXY_SECRET_FILE"
PROXY_SECRET_HEADER = "X-Pilotage-Proxy"
MIN_SECRET_LENGTH = 32
MODES = ("local", "proxy")
DEFAULT_HEADER = "X-Remote-User"
LOCAL_USER = "local"
COLUMNS = ("identifiant", "nom", "role", "territoire_code")
COLUMN_ALIASES = {"territoire": "territoire_code", "code_territoire": "territoire_code"}
_IDENTIFIER = re.compile(r"[^\s\x00-\x1f\x7f]{1,120}")
_HEADER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
_LEVEL_COLUMNS = {"departement": "departement_code", "psad": "psad_code", "reseau": "reseau_code"}
_LEVEL_WORDS = {"departement": "un département", "psad": "une PSAD", "reseau": "un réseau FOQUALE"}
_LEVEL_NAMES = {level: f"{words} (son code)" for level, words in _LEVEL_WORDS.items()}


def level_name(level: str, conn: Connection | None = None) -> str:
    """« un réseau FOQUALE (R22, R29…) »: the level, with codes of the database's own breakdown as
    examples (« (son code) » without a database)."""
    if conn is None:
        return _LEVEL_NAMES[level]
    column = db.territoires.c[_LEVEL_COLUMNS[level]]
    codes = list(conn.execute(select(column).distinct().order_by(column).limit(3)).scalars())
    if not codes:
        return _LEVEL_NAMES[level]
    return f"{_LEVEL_WORDS[level]} ({', '.join(codes[:2])}{'…' if len(codes) > 2 else ''})"


class AuthConfigError(Exception):
    """The authentication configuration is invalid: nobody may get in."""


# --- configuration -------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuthConfig:
    mode: str = "local"
    header: str = DEFAULT_HEADER
    users_file: Path | None = None
    proxy_secret_file: Path | None = None

    @property
    def proxy(self) -> bool:
        return self.mode == "proxy"


def read_secrets_auth(path: Path = database.SECRETS_PATH) -> dict:
    """The ``[auth]`` table of ``.streamlit/secrets.toml`` (empty when absent)."""
    if not path.exists():
        return {}
    with path.open("rb") as fh:
        section = tomllib.load(fh).get("auth", {})
    return section if isinstance(section, dict) else {}


def load_config(environ: Mapping[str, str] | None = None, secrets_path: Path = database.SECRETS_PATH) -> AuthConfig:
    """Environment first, then ``[auth]`` of secrets.toml, then defaults. ``AuthConfigError`` if invalid."""
    env = os.environ if environ is None else environ
    secrets = read_secrets_auth(secrets_path)
    mode = str(env.get(ENV_MODE) or secrets.get("mode") or "local").strip().lower()
    if mode not in MODES:
        raise AuthConfigError(f"mode d'authentification inconnu : {mode!r} (attendu : local ou proxy)")
    header = str(env.get(ENV_HEADER) or secrets.get("header") or DEFAULT_HEADER).strip()
    if not _HEADER_NAME.fullmatch(header):
        raise AuthConfigError(f"nom d'en-tête invalide : {header!r}")
    users = env.get(ENV_USERS_FILE) or secrets.get("users_file")
    secret = env.get(ENV_PROXY_SECRET_FILE) or secrets.get("proxy_secret_file")
    return AuthConfig(mode, header, Path(users) if users else None, Path(secret) if secret else None)


def proxy_secret(config: AuthConfig) -> str:
    """The secret nginx adds to every request it forwards (``AuthConfigError`` when proxy mode has
    none, or one too short to be a secret)."""
    if config.proxy_secret_file is None:
        raise AuthConfigError(f"mode proxy sans secret partagé avec le proxy ({ENV_PROXY_SECRET_FILE} ou "
                              "[auth] proxy_secret_file) : l'en-tête d'identité serait cru de n'importe qui")
    try:
        secret = config.proxy_secret_file.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise AuthConfigError(f"secret du proxy illisible ({config.proxy_secret_file}) : {exc.strerror}") from exc
    if len(secret) < MIN_SECRET_LENGTH:
        raise AuthConfigError(f"secret du proxy trop court ({config.proxy_secret_file}) : "
                              f"{MIN_SECRET_LENGTH} caractères au moins")
    return secret


def from_proxy(headers: Mapping[str, str], secret: str) -> bool:
    """Whether the request carries the proxy's secret, once (compared in constant time)."""
    get_all = getattr(headers, "get_all", None)
    if callable(get_all):
        values = list(get_all(PROXY_SECRET_HEADER))
    else:
        values = [v for k, v in headers.items() if k.lower() == PROXY_SECRET_HEADER.lower()]
    if len(values) != 1:
        return False
    return hmac.compare_digest(values[0].strip().encode("utf-8"), secret.encode("utf-8"))


def write_proxy_secret(app_file: Path, nginx_file: Path) -> None:
    """A new secret: the app's file (the secret alone) and nginx's include (the header it sets)."""

    secret = random.token_urlsafe(48)
    for path, content, mode in ((app_file, secret + "\n", 0o600),
                                (nginx_file, f'proxy_set_header {PROXY_SECRET_HEADER} "{secret}";\n', 0o640)):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
        path.chmod(mode)


# --- identity ------------------------------------------------------------------------------------


def role_and_territory(record: Mapping[str, str]) -> tuple[str, str, list[tuple[str, str]]]:
    """A row's role and territory code as written in a users or recipients file: the role normalised
    (« IEN IO » → ien-io), the code upper-cased (ACAD for an académie role), and the problems found as
    (column, French message)."""
    role = re.sub(r"[\s_]+", "-", record["role"].lower())
    code = record["territoire_code"].upper()
    if role not in ROLES:
        return role, code, [("role", f"rôle inconnu « {record['role'][:40]} » (attendu : " + ", ".join(ROLES) + ")")]
    if ROLES[role] == "academie":
        if code not in ("", ACADEMIE):
            return role, ACADEMIE, [("territoire_code",
                                     f"le rôle {role} porte sur toute l'académie : laissez vide ou ACAD")]
        return role, ACADEMIE, []
    if not code:
        return role, code, [("territoire_code", f"le rôle {role} demande {_LEVEL_NAMES[ROLES[role]]}")]
    return role, code, []


def normalise_identifier(value: str | None) -> str | None:
    """Identifiers compare case-insensitively; None when empty or not a plausible identifier."""
    if value is None:
        return None
    value = value.strip()
    if not _IDENTIFIER.fullmatch(value):
        return None
    return value.lower()


def identity_from_headers(headers: Mapping[str, str], header: str = DEFAULT_HEADER) -> str | None:
    """The user identifier carried by ``header``; None if absent, empty, malformed or repeated
    with different values (an ambiguous identity is no identity)."""
    get_all = getattr(headers, "get_all", None)
    if callable(get_all):
        values = list(get_all(header))
    else:
        values = [v for k, v in headers.items() if k.lower() == header.lower()]
    identities = {normalise_identifier(v) for v in values}
    if len(identities) != 1:
        return None
    return identities.pop()


def _territory_exists(conn: Connection, level: str, code: str) -> bool:
    column = db.territoires.c[_LEVEL_COLUMNS[level]]
    return conn.execute(select(column).where(column == code).limit(1)).first() is not None


def scope_for(conn: Connection, identifiant: str | None) -> Scope | None:
    """The scope of a user of the ``utilisateurs`` table; None if unknown or not valid any more."""
    ident = normalise_identifier(identifiant)
    if ident is None:
        return None
    u = db.utilisateurs
    row = conn.execute(select(u.c.role, u.c.territoire_code).where(u.c.identifiant == ident)).first()
    if row is None:
        return None
    try:
        scope = Scope.for_role(row.role, row.territoire_code, ident)
    except ValueError:
        return None
    if scope.territoire_code != ACADEMIE and not _territory_exists(conn, scope.level, scope.territoire_code):
        return None
    return scope


def resolve_scope(conn: Connection | None, config: AuthConfig, headers: Mapping[str, str]) -> Scope | None:
    """The request's scope, the one rule: local mode → recteur (headers ignored, no connection
    needed); proxy mode → the trusted header's user in the users table (None when unknown)."""
    if not config.proxy:
        return Scope.full(LOCAL_USER)
    return scope_for(conn, identity_from_headers(headers, config.header))


def cli_scope(conn: Connection, utilisateur: str | None) -> Scope:
    """Scope for command-line tools: no ``--utilisateur`` → full scope (the operator has the
    database); otherwise the user's scope from the table, ``AccessDenied`` if unknown."""
    if not utilisateur:
        return Scope.full("cli")
    scope = scope_for(conn, utilisateur)
    if scope is None:
        raise AccessDenied(f"Utilisateur inconnu ou non autorisé : « {utilisateur} ».")
    return scope


# --- users file ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class UserProblem:
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"ligne {self.line}" + (f", colonne « {self.column} »" if self.column else "")
        return f"{where} : {self.message}"


class UsersFileInvalid(Exception):
    def __init__(self, problems: list[UserProblem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def _header_key(name: str) -> str:
    plain = ascii_letters(name.strip().lstrip("\ufeff"))
    key = re.sub(r"[\s-]+", "_", plain.lower())
    return COLUMN_ALIASES.get(key, key)


def decode(data: bytes) -> str:
    """The text of a users or recipients file (``plaintext.decode``); an unreadable file is
    ``UsersFileInvalid`` with the French reason."""
    try:
        return plaintext.decode(data)[0]
    except plaintext.Unreadable as exc:
        raise UsersFileInvalid([UserProblem(exc.line or 1, "", exc.message)]) from exc


def parse_users(text: str) -> tuple[list[dict], list[UserProblem]]:
    """Rows of a users CSV (``;`` or ``,``) and the problems found without the database."""
    records, stops = plaintext.csv_records(text, COLUMNS, _header_key, "identifiant;nom;role;territoire_code")
    if stops:
        return [], [UserProblem(*stop) for stop in stops]
    rows, problems, seen = [], [], {}
    for number, record in records:
        ident = normalise_identifier(record["identifiant"])
        if ident is None:
            problems.append(UserProblem(number, "identifiant",
                                        "identifiant vide ou invalide (1 à 120 caractères, sans espace)"))
        elif ident in seen:
            problems.append(UserProblem(number, "identifiant",
                                        f"identifiant « {ident} » déjà présent ligne {seen[ident]}"))
        else:
            seen[ident] = number
        role, code, wrong = role_and_territory(record)
        problems += [UserProblem(number, column, message) for column, message in wrong]
        rows.append({"line": number, "identifiant": ident, "nom": record["nom"] or None, "role": role,
                     "territoire_code": code})
    return rows, problems


def check_territories(conn: Connection, rows: list[dict]) -> list[UserProblem]:
    """Each user's territory must exist at the level of their role (in some breakdown)."""
    problems = []
    for row in rows:
        level = ROLES.get(row["role"])
        if level in _LEVEL_COLUMNS and row["territoire_code"] and not _territory_exists(
                conn, level, row["territoire_code"]):
            problems.append(UserProblem(row["line"], "territoire_code",
                                        f"« {row['territoire_code']} » n'est pas {level_name(level, conn)} "
                                        "du découpage territorial"))
    return problems


def read_users(conn: Connection, data: bytes) -> list[dict]:
    """Validated user rows of a users file, or ``UsersFileInvalid`` listing every problem."""
    rows, problems = parse_users(decode(data))
    problems += check_territories(conn, rows)
    if problems:
        raise UsersFileInvalid(sorted(problems, key=lambda p: p.line))
    if not rows:
        raise UsersFileInvalid([UserProblem(2, "", "aucun utilisateur dans le fichier")])
    return rows


def replace_users(engine: Engine, data: bytes) -> int:
    """Replace the ``utilisateurs`` table by a users file, in one transaction (nothing on error)."""
    with engine.begin() as conn:
        rows = read_users(conn, data)
        conn.execute(delete(db.utilisateurs))
        conn.execute(insert(db.utilisateurs), [{k: r[k] for k in COLUMNS} for r in rows])
    return len(rows)


def load_users_file(engine: Engine, path: Path) -> int:
    return replace_users(engine, Path(path).read_bytes())


def list_users(conn: Connection) -> list[dict]:
    u = db.utilisateurs
    rows = conn.execute(select(u.c.identifiant, u.c.nom, u.c.role, u.c.territoire_code).order_by(u.c.identifiant))
    return [dict(r._mapping) for r in rows]
