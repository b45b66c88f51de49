"""The « Chiffres clés » slide: the « chiffres provisoires » band, eight tiles, the note.

Every tile has four texts: its label, its value (the figure, large), a note and the change. The
small texts get the lines they need, the value what is left; when a smaller template or the band
leaves too little room for a legible value, the small texts step down to 10 pt, the band's text
too, and each row of tiles is as tall as its own texts need (nothing under 10 pt, the
figures legible when projected).
"""

from __future__ import annotations

from pptx.util import Inches, Pt

from dashboard.charts.common import BLUE_FRANCE
from dashboard.publish.keyfigures import Tile
from dashboard.slides import methodtext, style
from dashboard.slides.keyfigures import tiles
from dashboard.slides.layout import Box, Deck
from dashboard.slides.model import DeckContent

TONE_COLORS = {"good": style.UP, "bad": style.DOWN, "neutral": style.MUTED}
TILE_INSET = Inches(0.03)  # of each text box in a tile
TILE_PAD_X, TILE_PAD_Y = Inches(0.15), Inches(0.06)  # the tile's own margins (the blue bar on the left)
TILE_GAP_X, TILE_GAP_Y = Inches(0.2), Inches(0.14)
NOTE_INSET = Inches(0.03)
#: Sizes of the small texts (label, note, change), largest first: the first that leaves the value
#: ``VALUE_MIN_PT`` wins; the value itself is fitted between ``VALUE_MIN_PT`` and ``VALUE_MAX_PT``.
SMALL_SIZES = ((12.0, 11.0, 11.0), (11.0, 10.0, 10.0), (10.0, 10.0, 10.0))
SMALL_ROLES = (("label", True), ("note", False), ("change", True))
VALUE_MIN_PT, VALUE_MAX_PT = 20.0, 40.0
BAND_SIZES = (12.0, 11.0, 10.0)
BAND_PAD = Inches(0.04)


def _width_pt(width: int) -> float:
    """The width a text of a box of ``width`` (EMU) may take, in points (as ``style.fit_size``)."""
    return (width - 2 * TILE_INSET) / 12700 * 0.97


def _text_h(lines: int, pt: float) -> int:
    return int(Pt(lines * pt * style.LINE_SPACING)) + 2 * TILE_INSET


def _value_h(pt: float) -> int:
    return _text_h(1, pt)


def _small_heights(row: list[Tile], width_pt: float, sizes: tuple[float, ...]) -> list[int]:
    """The height each small text of a row of tiles needs at ``sizes`` (the most lines of the row)."""
    out = []
    for (role, bold), pt in zip(SMALL_ROLES, sizes, strict=True):
        lines = max((style.line_count([getattr(t, role) or ""], width_pt, pt, bold) or 2) for t in row)
        out.append(_text_h(lines, pt) if lines else 0)
    return out


def _band(deck: Deck, slide, area: Box, warning: str) -> Box:
    """The « chiffres provisoires » band at the top of ``area``, as tall as its text needs at the
    largest size that keeps it on two lines (10 pt at least); returns the rest of the area."""
    inner_w = area.w - 2 * Inches(0.12)
    width_pt = (inner_w - 2 * style.INSET) / 12700 * 0.97
    size, lines = BAND_SIZES[-1], None
    for size in BAND_SIZES:
        lines = style.line_count([warning], width_pt, size, bold=True)
        if lines is not None and lines <= 2:
            break
    need = int(Pt((lines or 3) * size * style.LINE_SPACING)) + 2 * (BAND_PAD + style.INSET)
    band, rest = area.top(need, gap=Inches(0.08))
    deck.rect(slide, band, style.WARNING_FILL)
    deck.text(slide, band.inset(Inches(0.12), BAND_PAD), [warning], max_pt=size, min_pt=style.MIN_PT, bold=True,
              color=style.WARNING_TEXT, anchor="middle")
    return rest


def _common_size(texts: list[str], box: Box, max_pt: float, min_pt: float, bold: bool = False) -> float:
    """One size for a text role across tiles: the largest at which every text fits its box."""
    return min((style.fit_size(t, box.w, box.h, max_pt, min_pt, bold=bold, inset=TILE_INSET) for t in texts if t),
               default=max_pt)


