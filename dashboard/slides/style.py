"""One set of styles for every deck: font, the app's palette, sizes, and text fitting.

Text must never overflow its box, whatever the territory's name. python-pptx cannot measure
text (``fit_text`` needs font files and guesses), so the deck measures words itself with the
metrics of Liberation Sans (metric-compatible with Arial, the deck's font) through Pillow, and
falls back to DejaVu Sans (wider than Arial, hence safe) or to a character-count estimate.
``fit_size`` returns the largest font size at which a text, wrapped on words, fits a box.
"""

from __future__ import annotations

import functools
from pathlib import Path

from pptx.dml.color import RGBColor
from pptx.util import Emu

from dashboard.charts.common import GREY  # the app's palette (BLUE_FRANCE, Okabe-Ito) lives there

FONT = "Arial"
TEXT = "#1E1E1E"
MUTED = GREY
PANEL = "#F2F2F9"  # very light blue-grey behind key figures
WARNING_FILL, WARNING_TEXT = "#FFF4E5", "#8A4B00"  # « chiffres provisoires »: light amber band, dark amber text
DEMO = "#E69F00"  # Okabe-Ito orange: the demonstration badge
DEMO_TEXT = "#8A5A00"  # the same hue, dark enough for text on white
TARGET = "#D55E00"  # Okabe-Ito vermilion: targets and trajectories (as on the pages)
PREVIOUS = "#999999"  # previous school year
REFERENCE = "#000000"  # national reference
UP, DOWN = "#007A5A", "#B04A00"  # darker Okabe-Ito green / vermilion, readable as text on white

#: No text of a slide is set smaller: a deck is projected. Boxes that cannot hold their
#: text at this size get shorter wording or more room, never smaller type.
MIN_PT = 10.0
LINE_SPACING = 1.2  # PowerPoint's single line spacing, as a multiple of the font size
INSET = Emu(91440)  # 0.1 in: the text box insets used everywhere (left/right and top/bottom)

_FONT_DIRS = (
    Path("/usr/share/fonts/truetype/liberation2"),
    Path("/usr/share/fonts/truetype/liberation"),
    Path("/usr/share/fonts/liberation-sans"),
    Path("/Library/Fonts"),
    Path("C:/Windows/Fonts"),
)
_FONT_FILES = {False: ("LiberationSans-Regular.ttf", "Arial.ttf", "arial.ttf"),
               True: ("LiberationSans-Bold.ttf", "Arial Bold.ttf", "arialbd.ttf")}


def rgb(hex_color: str) -> RGBColor:
    return RGBColor.from_string(hex_color.lstrip("#").upper())


def readable_on(hex_color: str) -> str:
    """White or dark text, whichever reads better on ``hex_color``."""
    value = hex_color.lstrip("#")
    r, g, b = (int(value[i:i + 2], 16) / 255 for i in (0, 2, 4))
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return "#FFFFFF" if luminance < 0.55 else TEXT


@functools.lru_cache(maxsize=4)
def _font_path(bold: bool) -> str | None:
    for folder in _FONT_DIRS:
        for name in _FONT_FILES[bold]:
            if (folder / name).exists():
                return str(folder / name)
    # DejaVu Sans ships with matplotlib: wider than Arial, so a safe over-estimate
    import matplotlib  # heavy: only when no system font is found

    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    candidate = folder / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")
    return str(candidate) if candidate.exists() else None


@functools.lru_cache(maxsize=8)
def _font(bold: bool):
    path = _font_path(bold)
    if path is None:
        return None
    from PIL import ImageFont  # heavy: loaded when an image is measured

    return ImageFont.truetype(path, 1000)  # measure at 1000 units per em, scale linearly


@functools.lru_cache(maxsize=20000)
def text_width_pt(text: str, size_pt: float, bold: bool = False) -> float:
    """Width of ``text`` set in the deck's font at ``size_pt``, in points."""
    font = _font(bold)
    if font is None:
        return len(text) * size_pt * (0.6 if bold else 0.55)
    return font.getlength(text) * size_pt / 1000


def wrap_lines(text: str, width_pt: float, size_pt: float, bold: bool = False) -> list[str] | None:
    """Greedy word wrap of one paragraph; None when a single word is wider than the box."""
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        if text_width_pt(word, size_pt, bold) > width_pt:
            return None
        candidate = f"{current} {word}" if current else word
        if text_width_pt(candidate, size_pt, bold) <= width_pt:
            current = candidate
        else:
            lines.append(current)
            current = word
    lines.append(current)
    return lines


def line_count(paragraphs: list[str], width_pt: float, size_pt: float, bold: bool = False) -> int | None:
    total = 0
    for paragraph in paragraphs:
        lines = wrap_lines(paragraph, width_pt, size_pt, bold)
        if lines is None:
            return None
        total += len(lines)
    return total


Paragraph = str | tuple[str, float, bool]  # text, or (text, scale of the font size, bold)


def _para(paragraph: Paragraph, bold: bool) -> tuple[str, float, bool]:
    return (paragraph, 1.0, bold) if isinstance(paragraph, str) else paragraph


def text_height_pt(paragraphs: list[Paragraph], width_pt: float, size: float, *, bold: bool = False,
                   space_after: float = 0.0) -> float | None:
    """Height of wrapped ``paragraphs`` at base size ``size``; None when a word does not fit."""
    total = 0.0
    items = [_para(p, bold) for p in paragraphs]
    for index, (text, scale, is_bold) in enumerate(items):
        pt = max(MIN_PT, round(size * scale * 2) / 2)  # the size the deck writes (half points)
        lines = line_count(text.split("\n"), width_pt, pt, is_bold)
        if lines is None:
            return None
        total += lines * pt * LINE_SPACING
        if index < len(items) - 1:
            total += size * space_after
    return total


def fit_size(
    paragraphs: Paragraph | list[Paragraph],
    width: int,
    height: int,
    max_pt: float,
    min_pt: float = 8.0,
    *,
    bold: bool = False,
    max_lines: int | None = None,
    space_after: float = 0.0,
    inset: int = INSET,
) -> float:
    """The largest base size (step 0.5 pt) at which ``paragraphs`` fit a ``width`` × ``height``
    box (EMU, insets deducted), each paragraph wrapped on words; ``min_pt`` when none does.

    A paragraph is a text or ``(text, scale, bold)``; ``space_after`` is the space after each
    paragraph as a multiple of the base size; ``max_lines`` caps a single paragraph's lines.
    """
    if isinstance(paragraphs, str | tuple):
        paragraphs = [paragraphs]
    width_pt = Emu(width - 2 * inset).pt * 0.97  # a small margin for renderer differences
    height_pt = Emu(height - 2 * inset).pt
    size = max_pt
    while size > min_pt:
        needed = text_height_pt(paragraphs, width_pt, size, bold=bold, space_after=space_after)
        if needed is not None and needed <= height_pt:
            if max_lines is None or all(
                (line_count([t], width_pt, size * sc, b) or 0) <= max_lines
                for t, sc, b in (_para(p, bold) for p in paragraphs)
            ):
                return size
        size -= 0.5
    return min_pt
