"""The letter's recipients: a CSV file like the users file (``email;nom;role;territoire_code``),
checked as a whole (a file with an error changes nothing, every problem is listed with its line and
column), then replacing the table in one transaction. Each recipient's role and territory give the
scope of the letter they receive (``letter.view``).
"""

from __future__ import annotations

import re

from sqlalchemy import Connection, Engine, delete, insert, select

from dashboard import plaintext
from dashboard.access import auth
from dashboard.access.scope import Scope, require_letter_editor
from dashboard.plaintext import ascii_letters
from dashboard.store import db

COLUMNS = ("email", "nom", "role", "territoire_code")
ALIASES = {"courriel": "email", "mail": "email", "adresse": "email", "e_mail": "email", "territoire": "territoire_code",
           "code_territoire": "territoire_code", "fonction": "role"}
EMAIL = re.compile(r"^[^@\s<>\"',;]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]"
                   r"{0,61}[A-Za-z0-9])?)+$")
TEMPLATE = ("email;nom;role;territoire_code\n"
            "recteur@ac-exemple.fr;Recteur;recteur;\n"
            "ien79@ac-exemple.fr;IEN-IO des Deux-Sèvres;ien-io;79\n"
            "reseau.angouleme@ac-exemple.fr;Responsable du réseau d'Angoulême;reseau;R16-ANG\n")


class RecipientsInvalid(Exception):
    def __init__(self, problems: list[auth.UserProblem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def _key(name: str) -> str:
    plain = ascii_letters(name.strip().lstrip("\ufeff"))
    key = re.sub(r"[\s-]+", "_", plain.lower())
    return ALIASES.get(key, key)


def parse(text: str) -> tuple[list[dict], list[auth.UserProblem]]:
    """Rows of a recipients CSV (``;`` or ``,``) and the problems found without the database."""
    problem = auth.UserProblem
    records, stops = plaintext.csv_records(text, COLUMNS, _key, "email;nom;role;territoire_code")
    if stops:
        return [], [problem(*stop) for stop in stops]
    rows, problems, seen = [], [], {}
    for number, record in records:
        email = record["email"].lower()
        if not EMAIL.match(email) or len(email) > 254:
            problems.append(problem(number, "email", f"adresse électronique invalide « {record['email'][:80]} »"))
        elif email in seen:
            problems.append(problem(number, "email", f"adresse « {email} » déjà présente ligne {seen[email]}"))
        else:
            seen[email] = number
        role, code, wrong = auth.role_and_territory(record)
        problems += [problem(number, column, message) for column, message in wrong]
        rows.append({"line": number, "email": email, "nom": record["nom"][:200] or None, "role": role,
                     "territoire_code": code})
    return rows, problems


def read(conn: Connection, data: bytes) -> list[dict]:
    """Validated recipients of a file, or ``RecipientsInvalid`` listing every problem."""
    try:
        text = auth.decode(data)
    except auth.UsersFileInvalid as exc:
        raise RecipientsInvalid(exc.problems) from exc
    rows, problems = parse(text)
    problems += auth.check_territories(conn, rows)
    if problems:
        raise RecipientsInvalid(sorted(problems, key=lambda p: p.line))
    if not rows:
        raise RecipientsInvalid([auth.UserProblem(2, "", "aucun destinataire dans le fichier")])
    return rows


def replace(engine: Engine, scope: Scope, data: bytes) -> int:
    """Replace the recipients by a file, in one transaction (nothing on error)."""
    require_letter_editor(scope)
    with engine.begin() as conn:
        rows = read(conn, data)
        conn.execute(delete(db.lettre_destinataires))
        conn.execute(insert(db.lettre_destinataires), [{k: r[k] for k in COLUMNS} for r in rows])
    return len(rows)


def listed(conn: Connection) -> list[dict]:
    t = db.lettre_destinataires
    rows = conn.execute(select(t.c.email, t.c.nom, t.c.role, t.c.territoire_code).order_by(t.c.email)).all()
    return [dict(r._mapping) for r in rows]


def scope_of(recipient: dict) -> Scope:
    """The scope a recipient reads the letter with (``ValueError`` for a role no longer known)."""
    return Scope.for_role(recipient["role"], recipient["territoire_code"], recipient["email"])
