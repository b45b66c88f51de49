"""Letters in the database: drafts and their editorial blocks, publication (numbered, frozen with its
HTML and PDF), the archive (core, no Streamlit).

Writing is for the letter's editors (``access.require_letter_editor``: recteur, CSAIO, MLDS); a
published letter never changes again: saving a draft of its period is refused.
"""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import Connection, Engine, delete, func, insert, select, update

from dashboard.access import audit
from dashboard.access.scope import Scope, require_letter_editor
from dashboard.lettre import html as letter_html
from dashboard.lettre import letter, pdf
from dashboard.store import db

DRAFT, PUBLISHED = "brouillon", "publiee"
PAGE = "Lettre de la MLDS"
PUBLISH_ACTION = "publication_lettre"
BLOCK_FIELDS = ("titre", "texte", "reseau_code", "contact", "date_evenement", "lieu")
LIMITS = {"titre": 200, "reseau_code": 20, "contact": 120, "date_evenement": 10, "lieu": 200, "texte": 20_000}


class LetterRefused(Exception):
    """A change the letter's rules refuse (French ``message``); nothing was written."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def find(conn: Connection, annee: str, periode: str) -> dict | None:
    """The letter of one bilan period (draft or published), without its files."""
    t = db.lettres
    row = conn.execute(select(t.c.id, t.c.annee_scolaire, t.c.periode_fin, t.c.statut, t.c.numero, t.c.modifiee_le,
                              t.c.modifiee_par, t.c.publiee_le, t.c.publiee_par)
                       .where(t.c.annee_scolaire == annee, t.c.periode_fin == periode)).first()
    return dict(row._mapping) if row else None


def blocks(conn: Connection, lettre_id: int) -> list[dict]:
    b = db.lettre_blocs
    rows = conn.execute(select(b).where(b.c.lettre_id == lettre_id).order_by(b.c.genre, b.c.rang)).all()
    return [dict(r._mapping) for r in rows]


def earlier_draft(conn: Connection, annee: str, periode: str) -> dict | None:
    """The latest unpublished draft of ``annee`` for an earlier bilan (a bilan arrived before it was
    published): its blocks are offered again for the new letter."""
    t = db.lettres
    row = conn.execute(select(t.c.id, t.c.periode_fin).where(t.c.annee_scolaire == annee, t.c.statut == DRAFT,
                                                             t.c.periode_fin < periode)
                       .order_by(t.c.periode_fin.desc()).limit(1)).first()
    return {"id": row.id, "periode_fin": row.periode_fin, "blocs": blocks(conn, row.id)} if row else None


def clean_blocks(items: list[dict]) -> list[dict]:
    """Blocks as written in the app: stripped, clipped, empty ones dropped, ranked per kind."""
    out, ranks = [], {}
    for item in items:
        kind = item.get("genre")
        if kind not in db.LETTER_BLOCK_KINDS:
            raise ValueError(kind)
        values = {f: (str(item.get(f)).strip()[: LIMITS[f]] if item.get(f) not in (None, "") else None)
                  for f in BLOCK_FIELDS}
        if not (values["titre"] or values["texte"]):
            continue
        ranks[kind] = ranks.get(kind, 0) + 1
        out.append({"genre": kind, "rang": ranks[kind], **values, "texte": values["texte"] or ""})
    return out


def save_draft(engine: Engine, scope: Scope, annee: str, periode: str, items: list[dict]) -> int:
    """Create or replace the draft of one period with ``items`` (editorial, practices, agenda), in
    one transaction. ``LetterRefused`` once the letter is published or for a period that is not the
    latest bilan."""
    require_letter_editor(scope)
    cleaned = clean_blocks(items)
    with engine.begin() as conn:
        try:
            letter.check_period(conn, annee, periode)
        except letter.PeriodUnavailable as exc:
            raise LetterRefused(exc.message) from exc
        current = find(conn, annee, periode)
        t = db.lettres
        if current and current["statut"] == PUBLISHED:
            raise LetterRefused(f"La lettre n° {current['numero']} est publiée : elle ne peut plus être modifiée.")
        if current is None:
            lettre_id = conn.execute(insert(t).values(annee_scolaire=annee, periode_fin=periode, statut=DRAFT,
                                                      modifiee_le=_now(), modifiee_par=scope.utilisateur)
                                     ).inserted_primary_key[0]
        else:
            lettre_id = current["id"]
            conn.execute(update(t).where(t.c.id == lettre_id).values(modifiee_le=_now(),
                                                                    modifiee_par=scope.utilisateur))
        conn.execute(delete(db.lettre_blocs).where(db.lettre_blocs.c.lettre_id == lettre_id))
        if cleaned:
            conn.execute(insert(db.lettre_blocs), [{"lettre_id": lettre_id, **b} for b in cleaned])
    return lettre_id


def previous_content(conn: Connection, before_numero: int | None = None) -> dict | None:
    """The frozen content of the latest published letter (before number ``before_numero``)."""
    t = db.lettres
    stmt = select(t.c.contenu).where(t.c.statut == PUBLISHED)
    if before_numero is not None:
        stmt = stmt.where(t.c.numero < before_numero)
    value = conn.execute(stmt.order_by(t.c.numero.desc()).limit(1)).scalar()
    return json.loads(value) if value else None


def next_number(conn: Connection) -> int:
    return int(conn.execute(select(func.max(db.lettres.c.numero))).scalar() or 0) + 1


def preview(conn: Connection, annee: str, periode: str, *, territories: bool = False) -> dict:
    """The letter as it would be published now (its draft's blocks, the next number unassigned)."""
    current = find(conn, annee, periode)
    if current and current["statut"] == PUBLISHED:
        return published_content(conn, current["id"])
    items = blocks(conn, current["id"]) if current else []
    return letter.compose(conn, annee, periode, items, previous=previous_content(conn), territories=territories)


def preview_figures(conn: Connection, annee: str, periode: str) -> dict:
    """The académie's letter without its editorial blocks (the page caches it until the next import or
    publication; the blocks are added by ``letter.blocks_content``)."""
    return letter.compose(conn, annee, periode, [], previous=previous_content(conn), territories=False)


def publish(engine: Engine, scope: Scope, annee: str, periode: str) -> dict:
    """Number, compose, render and freeze the letter of one period, in one transaction; an audit row
    records it. Returns the letter's row (``find``). ``LetterRefused`` if already published."""
    require_letter_editor(scope)
    with engine.begin() as conn:
        current = find(conn, annee, periode)
        if current and current["statut"] == PUBLISHED:
            raise LetterRefused(f"La lettre n° {current['numero']} est déjà publiée.")
        try:
            letter.check_period(conn, annee, periode)
        except letter.PeriodUnavailable as exc:
            raise LetterRefused(exc.message) from exc
        numero = next_number(conn)
        items = blocks(conn, current["id"]) if current else []
        content = letter.compose(conn, annee, periode, items, numero=numero, previous=previous_content(conn))
        master = letter.view(content, Scope.full("lettre"))
        values = {"statut": PUBLISHED, "numero": numero, "publiee_le": _now(), "publiee_par": scope.utilisateur,
                  "modifiee_le": _now(), "modifiee_par": scope.utilisateur,
                  "contenu": json.dumps(content, ensure_ascii=False), "html": letter_html.document(master),
                  "pdf": pdf.render(master)}
        t = db.lettres
        if current is None:
            conn.execute(insert(t).values(annee_scolaire=annee, periode_fin=periode, **values))
        else:
            conn.execute(update(t).where(t.c.id == current["id"]).values(**values))
        audit.record(conn, scope.utilisateur, PUBLISH_ACTION, PAGE, "ACAD", f"{content['titre']}")
        return find(conn, annee, periode)


def published(conn: Connection) -> list[dict]:
    """Every published letter, newest first (number, year, period, publication)."""
    t = db.lettres
    rows = conn.execute(select(t.c.id, t.c.numero, t.c.annee_scolaire, t.c.periode_fin, t.c.publiee_le,
                               t.c.publiee_par).where(t.c.statut == PUBLISHED).order_by(t.c.numero.desc())).all()
    return [dict(r._mapping) for r in rows]


def published_content(conn: Connection, lettre_id: int) -> dict:
    value = conn.execute(select(db.lettres.c.contenu).where(db.lettres.c.id == lettre_id,
                                                            db.lettres.c.statut == PUBLISHED)).scalar()
    if not value:
        raise KeyError(lettre_id)
    return json.loads(value)


def published_files(conn: Connection, lettre_id: int) -> tuple[str, bytes]:
    """The HTML and PDF frozen at publication (the whole académie's version)."""
    row = conn.execute(select(db.lettres.c.html, db.lettres.c.pdf).where(db.lettres.c.id == lettre_id,
                                                                         db.lettres.c.statut == PUBLISHED)).first()
    if row is None:
        raise KeyError(lettre_id)
    return row.html, bytes(row.pdf)


def reader_files(conn: Connection, lettre_id: int, scope: Scope) -> tuple[str, bytes]:
    """A published letter as ``scope`` may read it: the frozen files for the académie-wide roles,
    else the reader's version rendered from the frozen content."""
    if letter.variant_key(scope) == letter.FULL:
        return published_files(conn, lettre_id)
    view = letter.view(published_content(conn, lettre_id), scope)
    return letter_html.document(view), pdf.render(view)


def filename(content_or_row: dict, suffix: str) -> str:
    numero = content_or_row.get("numero")
    periode = content_or_row.get("periode_fin")
    return f"lettre-mlds-{'n' + str(numero) if numero else 'brouillon'}-{periode}{suffix}"
