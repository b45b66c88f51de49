"""Sending a published letter: one message per recipient, with the académie's part and only their own
territory's part, through the académie's SMTP relay, or written as ``.eml`` files (dry run).

Configuration (environment first, then ``.streamlit/secrets.toml`` ``[lettre.smtp]``)::

    DASHBOARD_SMTP_HOST / host          relay host (no host: real sending is not configured)
    DASHBOARD_SMTP_PORT / port          587 by default (465: TLS from the start)
    DASHBOARD_SMTP_STARTTLS / starttls  true by default
    DASHBOARD_SMTP_USER / user          optional credentials
    DASHBOARD_SMTP_PASSWORD / password
    DASHBOARD_SMTP_FROM / expediteur    the sender's address

Each message is recorded (``lettre_envois``) and in the audit log, one row per recipient, as it
goes: a recipient that fails is reported and never stops the others.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import smtplib
import ssl
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from sqlalchemy import Engine, insert, select

from dashboard.access import audit
from dashboard.access.scope import Scope, require_letter_editor
from dashboard.lettre import charts as letter_charts
from dashboard.lettre import html as letter_html
from dashboard.lettre import letter, pdf, recipients, store
from dashboard.store import database, db

SEND_ACTION, DRY_RUN_ACTION = "envoi_lettre", "essai_lettre"
DEFAULT_SENDER = "lettre-mlds@localhost"
TIMEOUT = 30  # seconds, per SMTP command


class SendingRefused(Exception):
    """The sending cannot start (French ``message``): nothing was sent."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int = 587
    starttls: bool = True
    user: str | None = None
    password: str | None = None
    sender: str = DEFAULT_SENDER

    @property
    def implicit_tls(self) -> bool:
        return self.port == 465


def _flag(value, default: bool) -> bool:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("1", "true", "oui", "yes", "on")


def load_config(environ: Mapping[str, str] | None = None, secrets_path: Path = database.SECRETS_PATH) -> SmtpConfig | None:
    """The relay's configuration, or None when no host is configured."""
    env = os.environ if environ is None else environ
    section: dict = {}
    if secrets_path.exists():
        with secrets_path.open("rb") as fh:
            section = tomllib.load(fh).get("lettre", {}).get("smtp", {}) or {}

    def get(name: str, key: str):
        return env.get(f"DASHBOARD_SMTP_{name}") or section.get(key)

    host = get("HOST", "host")
    if not host:
        return None
    try:
        port = int(get("PORT", "port") or 587)
    except ValueError as exc:
        raise SendingRefused("Le port du serveur d'envoi (DASHBOARD_SMTP_PORT) doit être un nombre.") from exc
    return SmtpConfig(host=str(host), port=port, starttls=_flag(get("STARTTLS", "starttls"), True),
                      user=get("USER", "user") or None, password=get("PASSWORD", "password") or None,
                      sender=str(get("FROM", "expediteur") or DEFAULT_SENDER))


@dataclass(frozen=True)
class Outcome:
    email: str
    territoire_code: str | None
    sent: bool
    detail: str
    path: Path | None = None


@dataclass
class _Rendered:
    subject: str
    html: str
    text: str
    pdf: bytes
    charts: list[letter_charts.Chart]
    cids: dict[str, str]


def _render(view: dict) -> _Rendered:
    charts = letter_charts.charts(view["academie"])
    cids = {c.key: make_msgid(idstring=c.key, domain="lettre.mlds")[1:-1] for c in charts}
    return _Rendered(view["titre"], letter_html.document(view, lambda c: f"cid:{cids[c.key]}", charts),
                     letter_html.plain_text(view, charts), pdf.render(view, charts), charts, cids)


def message(rendered: _Rendered, sender: str, recipient: str, filename: str) -> EmailMessage:
    """One e-mail: plain text and HTML (charts inline, with their alternative), the PDF attached."""
    msg = EmailMessage()
    msg["Subject"] = rendered.subject
    msg["From"] = sender
    msg["To"] = recipient
    msg["Date"] = format_datetime(dt.datetime.now(dt.UTC))
    msg["Message-ID"] = make_msgid(domain="lettre.mlds")
    msg["Content-Language"] = "fr"
    msg.set_content(rendered.text)
    msg.add_alternative(rendered.html, subtype="html")
    html_part = msg.get_payload()[1]
    for chart in rendered.charts:
        html_part.add_related(chart.png, maintype="image", subtype="png", cid=f"<{rendered.cids[chart.key]}>",
                              filename=f"{chart.key}.png")
    msg.add_attachment(rendered.pdf, maintype="application", subtype="pdf", filename=filename)
    return msg


class _Relay:
    """One SMTP connection, opened when first needed and opened again after a failure."""

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self.conn: smtplib.SMTP | None = None

    def _open(self) -> smtplib.SMTP:
        c = self.config
        context = ssl.create_default_context()
        if c.implicit_tls:
            conn = smtplib.SMTP_SSL(c.host, c.port, timeout=TIMEOUT, context=context)
        else:
            conn = smtplib.SMTP(c.host, c.port, timeout=TIMEOUT)
            if c.starttls:
                conn.starttls(context=context)
        if c.user:
            conn.login(c.user, c.password or "")
        return conn

    def send(self, msg: EmailMessage) -> None:
        if self.conn is None:
            self.conn = self._open()
        try:
            self.conn.send_message(msg)
        except smtplib.SMTPRecipientsRefused:
            self._reset()  # the connection stays usable, but a clean one costs little
            raise
        except Exception:
            self.close()
            raise

    def _reset(self) -> None:
        try:
            if self.conn is not None:
                self.conn.rset()
        except Exception:  # a broken connection is opened again for the next one
            self.close()

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.quit()
            except Exception:  # closing a broken connection
                pass
            self.conn = None


