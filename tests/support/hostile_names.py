"""Names full of Markdown, HTML and URLs (issue 18, item 2), and a demonstration database whose
networks, PSAD and schools carry them.

Every name points its images and links at a small local HTTP server (``Trap``) that counts the
requests it gets: a name rendered as markup would make the browser fetch from it.
"""

from __future__ import annotations

import contextlib
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from sqlalchemy import select

from dashboard.importer import service
from dashboard.store import database, db
from tests.support.importer import csv_bytes

#: Strings that only markup could turn into elements: emphasis, links, images.
BOLD_WORD = "gras"


def markdown_part(port: int) -> str:
    return f"**{BOLD_WORD}** [lien](javascript:alert(1)) ![p](http://127.0.0.1:{port}/md.png)"


def html_part(port: int) -> str:
    return f"<img src=http://127.0.0.1:{port}/x.png>"


def link_part(port: int) -> str:
    return f"<a href=http://127.0.0.1:{port}/a>a</a> <b>b</b> :red[rouge] $x$"


def network_name(short: str, port: int) -> str:
    """At most 120 characters (the column's limit)."""
    return f"{short} {markdown_part(port)} {html_part(port)}"


def psad_name(short: str, port: int) -> str:
    """At most 120 characters."""
    return f"{short} {link_part(port)} %{{y}} **{BOLD_WORD}** [lien](javascript:alert(1))"


def school_name(number: int, port: int) -> str:
    return f"{number} {markdown_part(port)} {html_part(port)} {link_part(port)}"


def file_name(port: int) -> str:
    return f"**{BOLD_WORD}** <img src=http://127.0.0.1:{port}/f.png> [l](http://127.0.0.1:{port}/f).csv"


def breakdown_file(engine, port: int) -> bytes:
    """The default breakdown with every network and PSAD renamed (codes unchanged)."""
    t = db.territoires
    with engine.connect() as conn:
        rows = conn.execute(
            select(t.c.commune_insee, t.c.reseau_code, t.c.psad_code).where(t.c.annee_debut == 0)
            .order_by(t.c.commune_insee)
        ).all()
    networks = {code: f"R{i}" for i, code in enumerate(sorted({r.reseau_code for r in rows}), start=1)}
    psads = {code: f"P{i}" for i, code in enumerate(sorted({r.psad_code for r in rows}), start=1)}
    header = ["commune_insee", "reseau_code", "reseau_nom", "psad_code", "psad_nom"]
    return csv_bytes(header, [[r.commune_insee, r.reseau_code, network_name(networks[r.reseau_code], port),
                               r.psad_code, psad_name(psads[r.psad_code], port)] for r in rows])


def schools_file(engine, port: int) -> bytes:
    """Every school of the database, renamed."""
    e = db.etablissements
    columns = ["uai", "nom", "type", "secteur", "commune_insee", "education_prioritaire", "reseau_code"]
    with engine.connect() as conn:
        rows = conn.execute(select(*[e.c[c] for c in columns]).order_by(e.c.uai)).mappings().all()
    return csv_bytes(columns, [[school_name(i, port) if c == "nom" else row[c] for c in columns]
                               for i, row in enumerate(rows, start=1)])


def hostile_database(demo_sqlite_url: str, path: Path, port: int) -> str:
    """A copy of the demonstration database whose networks, PSAD and schools have hostile names,
    imported through the importer (the file names are hostile too)."""
    shutil.copy(demo_sqlite_url.split("///", 1)[1], path)
    url = f"sqlite:///{path}"
    engine = database.make_engine(url)
    try:
        for kind, data in (("territoires", breakdown_file(engine, port)),
                           ("etablissements", schools_file(engine, port))):
            result = service.import_file(engine, data, file_name(port), kind, utilisateur="**u** <b>x</b>")
            assert result.written, result.report.issues
    finally:
        engine.dispose()
    return url


class Trap:
    """A local HTTP server on a free loopback port that records every request it gets."""

    def __init__(self) -> None:
        hits = self.hits = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # http.server's naming
                hits.append(self.path)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):  # quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Trap:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        with contextlib.suppress(Exception):
            self.server.shutdown()
        self.server.server_close()
