"""Import of the académie's files (DESIGN §4): validated whole, written all-or-nothing,
idempotent, logged.

Pipeline: ``reading`` (CSV/XLSX → rows of text, header found, line numbers kept) →
``validation`` (columns, ``parsing`` of French numbers and dates, ``rules`` per kind, duplicates)
→ ``report`` (every problem, French) → ``writing`` (one transaction keyed on natural keys) →
``import_log``. Command line: ``python -m dashboard.importer FILE`` (see ``cli``).
"""

from dashboard.importer import mapping, schools, template_codes
from dashboard.importer.contracts import CONTRACTS, KIND_LABELS, KINDS
from dashboard.importer.maintenance import (
    backup_database,
    backup_folder,
    clear_demo_data,
    recent_imports,
    restore_database,
)
from dashboard.importer.reading import UnreadableFile, read_file
from dashboard.importer.report import ERROR, WARNING, Report
from dashboard.importer.service import ImportResult, import_file, sha256_hex, validate
from dashboard.importer.templates import (
    template_csv,
    template_filename,
    template_xlsx,
    territories_csv,
    territories_filename,
    territories_xlsx,
)
from dashboard.importer.validation import Checked

__all__ = [
    "CONTRACTS", "ERROR", "KINDS", "KIND_LABELS", "WARNING", "Checked", "ImportResult", "Report",
    "UnreadableFile", "backup_database", "backup_folder", "clear_demo_data", "restore_database", "import_file", "read_file", "recent_imports",
    "mapping", "schools", "sha256_hex", "template_codes", "template_csv", "template_filename", "template_xlsx",
    "territories_csv", "territories_filename", "territories_xlsx", "validate",
]