def failure_text(exc: BaseException) -> str:
    """A French explanation of one recipient's failure."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [f"{code} {reply.decode('utf-8', 'replace') if isinstance(reply, bytes) else reply}"
                 for code, reply in exc.recipients.values()]
        return "adresse refusée par le serveur d'envoi (" + "; ".join(codes) + ")"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return "identifiants refusés par le serveur d'envoi"
    if isinstance(exc, smtplib.SMTPException):
        return f"le serveur d'envoi a refusé le message ({type(exc).__name__} : {exc})"
    if isinstance(exc, OSError):
        return f"serveur d'envoi injoignable ({exc.strerror or exc})"
    if isinstance(exc, ValueError):
        return f"destinataire invalide ({exc})"
    return f"échec inattendu ({type(exc).__name__})"


def _eml_name(index: int, email: str) -> str:
    return f"{index:03d}-{re.sub(r'[^A-Za-z0-9@._-]', '_', email)}.eml"


def _record(engine: Engine, scope: Scope, lettre_id: int, numero: int, outcome: Outcome, dry_run: bool) -> None:
    mode = "essai" if dry_run else "smtp"
    with engine.begin() as conn:
        conn.execute(insert(db.lettre_envois).values(
            lettre_id=lettre_id, horodatage=dt.datetime.now(dt.UTC), utilisateur=scope.utilisateur,
            email=outcome.email, territoire_code=outcome.territoire_code, mode=mode,
            statut="envoye" if outcome.sent else "echec", detail=outcome.detail))
        state = ("écrit" if dry_run else "envoyé") if outcome.sent else "échec"
        audit.record(conn, scope.utilisateur, DRY_RUN_ACTION if dry_run else SEND_ACTION, store.PAGE,
                     outcome.territoire_code, f"Lettre n° {numero} → {outcome.email} : {state}"
                     + ("" if outcome.sent else f" ({outcome.detail})"))


def distribute(engine: Engine, scope: Scope, lettre_id: int, *, config: SmtpConfig | None = None,
               dry_run_dir: Path | None = None, only: list[str] | None = None,
               progress: Callable[[int, int], None] | None = None) -> list[Outcome]:
    """Send the published letter ``lettre_id`` to every recipient (or to ``only``), each with their
    version; with ``dry_run_dir``, write each message there as a ``.eml`` file instead."""
    require_letter_editor(scope)
    with engine.connect() as conn:
        content = store.published_content(conn, lettre_id)  # KeyError: not a published letter
        people = recipients.listed(conn)
    if only is not None:
        wanted = {e.lower() for e in only}
        people = [p for p in people if p["email"] in wanted]
    if not people:
        raise SendingRefused("Aucun destinataire : chargez d'abord la liste des destinataires.")
    if dry_run_dir is None and config is None:
        raise SendingRefused("Le serveur d'envoi n'est pas configuré (DASHBOARD_SMTP_HOST ou [lettre.smtp] dans "
                             ".streamlit/secrets.toml) : faites un essai, qui écrit les messages sans les envoyer.")
    if dry_run_dir is not None:
        dry_run_dir.mkdir(parents=True, exist_ok=True)
    sender = config.sender if config else DEFAULT_SENDER
    relay = _Relay(config) if dry_run_dir is None and config else None
    rendered: dict[str, _Rendered] = {}
    outcomes: list[Outcome] = []
    name = store.filename(content, ".pdf")
    try:
        for index, person in enumerate(people, start=1):
            path = None
            try:
                reader = recipients.scope_of(person)
                key = letter.variant_key(reader)
                if key not in rendered:
                    rendered[key] = _render(letter.view(content, reader))
                msg = message(rendered[key], sender, person["email"], name)
                if dry_run_dir is not None:
                    path = dry_run_dir / _eml_name(index, person["email"])
                    path.write_bytes(msg.as_bytes())
                    detail = f"message écrit dans {path.name}"
                else:
                    relay.send(msg)
                    detail = "message remis au serveur d'envoi"
                outcome = Outcome(person["email"], person["territoire_code"], True, detail, path)
            except Exception as exc:  # one recipient's failure never stops the others
                outcome = Outcome(person["email"], person["territoire_code"], False, failure_text(exc))
            _record(engine, scope, lettre_id, content["numero"], outcome, dry_run_dir is not None)
            outcomes.append(outcome)
            if progress:
                progress(index, len(people))
    finally:
        if relay is not None:
            relay.close()
    return outcomes


def history(engine_or_conn, lettre_id: int) -> list[dict]:
    """The sendings of one letter, newest first."""
    t = db.lettre_envois
    stmt = select(t.c.horodatage, t.c.utilisateur, t.c.email, t.c.territoire_code, t.c.mode, t.c.statut,
                  t.c.detail).where(t.c.lettre_id == lettre_id).order_by(t.c.id.desc())
    if isinstance(engine_or_conn, Engine):
        with engine_or_conn.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(stmt)]
    return [dict(r._mapping) for r in engine_or_conn.execute(stmt)]
