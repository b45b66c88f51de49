"""Demonstration data (« données de démonstration »): a plausible académie — schools, networks,
bilans, targets, absenteeism, referents, GPDS activity — generated from a seed and written through
the store and the importer's bulk writer, with the secrecy decisions stored as an import would.

``generate.fill(engine)`` fills a database, ``generate.complete(engine)`` adds what a demonstration
database of an older release lacks; ``python -m dashboard.demo`` is the command line.

May import: the core (``dashboard.store``, ``dashboard.academie``, ``geodata``), ``queries`` and
``dashboard.importer.bulk``. Imported only by command lines, the app's first start on the embedded
database (``dashboard.ui.data``) and tests — never by queries, publish or pages (``pyproject.toml``).
"""
