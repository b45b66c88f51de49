"""Open exported files as users do: LibreOffice headless, French locale (``fr-FR`` in a private
profile), each sheet of a workbook saved as shown (« 2 148 », « 3,1 % »), each deck as a PDF.

LibreOffice takes seconds to start, so the files of a test run are converted together: a test module
registers the files it needs with ``@office_files("name")`` (a function of the demonstration
database's URL returning ``{file name: bytes}``), and the session fixture ``office`` makes every
registered file and converts them all at the first request, one LibreOffice call per target format.
Tests that use it are marked ``xdist_group("libreoffice")``: one worker converts everything once.
"""

from __future__ import annotations

import csv
import shutil
import subprocess
from collections.abc import Callable
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


def _run(args: list[str], folder: Path, timeout: float = 240) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(folder), "LC_ALL": "C.UTF-8"}
    subprocess.run([SOFFICE, f"-env:UserInstallation=file://{profile(folder / 'profil')}", "--headless", *args],
                   check=True, capture_output=True, timeout=timeout, env=env)


def read_sheets(out: Path, name: str) -> dict[str, list[list[str]]]:
    """The CSV files LibreOffice wrote for workbook ``name``: sheet name → rows of texts, non-breaking
    spaces written as plain spaces."""
    sheets = {}
    for path in sorted(out.glob(f"{name}-*.csv")):
        text = path.read_text(encoding="utf-8")
        sheets[path.stem[len(name) + 1:]] = [[plain(c) for c in row] for row in csv.reader(text.splitlines(),
                                                                                             delimiter=";")]
    return sheets


Producer = Callable[[str], dict[str, bytes]]
PRODUCERS: dict[str, Producer] = {}


def office_files(name: str) -> Callable[[Producer], Producer]:
    """Register ``producer(demo_url) -> {file name: bytes}`` under ``name`` for the session's batch."""
    def register(producer: Producer) -> Producer:
        PRODUCERS[name] = producer
        return producer

    return register


class Office:
    """Every registered file, converted once: ``sheets(group, file)`` and ``pdf(group, file)``."""

    def __init__(self, folder: Path, demo_url: str):
        self.folder, self.demo_url = folder, demo_url
        self._stems: dict[tuple[str, str], str] = {}  # (group, file) → « f007 »: no name is the prefix of another
        self._done = False

    def convert_all(self) -> None:
        if self._done:
            return
        sources = self.folder / "sources"
        sources.mkdir(parents=True, exist_ok=True)
        for group, producer in PRODUCERS.items():
            for file, data in producer(self.demo_url).items():
                stem = self._stems.setdefault((group, file), f"f{len(self._stems):03d}")
                (sources / f"{stem}{Path(file).suffix}").write_bytes(data)
        workbooks = sorted(str(p) for p in sources.glob("*.xlsx"))
        decks = sorted(str(p) for p in sources.glob("*.pptx"))
        if workbooks:
            _run(["--convert-to", CSV_FILTER, "--outdir", str(self.folder / "csv"), *workbooks], self.folder, 900)
        if decks:
            _run(["--convert-to", "pdf", "--outdir", str(self.folder / "pdf"), *decks], self.folder, 900)
        self._done = True

    def sheets(self, group: str, file: str) -> dict[str, list[list[str]]]:
        """Every sheet of workbook ``file`` of ``group`` as LibreOffice (French) displays it."""
        self.convert_all()
        return read_sheets(self.folder / "csv", self._stems[(group, file)])

    def pdf(self, group: str, file: str) -> Path:
        """The PDF LibreOffice made of deck ``file`` of ``group``."""
        self.convert_all()
        return self.folder / "pdf" / f"{self._stems[(group, file)]}.pdf"


@pytest.fixture(scope="session")
def office(demo_sqlite_url, tmp_path_factory) -> Office:
    """The run's files opened as users open them (``office_files`` registers them)."""
    if SOFFICE is None:
        pytest.skip("LibreOffice (soffice) absent : installez libreoffice-calc et libreoffice-impress "
                    "(make test le fait)")
    return Office(tmp_path_factory.mktemp("office"), demo_sqlite_url)


def plain(text: str) -> str:
    """Spaces as a comparison sees them (narrow and ordinary no-break spaces are spaces)."""
    return text.replace("\u202f", " ").replace("\u00a0", " ")