def _layout(grid: Box, rows: list[list[Tile]]) -> tuple[list[list[Box]], tuple[float, ...]]:
    """The text boxes (label, value, note, change) of every tile, and the small texts' sizes."""
    tile_w = (grid.w - TILE_GAP_X * 3) // 4
    width_pt = _width_pt(tile_w - 2 * TILE_PAD_X)
    usable = grid.h - TILE_GAP_Y * (len(rows) - 1) - 2 * TILE_PAD_Y * len(rows)
    for sizes in SMALL_SIZES:
        small = [_small_heights(row, width_pt, sizes) for row in rows]
        value_h = (usable - sum(sum(s) for s in small)) // len(rows)
        if value_h >= _value_h(VALUE_MIN_PT):
            break
    value_h = min(value_h, _value_h(VALUE_MAX_PT))
    spare = usable - value_h * len(rows) - sum(sum(s) for s in small)
    boxes, y = [], grid.y
    for row_small in small:  # the spare room goes to the rows' small texts, in proportion
        extra = spare * sum(row_small) // max(1, sum(sum(s) for s in small))
        heights = [h + extra * h // max(1, sum(row_small)) for h in row_small]
        row_h = sum(heights) + value_h + 2 * TILE_PAD_Y
        row_boxes = []
        for col in range(4):
            box = Box(grid.x + col * (tile_w + TILE_GAP_X), y, tile_w, row_h)
            inner = box.inset(TILE_PAD_X, TILE_PAD_Y)
            label, rest = inner.top(heights[0])
            value, rest = rest.top(value_h)
            note, change = rest.top(heights[1])
            row_boxes.append([box, label, value, note, Box(change.x, change.y, change.w, heights[2])])
        boxes.append(row_boxes)
        y += row_h + TILE_GAP_Y
    return boxes, sizes


def draw(deck: Deck, content: DeckContent, title: str) -> None:
    slide, area = deck.content_slide(title)
    warning = methodtext.provisional_note(content)
    if warning:
        area = _band(deck, slide, area, warning)
    note_text = methodtext.key_figures_note(content)
    note_lines = style.line_count([note_text], (area.w - 2 * NOTE_INSET) / 12700 * 0.97, 11) or 0
    note_h = int(Pt(note_lines * 11 * style.LINE_SPACING)) + 2 * NOTE_INSET if note_lines else 0
    grid, note = area.top(area.h - note_h - (Inches(0.08) if note_h else 0), gap=Inches(0.08) if note_h else 0)
    all_tiles = tiles(content)
    rows = [all_tiles[:4], all_tiles[4:]]
    boxes, small_sizes = _layout(grid, rows)
    flat = [b for row in boxes for b in row]
    sizes = {}
    for index, (role, max_pt, min_pt, bold) in enumerate(
            (("label", 16, small_sizes[0], True), ("value", VALUE_MAX_PT, 12, True),
             ("note", 13, small_sizes[1], False), ("change", 13, small_sizes[2], True)), start=1):
        sizes[role] = min(_common_size([getattr(t, role) or ""], b[index], max_pt, min_pt, bold)
                          for t, b in zip(all_tiles, flat, strict=True))
    for tile, (box, label, value, sub, change) in zip(all_tiles, flat, strict=True):
        deck.rect(slide, box, style.PANEL)
        deck.rect(slide, Box(box.x, box.y, Inches(0.07), box.h), BLUE_FRANCE)
        deck.text(slide, label, [tile.label], max_pt=sizes["label"], min_pt=sizes["label"], bold=True,
                  anchor="bottom", inset=TILE_INSET)
        deck.text(slide, value, [tile.value], max_pt=sizes["value"], min_pt=sizes["value"], bold=True,
                  color=BLUE_FRANCE, anchor="middle", inset=TILE_INSET)
        deck.text(slide, sub, [tile.note or ""], max_pt=sizes["note"], min_pt=sizes["note"], color=style.MUTED,
                  inset=TILE_INSET)
        deck.text(slide, change, [tile.change or ""], max_pt=sizes["change"], min_pt=sizes["change"], bold=True,
                  color=TONE_COLORS[tile.tone], inset=TILE_INSET)
    if note_h:
        deck.text(slide, note, [note_text], max_pt=11, min_pt=style.MIN_PT, color=style.MUTED, anchor="middle",
                  inset=NOTE_INSET)
