"""Import of the académie's files (docs/architecture.md, "Import files"): validated whole, written all-or-nothing,
idempotent, logged.

Pipeline: ``reading`` (CSV/XLSX → rows of text, header found, line numbers kept) →
``validation`` (columns, ``parsing`` of French numbers and dates, ``rules`` per kind, duplicates)
→ ``report`` (every problem, French) → ``writing`` (one transaction keyed on natural keys) →
``import_log``. Command line: ``python -m dashboard.importer FILE`` (see ``cli``).
``service`` runs the pipeline for one file (``import_file``, ``validate``). The package's modules are
imported by name (``from dashboard.importer import service``).
"""
