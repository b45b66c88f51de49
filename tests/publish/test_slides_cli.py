"""The deck command line (subprocess), the académie template, and LibreOffice's PDF conversion."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.util import Inches

from dashboard.access.scope import Scope
from dashboard.slides import build, keyfigures, keyslide, methodtext
from dashboard.slides import content as slides_content
from dashboard.slides import deck as slides_deck
from dashboard.slides.__main__ import progress_bar
from dashboard.store import database
from queries import raccrochage_position as position
from tests.support import cli
from tests.support.decks import open_deck, overflowing_shapes, slide_texts, slide_title, small_texts
from tests.support.libreoffice import office_files

ROOT = Path(__file__).resolve().parents[2]
ANNEE = "2014-2015"


def run_cli(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return cli.run_cli("dashboard.slides", *args)


def test_one_deck(writable_demo_url, tmp_path):
    out = tmp_path / "acad.pptx"
    done = cli.run_subprocess("dashboard.slides", "--database-url", writable_demo_url, "--annee", ANNEE, "--territoire", "ACAD", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "écrite" in done.stdout
    prs = Presentation(str(out))
    assert slide_title(list(prs.slides)[1]).startswith("Chiffres clés")


def test_every_network_in_one_run(writable_demo_url, tmp_path):
    done = run_cli("--database-url", writable_demo_url, "--annee", ANNEE, "--tous-reseaux", "--out-dir",
                   str(tmp_path))
    assert done.returncode == 0, done.stderr
    files = sorted(tmp_path.glob("*.pptx"))
    assert len(files) == 15  # the 14 networks and the académie
    assert (tmp_path / build.deck_filename("ACAD", ANNEE)).exists()
    assert "15/15" in done.stderr and "[####" in done.stderr
    assert "14 présentations de réseau et celle de « Académie de Poitiers »" in done.stdout
    deck = Presentation(str(tmp_path / build.deck_filename("R17-ROC", ANNEE)))
    assert "Réseau Rochefort–Marennes-Oléron" in " ".join(slide_texts(list(deck.slides)[0]))


@pytest.mark.parametrize("args", [
    ("--annee", ANNEE, "--territoire", "ACAD"),  # no --out
    ("--annee", "2014", "--territoire", "ACAD", "--out", "x.pptx"),
    ("--annee", ANNEE, "--territoire", "ACAD", "--out", "x.pdf"),
    ("--annee", ANNEE, "--tous-reseaux"),  # no --out-dir
    ("--annee", ANNEE, "--tous-reseaux", "--territoire", "ACAD", "--out-dir", "d"),
])
def test_usage_errors_exit_2(demo_sqlite_url, args):
    done = run_cli("--database-url", demo_sqlite_url, *args, timeout=120)
    assert done.returncode == 2
    assert " : erreur : " in done.stderr and "error" not in done.stderr.lower()


def test_refusals_exit_1(writable_demo_url, tmp_path):
    out = tmp_path / "x.pptx"
    done = run_cli("--database-url", writable_demo_url, "--annee", ANNEE, "--territoire", "R99-XXX", "--out",
                   str(out), timeout=120)
    assert done.returncode == 1 and "territoire inconnu" in done.stderr and not out.exists()
    done = run_cli("--database-url", writable_demo_url, "--annee", ANNEE, "--territoire", "ACAD", "--out", str(out),
                   "--utilisateur", "inconnu@example.org", timeout=120)
    assert done.returncode == 1 and "Erreur" in done.stderr and not out.exists()
    bad = tmp_path / "modele.pptx"
    bad.write_bytes(b"pas un pptx")
    done = run_cli("--database-url", writable_demo_url, "--annee", ANNEE, "--territoire", "ACAD", "--out", str(out),
                   "--template", str(bad), timeout=120)
    assert done.returncode == 1 and "modèle" in done.stderr.lower()


def test_progress_bar():
    assert progress_bar(7, 14, "R17-SAI") == "[##########          ] 7/14 R17-SAI"
    assert progress_bar(14, 14) == "[####################] 14/14"


# --- template ---------------------------------------------------------------------------------------


def make_template(path: Path) -> Path:
    """python-pptx's default template with another slide size, master background and layout
    positions, and one old slide that must not survive."""
    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(12), Inches(6.75)
    background = prs.slide_master.background.fill
    background.solid()
    background.fore_color.rgb = RGBColor(0xFF, 0xF8, 0xE7)
    for layout in prs.slide_layouts:
        for ph in layout.placeholders:
            ph.left, ph.top, ph.width, ph.height = (int(ph.left * 1.2), int(ph.top * 0.9), int(ph.width * 1.2),
                                                    int(ph.height * 0.9))
    old = prs.slides.add_slide(prs.slide_layouts[0])
    old.shapes.title.text = "Ancienne diapositive"
    prs.save(str(path))
    return path


#: A network in a closed year, and the académie in the open year with its « chiffres provisoires »
#: band (Angoulême and Royan late), where the key figures have the least room.
TEMPLATE_DECKS = {"réseau, année close": ("R17-ROC", ANNEE), "académie, chiffres provisoires": ("ACAD", "2016-2017")}


@pytest.fixture(scope="module")
def network_content(demo_engine):
    with demo_engine.connect() as conn:
        return slides_content.gather(conn, Scope.full("test"), "R17-ROC", ANNEE)


@pytest.fixture(scope="module", params=list(TEMPLATE_DECKS))
def template_content(request, demo_engine, network_content):
    code, annee = TEMPLATE_DECKS[request.param]
    if (code, annee) == ("R17-ROC", ANNEE):
        return network_content
    with demo_engine.connect() as conn:
        return slides_content.gather(conn, Scope.full("test"), code, annee, with_map=False)


def test_template_layouts_are_used(template_content, tmp_path):
    """A smaller template (12 × 6,75 in): its layouts are used, every text fits its box at 10 pt or
    more, the key figures' values legible (20 pt or more) even under the « chiffres provisoires » band."""
    template = make_template(tmp_path / "modele.pptx")
    prs = open_deck(slides_deck.render(template_content, template))
    assert (prs.slide_width, prs.slide_height) == (Inches(12), Inches(6.75))
    names = [s.slide_layout.name for s in prs.slides]
    assert names[0] == "Title Slide" and set(names[1:]) == {"Title Only"}
    texts = " ".join(t for s in prs.slides for t in slide_texts(s))
    assert "Ancienne diapositive" not in texts
    assert len(prs.slides) == len(slides_deck.slide_plan(template_content))
    titles = slides_deck.slide_titles(template_content)
    assert [slide_title(s) for s in prs.slides] == [titles[k] for k in slides_deck.slide_plan(template_content)]
    for shape in (sh for s in prs.slides for sh in s.shapes):
        assert shape.left >= 0 and shape.top >= 0
        assert shape.left + shape.width <= prs.slide_width and shape.top + shape.height <= prs.slide_height
    assert overflowing_shapes(prs) == []
    assert small_texts(prs) == []
    key_figures = prs.slides[slides_deck.slide_plan(template_content).index("chiffres")]
    if template_content.situation["phase"] == position.PROVISIONAL:
        assert methodtext.provisional_note(template_content) in slide_texts(key_figures)
    values = {t.value for t in keyfigures.tiles(template_content)}
    sizes = [r.font.size.pt for sh in key_figures.shapes if sh.has_text_frame and sh.text_frame.text in values
             for p in sh.text_frame.paragraphs for r in p.runs]
    assert len(sizes) >= 8 and min(sizes) >= keyslide.VALUE_MIN_PT, sizes
    assert build.check_template(b"nope") is not None and build.check_template(template.read_bytes()) is None


# --- LibreOffice ------------------------------------------------------------------------------------


@office_files("deck-reseau")
def _office_files(demo_sqlite_url: str) -> dict[str, bytes]:
    engine = database.make_engine(demo_sqlite_url)
    with engine.connect() as conn:
        content = slides_content.gather(conn, Scope.full("test"), "R17-ROC", ANNEE)
    engine.dispose()
    return {"deck.pptx": slides_deck.render(content)}


@pytest.mark.xdist_group("libreoffice")
def test_libreoffice_converts_one_page_per_slide(network_content, office):
    pdf = office.pdf("deck-reseau", "deck.pptx")
    assert pdf.exists()
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf.read_bytes()))
    assert pages == len(slides_deck.slide_plan(network_content))
