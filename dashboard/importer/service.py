"""The import as a whole: validate, then write in one transaction, then log.

``validate`` never writes. ``import_file`` validates again inside the write transaction (so the
checks see exactly the data being written over), writes the rows, logs the import and, when rows
were added or changed, bumps the data version (every cached figure is then recomputed). Any
failure rolls the whole transaction back: the database is as it was.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from sqlalchemy import Engine

from dashboard import fmt
from dashboard.importer import validation, writing
from dashboard.importer.contracts import KIND_LABELS
from dashboard.importer.report import Report, s
from dashboard.importer.validation import Checked
from dashboard.importer.writing import WriteCounts
from dashboard.store import integrity
from queries import raccrochage_suppression


@dataclass(frozen=True)
class ImportResult:
    kind: str | None
    report: Report
    written: bool
    counts: WriteCounts
    filename: str
    sha256: str
    dry_run: bool = False

    def summary(self) -> str:
        """French summary of the outcome."""
        label = f" ({KIND_LABELS[self.kind]})" if self.kind in KIND_LABELS else ""
        if not self.report.ok:
            return f"Fichier refusé{label} : {self.report.summary()} Rien n'a été écrit."
        if self.dry_run:
            return f"Vérification seule{label} : {self.report.summary()} Rien n'a été écrit."
        c = self.counts
        parts = [
            f"{fmt.integer(c.added)} ligne{s(c.added)} ajoutée{s(c.added)}",
            f"{fmt.integer(c.changed)} modifiée{s(c.changed)}",
            f"{fmt.integer(c.unchanged)} inchangée{s(c.unchanged)}",
        ]
        if c.deleted:
            parts.append(f"{fmt.integer(c.deleted)} supprimée{s(c.deleted)}")
        warn = f" {fmt.integer(self.report.warnings)} avertissement{s(self.report.warnings)} à consulter." \
            if self.report.warnings else ""
        nothing = " Le fichier était déjà importé : rien n'a changé." if not c.any_change else ""
        aside = f" {self.report.set_aside_text().capitalize()} : elles ne sont pas importées." \
            if self.report.set_aside else ""
        return f"Import réussi{label} : {', '.join(parts)}.{nothing}{aside}{warn}"


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def validate(engine: Engine, data: bytes, filename: str = "", kind: str | None = None, mapping=None) -> Checked:
    """Read and check the whole file against the database; nothing is written. ``mapping``: read
    the file through this column mapping (``mapping.Mapping``)."""
    with engine.connect() as conn:
        return validation.check(conn, data, filename, kind, mapping)


def import_file(engine: Engine, data: bytes, filename: str = "", kind: str | None = None, *,
                utilisateur: str = "local", dry_run: bool = False, mapping=None) -> ImportResult:
    """Check the file and, if it has no error (and not ``dry_run``), write it in one transaction."""
    digest = sha256_hex(data)
    integrity.check(engine)  # a damaged database is never written to
    with engine.begin() as conn:
        checked = validation.check(conn, data, filename, kind, mapping)
        if not checked.ok or dry_run:
            return ImportResult(checked.kind, checked.report, False, WriteCounts(), filename, digest, dry_run)
        counts = writing.write(conn, checked.kind, checked.rows)
        writing.log_import(conn, utilisateur=utilisateur, fichier=filename or "(sans nom)", sha256=digest,
                           kind=checked.kind, lignes=checked.report.rows, counts=counts)
        if counts.any_change:
            writing.bump_version(conn)
    if counts.any_change:  # every subject's decisions depend on the data (raccrochage, GPDS, absenteeism)
        _store_secrecy(engine)
    return ImportResult(checked.kind, checked.report, True, counts, filename, digest)


def _store_secrecy(engine: Engine) -> None:
    """Decide the statistical-secrecy masks of every school year once, after the import, so that no
    page computes them (``queries.raccrochage_suppression``). A failure only delays them to the first
    page that needs them."""

    try:
        raccrochage_suppression.store_decisions(engine)
    except Exception:  # the import itself has succeeded
        logging.getLogger("dashboard.importer").exception("Secret statistique : décisions non enregistrées")
