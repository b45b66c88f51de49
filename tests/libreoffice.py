"""Open exported files as users do: LibreOffice headless, French locale (``fr-FR`` in a private
profile), each sheet of a workbook saved as shown (« 2 148 », « 3,1 % »)."""

from __future__ import annotations

import csv
import shutil
import subprocess
from pathlib import Path

import pytest

SOFFICE = shutil.which("soffice")
needs_libreoffice = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) absent : installez "
                                                              "libreoffice-calc (make test le fait)")
_LOCALE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Setup/L10N"><prop oor:name="ooSetupSystemLocale" oor:op="fuse"><value>fr-FR</value></prop></item>
</oor:items>
"""
#: « Save cell contents as shown », every sheet, UTF-8, ``;``
CSV_FILTER = "csv:Text - txt - csv (StarCalc):59,34,76,1,,1036,false,true,true,false,false,-1"


def profile(folder: Path) -> Path:
    """A LibreOffice user profile whose locale is French."""
    user = folder / "user"
    user.mkdir(parents=True, exist_ok=True)
    (user / "registrymodifications.xcu").write_text(_LOCALE, encoding="utf-8")
    return folder


def _run(args: list[str], folder: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(folder), "LC_ALL": "C.UTF-8"}
    subprocess.run([SOFFICE, f"-env:UserInstallation=file://{profile(folder / 'profil')}", "--headless", *args],
                   check=True, capture_output=True, timeout=240, env=env)


def sheets_as_shown(xlsx: bytes, folder: Path, name: str = "classeur") -> dict[str, list[list[str]]]:
    """Every sheet of the workbook as LibreOffice (French) displays it: sheet name → rows of texts,
    non-breaking spaces written as plain spaces."""
    folder.mkdir(parents=True, exist_ok=True)
    source = folder / f"{name}.xlsx"
    source.write_bytes(xlsx)
    out = folder / "csv"
    _run(["--convert-to", CSV_FILTER, "--outdir", str(out), str(source)], folder)
    sheets = {}
    for path in sorted(out.glob(f"{name}-*.csv")):
        text = path.read_text(encoding="utf-8")
        sheets[path.stem[len(name) + 1:]] = [[plain(c) for c in row] for row in csv.reader(text.splitlines(),
                                                                                             delimiter=";")]
    return sheets


def to_pdf(data: bytes, suffix: str, folder: Path, name: str = "document") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    source = folder / f"{name}{suffix}"
    source.write_bytes(data)
    _run(["--convert-to", "pdf", "--outdir", str(folder), str(source)], folder)
    return folder / f"{name}.pdf"


def plain(text: str) -> str:
    """Spaces as a comparison sees them (narrow and ordinary no-break spaces are spaces)."""
    return text.replace("\u202f", " ").replace("\u00a0", " ")
