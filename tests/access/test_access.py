"""Identity and roles, core side: configuration, users file, identity → scope, per-role visibility."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import insert, select

from dashboard.access import auth
from dashboard.access.scope import ACADEMIE, AccessDenied, Scope, require_audit_reader, require_importer
from dashboard.auth import __main__ as auth_cli
from dashboard.store import db
from queries import territoires as tq
from tests.support import cli

pytestmark = pytest.mark.all_backends  # SQL: see tests/README.md

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "config" / "utilisateurs.example.csv"
YEAR = "2014-2015"

# What each role of the example users file sees (issue 9; dashboard/docs/methodologie/80-acces.md).
EXPECTED = {
    "recteur": ("recteur", ACADEMIE, 29, ["ACAD", "16", "17", "P17-LRO", "R17-LRO", "R86-SVI"], []),
    "csaio": ("csaio", ACADEMIE, 29, ["ACAD", "17", "R17-LRO"], []),
    "dasen17": ("dasen", "17", 1 + 1 + 4 + 6, ["ACAD", "17", "P17-SAI", "R17-SJA"], ["16", "79", "R79-NIO"]),
    "ien79": ("ien-io", "79", 1 + 1 + 2 + 2, ["ACAD", "79", "P79-NIO", "R79-BRE"],
              ["17", "P17-LRO", "R17-LRO", "16", "86"]),
    "psad86poi": ("psad", "P86-POI", 1 + 1 + 1 + 2, ["ACAD", "86", "P86-POI", "R86-POI", "R86-SVI"],
                  ["P86-CHA", "R86-CHA", "16"]),
    "reseau16ang": ("reseau", "R16-ANG", 4, ["ACAD", "16", "P16-ANG", "R16-ANG"],
                    ["R16-NCH", "P16-COG", "17"]),
    "lecteur": ("lecteur", ACADEMIE, 1, ["ACAD"], ["16", "P16-ANG", "R16-ANG"]),
    "mlds": ("mlds", ACADEMIE, 29, ["ACAD", "16", "P16-ANG", "R16-ANG", "R86-SVI"], []),
}


# --- configuration -------------------------------------------------------------------------------


def test_default_mode_is_local(tmp_path):
    config = auth.load_config({}, tmp_path / "absent.toml")
    assert config == auth.AuthConfig("local", "X-Remote-User", None)
    assert not config.proxy


def test_mode_from_environment_then_secrets(tmp_path):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('[auth]\nmode = "proxy"\nheader = "X-Forwarded-User"\nusers_file = "/etc/u.csv"\n')
    config = auth.load_config({}, secrets)
    assert config == auth.AuthConfig("proxy", "X-Forwarded-User", Path("/etc/u.csv"))
    config = auth.load_config({auth.ENV_MODE: "local", auth.ENV_HEADER: "X-User"}, secrets)
    assert config.mode == "local" and config.header == "X-User"
    assert auth.load_config({auth.ENV_MODE: " PROXY "}, tmp_path / "absent.toml").proxy


@pytest.mark.parametrize("environ", [{auth.ENV_MODE: "prxy"}, {auth.ENV_MODE: "open"},
                                     {auth.ENV_MODE: "proxy", auth.ENV_HEADER: "X User: x"}])
def test_invalid_configuration_fails_closed(tmp_path, environ):
    with pytest.raises(auth.AuthConfigError):
        auth.load_config(environ, tmp_path / "absent.toml")


# --- identity from headers -----------------------------------------------------------------------


class MultiHeaders(dict):
    """Like ``st.context.headers``: several values per name, case-insensitive."""

    def __init__(self, pairs):
        super().__init__({k.lower(): v for k, v in pairs})
        self._pairs = pairs

    def get_all(self, key):
        return [v for k, v in self._pairs if k.lower() == key.lower()]


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"X-Remote-User": "ien79"}, "ien79"),
        ({"x-remote-user": "  IEN79 "}, "ien79"),
        (MultiHeaders([("X-Remote-User", "ien79")]), "ien79"),
        (MultiHeaders([("X-Remote-User", "ien79"), ("X-Remote-User", "recteur")]), None),  # ambiguous
        (MultiHeaders([("X-Remote-User", "ien79"), ("x-remote-user", "IEN79")]), "ien79"),
        ({}, None),
        ({"X-Remote-User": ""}, None),
        ({"X-Remote-User": "a b"}, None),
        ({"X-Remote-User": "x\nrecteur"}, None),
        ({"X-Remote-User": "x" * 121}, None),
        ({"X-Other": "recteur"}, None),
    ],
)
def test_identity_from_headers(headers, expected):
    assert auth.identity_from_headers(headers, "X-Remote-User") == expected


def test_local_mode_ignores_a_forged_header(db_engine):
    forged = {"X-Remote-User": "lecteur"}
    with db_engine.connect() as conn:
        scope = auth.resolve_scope(conn, auth.AuthConfig("local"), forged)
    assert scope == Scope.full("local")


# --- users file ----------------------------------------------------------------------------------


@pytest.fixture
def users_engine(db_engine):
    auth.load_users_file(db_engine, EXAMPLE)
    return db_engine


def test_example_file_loads(users_engine):
    with users_engine.connect() as conn:
        users = auth.list_users(conn)
    assert {u["identifiant"] for u in users} == set(EXPECTED)
    assert {u["identifiant"]: u["territoire_code"] for u in users}["csaio"] == ACADEMIE


@pytest.mark.parametrize("ident", sorted(EXPECTED))
def test_each_role_sees_its_scope(users_engine, ident):
    role, territory, count, allowed, refused = EXPECTED[ident]
    with users_engine.connect() as conn:
        scope = auth.resolve_scope(conn, auth.AuthConfig("proxy"), {"X-Remote-User": ident})
        assert scope == Scope(role, territory, ident)
        visible = [t.code for t in tq.visible_territories(conn, scope, YEAR)]
        assert len(visible) == count
        for code in allowed:
            assert code in visible
            assert tq.resolve_territory(conn, scope, code, YEAR).code == code
        for code in refused:
            assert code not in visible
            with pytest.raises(AccessDenied):
                tq.resolve_territory(conn, scope, code, YEAR)
        index = tq.territory_index(conn, YEAR)
        detail = [c for c in index if tq.can_view_detail(index, scope, c)]
    # detail only inside the user's own territory; aggregates above it
    if role == "lecteur":
        assert detail == []
    else:
        assert all(tq.is_within(index, c, territory) for c in detail)
        assert territory in detail


def test_unknown_and_missing_users_are_refused(users_engine):
    with users_engine.connect() as conn:
        proxy = auth.AuthConfig("proxy")
        assert auth.resolve_scope(conn, proxy, {"X-Remote-User": "inconnu"}) is None
        assert auth.resolve_scope(conn, proxy, {}) is None
        assert auth.resolve_scope(conn, proxy, {"X-Forwarded-User": "recteur"}) is None


def test_hand_edited_table_with_bad_rows_refuses(db_engine):
    with db_engine.begin() as conn:
        conn.execute(insert(db.utilisateurs), [
            {"identifiant": "x1", "role": "admin", "territoire_code": "ACAD"},
            {"identifiant": "x2", "role": "ien-io", "territoire_code": "99"},
            {"identifiant": "x3", "role": "psad", "territoire_code": None},
            {"identifiant": "x4", "role": "reseau", "territoire_code": "P86-POI"},  # a PSAD, not a network
            {"identifiant": "x5", "role": "recteur", "territoire_code": "79"},  # académie role: pinned to ACAD
        ])
    with db_engine.connect() as conn:
        assert [auth.scope_for(conn, f"x{i}") for i in range(1, 5)] == [None] * 4
        assert auth.scope_for(conn, "x5") == Scope("recteur", ACADEMIE, "x5")


def test_invalid_file_lists_every_problem_and_changes_nothing(users_engine):
    bad = (
        "Identifiant;Nom;Rôle;Territoire\n"
        "ien79;Doublon;ien-io;79\n"
        "IEN79;Doublon;ien-io;79\n"
        ";Sans identifiant;lecteur;\n"
        "x;Rôle inconnu;inspecteur;79\n"
        "y;Académie avec territoire;recteur;17\n"
        "z;Département inconnu;dasen;99\n"
        "w;PSAD au lieu d'un réseau;reseau;P86-POI\n"
        "v;Sans territoire;psad;\n"
    ).encode()
    with pytest.raises(auth.UsersFileInvalid) as info:
        auth.replace_users(users_engine, bad)
    problems = [(p.line, p.column) for p in info.value.problems]
    assert problems == [(3, "identifiant"), (4, "identifiant"), (5, "role"), (6, "territoire_code"),
                        (7, "territoire_code"), (8, "territoire_code"), (9, "territoire_code")]
    assert "ligne 3" in str(info.value) and "déjà présent ligne 2" in str(info.value)
    with users_engine.connect() as conn:
        assert len(auth.list_users(conn)) == len(EXPECTED)  # unchanged


def test_file_variants_comma_cp1252_aliases(db_engine):
    data = "identifiant,nom,role,territoire\nMarie.Dupont@ac-poitiers.fr,Marie Dupont,IEN_IO,79\n"
    assert auth.replace_users(db_engine, data.encode("cp1252")) == 1
    with db_engine.connect() as conn:
        scope = auth.scope_for(conn, "marie.dupont@AC-POITIERS.fr")
    assert scope == Scope("ien-io", "79", "marie.dupont@ac-poitiers.fr")


def test_file_replaces_the_table(users_engine):
    auth.replace_users(users_engine, b"identifiant;nom;role;territoire_code\nnouveau;;lecteur;\n")
    with users_engine.connect() as conn:
        assert [u["identifiant"] for u in auth.list_users(conn)] == ["nouveau"]
        assert auth.scope_for(conn, "ien79") is None


@pytest.mark.parametrize("data", [b"", b"identifiant;nom\nx;y\n", b"identifiant;nom;role;territoire_code\n"])
def test_empty_or_headless_files_are_refused(db_engine, data):
    with pytest.raises(auth.UsersFileInvalid):
        auth.replace_users(db_engine, data)


def test_cli_scope(users_engine):
    with users_engine.connect() as conn:
        assert auth.cli_scope(conn, None) == Scope.full("cli")
        assert auth.cli_scope(conn, "ien79") == Scope("ien-io", "79", "ien79")
        with pytest.raises(AccessDenied):
            auth.cli_scope(conn, "inconnu")


def test_cli_load_and_list(db_engine, capsys, tmp_path):
    url = db_engine.url.render_as_string(hide_password=False)
    assert auth_cli.main(["load-users", str(EXAMPLE), "--database-url", url]) == 0
    assert "8 utilisateur(s)" in capsys.readouterr().out
    listed = cli.run_subprocess("dashboard.auth", "list-users", "--database-url", url)  # the command's smoke test
    assert listed.returncode == 0, listed.stderr
    assert "ien79\tIEN-IO des Deux-Sèvres\tIEN-IO\t79" in listed.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text("identifiant;nom;role;territoire_code\nx;;chef;\n", encoding="utf-8")
    assert auth_cli.main(["load-users", str(bad), "--database-url", url]) == 1
    assert "rien n'a été modifié" in capsys.readouterr().err
    with db_engine.connect() as conn:
        assert conn.execute(select(db.utilisateurs.c.identifiant)).scalars().all()


def test_role_helpers():
    assert Scope.for_role("csaio", "17", "c") == Scope("csaio", ACADEMIE, "c")
    with pytest.raises(ValueError):
        Scope.for_role("dasen", None, "d")
    with pytest.raises(ValueError):
        Scope.for_role("chef", "ACAD", "d")
    require_audit_reader(Scope.full())
    require_importer(Scope("csaio", ACADEMIE, "c"))
    for scope in (Scope("ien-io", "79", "i"), Scope("lecteur", ACADEMIE, "l"), Scope("reseau", "R16-ANG", "r")):
        with pytest.raises(AccessDenied):
            require_audit_reader(scope)
        with pytest.raises(AccessDenied):
            require_importer(scope)


# --- only the proxy is trusted (issue 30, item 9) ----------------------------------------------------


def test_the_proxy_secret_is_compared_whole_and_once(tmp_path):
    secret = "s" * 40
    assert auth.from_proxy({auth.PROXY_SECRET_HEADER: secret}, secret)
    assert auth.from_proxy({auth.PROXY_SECRET_HEADER.lower(): f" {secret} "}, secret)
    for headers in ({}, {auth.PROXY_SECRET_HEADER: secret[:-1]}, {auth.PROXY_SECRET_HEADER: secret + "s"},
                    {auth.PROXY_SECRET_HEADER: ""}, {"X-Remote-User": "recteur"}):
        assert not auth.from_proxy(headers, secret), headers


def test_proxy_mode_without_a_usable_secret_is_a_configuration_error(tmp_path):
    config = auth.load_config({auth.ENV_MODE: "proxy"}, tmp_path / "absent.toml")
    with pytest.raises(auth.AuthConfigError, match="sans secret"):
        auth.proxy_secret(config)
    short = tmp_path / "court"
    short.write_text("abc\n")
    with pytest.raises(auth.AuthConfigError, match="trop court"):
        auth.proxy_secret(auth.load_config({auth.ENV_MODE: "proxy", auth.ENV_PROXY_SECRET_FILE: str(short)},
                                           tmp_path / "absent.toml"))
    with pytest.raises(auth.AuthConfigError, match="illisible"):
        auth.proxy_secret(auth.load_config({auth.ENV_MODE: "proxy", auth.ENV_PROXY_SECRET_FILE: str(tmp_path / "x")},
                                           tmp_path / "absent.toml"))


def test_the_secret_command_writes_the_app_file_and_the_nginx_include(tmp_path):
    app, nginx = tmp_path / "app" / "secret", tmp_path / "nginx" / "pilotage-secret-proxy.conf"
    assert auth_cli.main(["secret-proxy", "--app", str(app), "--nginx", str(nginx)]) == 0
    secret = app.read_text().strip()
    assert len(secret) >= auth.MIN_SECRET_LENGTH and oct(app.stat().st_mode & 0o777) == "0o600"
    assert nginx.read_text() == f'proxy_set_header {auth.PROXY_SECRET_HEADER} "{secret}";\n'
    config = auth.load_config({auth.ENV_MODE: "proxy", auth.ENV_PROXY_SECRET_FILE: str(app)}, tmp_path / "absent.toml")
    assert auth.proxy_secret(config) == secret
