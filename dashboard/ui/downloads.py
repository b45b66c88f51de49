"""Streamlit side of the downloads: the CSV and XLSX buttons of a page's figures, and every download
button of the app (``download_button``: built when clicked, the click never reruns the page, the
download recorded in the audit log). The page kit (``ui.page``) re-exports these names; pages call them there.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import polars as pl

from dashboard.publish import columns, csvfile, exports, workbook
from dashboard.publish import provenance as publish_provenance
from dashboard.ui import access as ui_access
from dashboard.ui import data as ui_data
from dashboard.ui.context import PageContext

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def provenance(ctx: PageContext, title: str, *, sources: Sequence[str] = ("raccrochage",),
               data_date: str | None = None) -> publish_provenance.Provenance:
    """The provenance of a file downloaded from a page: title, territory, year, demo notice."""
    return publish_provenance.Provenance(title=title, territory=ctx.territory.label, annee=ctx.annee, data_date=data_date,
                              sources=tuple(sources), demo=ctx.demo)


def download_buttons(data: columns.Table | Sequence[columns.Table] | pl.DataFrame, basename: str,
                     sheet: str = "Données", key: str | None = None, ctx: PageContext | None = None,
                     source: publish_provenance.Provenance | None = None) -> None:
    """CSV and XLSX download buttons. Published figures come as declared tables
    (``dashboard.publish``: the CSV holds the first one, the XLSX every one and a « Notes » sheet
    from ``source``); a plain frame (an import report) is written as it is. The files are built
    only when clicked, and, given the page context, each download is recorded in the audit log."""
    if isinstance(data, pl.DataFrame):
        def build_csv() -> bytes:
            return exports.to_csv_bytes(data)

        def build_xlsx() -> bytes:
            return exports.to_xlsx_bytes({sheet: data})
    else:
        tables = [data] if isinstance(data, columns.Table) else list(data)
        if source is None and ctx is not None:
            sources = list(dict.fromkeys(s for t in tables for s in t.sources))
            source = provenance(ctx, f"{tables[0].name} — {ctx.territory.label} — {ctx.annee}", sources=sources)

        def build_csv() -> bytes:
            return csvfile.csv_bytes(tables[0], source)

        def build_xlsx() -> bytes:
            return workbook.xlsx_bytes(tables, source)
    import streamlit as st  # the page kit: Streamlit only when a button is drawn

    left, right = st.columns(2)
    for column, label, extension, build, mime in (
        (left, "Télécharger (CSV)", "csv", build_csv, "text/csv"),
        (right, "Télécharger (XLSX)", "xlsx", build_xlsx, XLSX_MIME),
    ):
        name = f"{safe_filename(basename)}.{extension}"
        download_button(column, label, build, name, mime, key=f"{key or basename}_{extension}", ctx=ctx,
                        width="stretch")


def download_button(container, label: str, data: Callable[[], bytes] | bytes, file_name: str, mime: str, *,
                    key: str, ctx: PageContext | None = None, what: str | None = None, **options) -> None:
    """Every download button of the app: the file is built when the button is clicked, and the
    click never reruns the page.

    A rerun gives every file built on click a new id while the browser still holds the old ones: a
    second button clicked right after a first one would then download nothing (« Deferred file …
    not found » in the server log). So the click does not rerun the script (``on_click="ignore"``)
    and, given the page context, the download is recorded in the audit log (as ``what``, the file
    name by default) when its file is built, not by a click callback."""
    build = data if callable(data) else (lambda: data)
    if ctx is not None:
        record = ui_access.export_recorder(ui_data.engine(), ctx, what or file_name)
        make = build

        def build() -> bytes:
            content = make()
            record()
            return content

    container.download_button(label, build, file_name, mime, key=key, on_click="ignore", **options)


def safe_filename(name: str) -> str:
    """A file name built from codes and labels: letters, digits, ``-``, ``_`` and ``.`` only."""
    return exports.safe_filename(name)
