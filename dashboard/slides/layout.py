"""The deck's canvas: slide size, template layouts, titles, fitted text boxes, footers.

Without a template the deck is 16:9 (13,33 × 7,5 in) in the app's style: blue title slide,
blue titles, a thin rule, a grey footer. With an académie's template (``template=...``), its
slide size and layouts are used: its title layout for the title slide, its "Title Only" (or the
closest) layout for the content slides; the content area starts under the layout's title.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE, PP_PLACEHOLDER
from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE, PP_ALIGN
from pptx.util import Emu, Inches, Pt

from dashboard.charts.common import BLUE_FRANCE
from dashboard.slides import style

WIDTH, HEIGHT = Emu(12192000), Emu(6858000)  # 13,33 × 7,5 in: PowerPoint's 16:9
TITLE_LAYOUT_NAMES = ("title slide", "diapositive de titre", "titre", "page de titre", "titre de la présentation")
CONTENT_LAYOUT_NAMES = ("title only", "titre seul", "titre uniquement")
TITLE_TYPES = (PP_PLACEHOLDER.TITLE, PP_PLACEHOLDER.CENTER_TITLE)
ALIGN = {"left": PP_ALIGN.LEFT, "center": PP_ALIGN.CENTER, "right": PP_ALIGN.RIGHT}
ANCHOR = {"top": MSO_ANCHOR.TOP, "middle": MSO_ANCHOR.MIDDLE, "bottom": MSO_ANCHOR.BOTTOM}


@dataclass(frozen=True)
class Box:
    x: int
    y: int
    w: int
    h: int

    @property
    def right(self) -> int:
        return self.x + self.w

    @property
    def bottom(self) -> int:
        return self.y + self.h

    def cols(self, weights: list[float], gap: int = Inches(0.3)) -> list[Box]:
        usable = self.w - gap * (len(weights) - 1)
        out, x = [], self.x
        for weight in weights:
            width = int(usable * weight / sum(weights))
            out.append(Box(x, self.y, width, self.h))
            x += width + gap
        return out

    def rows(self, weights: list[float], gap: int = Inches(0.2)) -> list[Box]:
        usable = self.h - gap * (len(weights) - 1)
        out, y = [], self.y
        for weight in weights:
            height = int(usable * weight / sum(weights))
            out.append(Box(self.x, y, self.w, height))
            y += height + gap
        return out

    def inset(self, dx: int, dy: int | None = None) -> Box:
        dy = dx if dy is None else dy
        return Box(self.x + dx, self.y + dy, self.w - 2 * dx, self.h - 2 * dy)

    def top(self, height: int, gap: int = 0) -> tuple[Box, Box]:
        """(the top ``height`` of the box, the rest under a ``gap``)."""
        return Box(self.x, self.y, self.w, height), Box(self.x, self.y + height + gap, self.w, self.h - height - gap)


def _layout_by(prs, names: tuple[str, ...], predicate) -> object | None:
    layouts = list(prs.slide_layouts)
    for layout in layouts:
        if layout.name.strip().casefold() in names:
            return layout
    candidates = [layout for layout in layouts if predicate(layout)]
    return min(candidates, key=lambda lay: len(lay.placeholders)) if candidates else None


def _types(layout) -> set:
    return {ph.placeholder_format.type for ph in layout.placeholders}


class Deck:
    """A presentation being built; ``save()`` returns the PPTX bytes."""

    def __init__(self, template: str | Path | bytes | None = None, *, footer: str = "", demo: bool = False):
        if template is None:
            self.prs = Presentation()
            self.prs.slide_width, self.prs.slide_height = WIDTH, HEIGHT
            self.branded = True
        else:
            source = io.BytesIO(template) if isinstance(template, bytes) else str(template)
            self.prs = Presentation(source)
            self._remove_slides()
            self.branded = False
        self.W, self.H = self.prs.slide_width, self.prs.slide_height
        self.margin = int(self.W * 0.045)
        self.footer, self.demo = footer, demo
        self.title_layout = _layout_by(self.prs, TITLE_LAYOUT_NAMES, lambda lay: PP_PLACEHOLDER.CENTER_TITLE in _types(
            lay)) or self.prs.slide_layouts[0]
        self.content_layout = _layout_by(
            self.prs, CONTENT_LAYOUT_NAMES,
            lambda lay: bool(_types(lay) & set(TITLE_TYPES)) and not _types(lay) & {
                PP_PLACEHOLDER.BODY, PP_PLACEHOLDER.OBJECT, PP_PLACEHOLDER.SUBTITLE},
        ) or self.prs.slide_layouts[min(5, len(self.prs.slide_layouts) - 1)]
        self.content_slides: list = []

    def _remove_slides(self) -> None:
        id_list = self.prs.slides._sldIdLst  # python-pptx has no public API for this
        for slide_id in list(id_list):
            self.prs.part.drop_rel(slide_id.rId)
            id_list.remove(slide_id)

    # --- geometry -------------------------------------------------------------------------------

    @property
    def footer_box(self) -> Box:
        height = max(int(self.H * 0.05), Inches(0.37))  # one line of 10 pt with its insets
        return Box(self.margin, self.H - height - int(self.H * 0.015), self.W - 2 * self.margin, height)

    def _title_box(self) -> Box:
        return Box(self.margin, int(self.H * 0.04), self.W - 2 * self.margin, int(self.H * 0.115))

    # --- slides ---------------------------------------------------------------------------------

    def title_slide(self, title: str, subtitle_lines: list[str], kicker: str, badge: str | None) -> object:
        slide = self.prs.slides.add_slide(self.title_layout)
        title_ph = next((ph for ph in slide.placeholders if ph.placeholder_format.type in TITLE_TYPES), None)
        sub_ph = next((ph for ph in slide.placeholders if ph.placeholder_format.type == PP_PLACEHOLDER.SUBTITLE), None)
        if self.branded:
            self.to_back(slide, self.rect(slide, Box(0, 0, self.W, self.H), BLUE_FRANCE))
            self.text(slide, Box(self.margin, int(self.H * 0.10), int(self.W * 0.8), int(self.H * 0.08)),
                      [kicker.upper()], max_pt=16, color="#FFFFFF", bold=True)
            title_box = Box(self.margin, int(self.H * 0.24), self.W - 2 * self.margin, int(self.H * 0.30))
            self.rect(slide, Box(self.margin + style.INSET, title_box.bottom + Inches(0.12), Inches(1.2), Pt(4)),
                      "#FFFFFF")
            sub_box = Box(self.margin, title_box.bottom + Inches(0.3), self.W - 2 * self.margin, int(self.H * 0.24))
            color, sub_color = "#FFFFFF", "#DDDDF5"
        else:
            title_box = _box_of(title_ph) if title_ph is not None else Box(
                self.margin, int(self.H * 0.25), self.W - 2 * self.margin, int(self.H * 0.3))
            sub_box = _box_of(sub_ph) if sub_ph is not None else Box(
                self.margin, title_box.bottom + Inches(0.2), self.W - 2 * self.margin, int(self.H * 0.2))
            color = sub_color = None
        if title_ph is not None:
            self._place(title_ph, title_box)
            self.fill(title_ph, [title], max_pt=44, min_pt=18, bold=self.branded, color=color, anchor="bottom")
        else:
            self.text(slide, title_box, [title], max_pt=40, min_pt=18, bold=True, color=color, anchor="bottom")
        if sub_ph is not None:
            self._place(sub_ph, sub_box)
            self.fill(sub_ph, subtitle_lines, max_pt=22, min_pt=10, color=sub_color, anchor="top",
                      space_after=0.3)
        else:
            self.text(slide, sub_box, subtitle_lines, max_pt=20, min_pt=10, color=sub_color, space_after=0.3)
        if badge:
            width, height = min(Inches(4.2), self.W // 3), int(self.H * 0.075)
            box = Box(self.margin, int(self.H * 0.84), width, height) if self.branded else Box(
                self.W - self.margin - width, int(self.H * 0.04), width, height)
            shape = self.rect(slide, box, style.DEMO, shape=MSO_SHAPE.ROUNDED_RECTANGLE)
            self.fill(shape, [badge], max_pt=16, min_pt=9, bold=True, color=style.TEXT, align="center",
                      anchor="middle")
        self._drop_empty_placeholders(slide)
        return slide

    def content_slide(self, title: str) -> tuple[object, Box]:
        """A new content slide with its title; returns (slide, content area)."""
        slide = self.prs.slides.add_slide(self.content_layout)
        title_ph = next((ph for ph in slide.placeholders if ph.placeholder_format.type in TITLE_TYPES), None)
        if self.branded or title_ph is None:
            box = self._title_box()
            if title_ph is not None:
                self._place(title_ph, box)
                self.fill(title_ph, [title], max_pt=28, min_pt=14, bold=True, color=BLUE_FRANCE, anchor="bottom")
            else:
                self.text(slide, box, [title], max_pt=28, min_pt=14, bold=True, color=BLUE_FRANCE, anchor="bottom")
            if self.branded:
                self.rect(slide, Box(self.margin + style.INSET, box.bottom + Inches(0.04), Inches(0.9), Pt(3)),
                          BLUE_FRANCE)
            top = box.bottom + Inches(0.25)
        else:
            box = _box_of(title_ph)
            if box.h < Inches(0.4) or box.w < self.W // 3 or box.bottom > self.H // 3:
                box = self._title_box()  # a degenerate or misplaced title: use the deck's own place
                self._place(title_ph, box)
            self.fill(title_ph, [title], max_pt=28, min_pt=14)
            top = box.bottom + Inches(0.15)
        self._drop_empty_placeholders(slide)
        self.content_slides.append(slide)
        bottom = self.footer_box.y - Inches(0.1)
        return slide, Box(self.margin, top, self.W - 2 * self.margin, bottom - top)

    def _drop_empty_placeholders(self, slide) -> None:
        for ph in list(slide.placeholders):
            if ph.placeholder_format.type not in TITLE_TYPES and not (ph.has_text_frame and ph.text_frame.text):
                ph._element.getparent().remove(ph._element)

    @staticmethod
    def to_back(slide, shape) -> None:
        """Move ``shape`` behind every other shape of the slide."""
        tree = slide.shapes._spTree
        tree.remove(shape._element)
        tree.insert(2, shape._element)  # after nvGrpSpPr and grpSpPr

    @staticmethod
    def _place(shape, box: Box) -> None:
        shape.left, shape.top, shape.width, shape.height = box.x, box.y, box.w, box.h

    # --- shapes ---------------------------------------------------------------------------------

    def rect(self, slide, box: Box, fill: str, *, line: str | None = None, shape=MSO_SHAPE.RECTANGLE):
        shp = slide.shapes.add_shape(shape, box.x, box.y, box.w, box.h)
        shp.fill.solid()
        shp.fill.fore_color.rgb = style.rgb(fill)
        if line:
            shp.line.color.rgb = style.rgb(line)
            shp.line.width = Pt(0.75)
        else:
            shp.line.fill.background()
        shp.shadow.inherit = False
        if shape == MSO_SHAPE.ROUNDED_RECTANGLE:
            shp.adjustments[0] = 0.25
        return shp

    def text(self, slide, box: Box, paragraphs: list, **kwargs):
        """A text box fitted to ``box`` (see ``fill``)."""
        shape = slide.shapes.add_textbox(box.x, box.y, box.w, box.h)
        self.fill(shape, paragraphs, **kwargs)
        return shape

    def fill(self, shape, paragraphs: list, *, max_pt: float = 18, min_pt: float = 8, bold: bool = False,
             color: str | None = style.TEXT, align: str = "left", anchor: str = "top", space_after: float = 0.0,
             max_lines: int | None = None, inset: int = style.INSET) -> float:
        """Write ``paragraphs`` (texts or ``(text, scale, bold)`` or ``(text, scale, bold, color)``)
        into ``shape`` at the largest size that fits its box; returns the base size used."""
        items = [(p, 1.0, bold, None) if isinstance(p, str) else (tuple(p) + (None,) * (4 - len(p)))[:4]
                 for p in paragraphs]
        # never under style.MIN_PT, whatever a caller asks: the smallest paragraph sets the floor
        floor = style.MIN_PT / min((s for _, s, _, _ in items), default=1.0)
        min_pt = max(min_pt, floor)
        max_pt = max(max_pt, min_pt)
        size = style.fit_size([(t, s, b) for t, s, b, _ in items], shape.width, shape.height, max_pt, min_pt,
                              space_after=space_after, max_lines=max_lines, inset=inset)
        frame = shape.text_frame
        frame.clear()
        frame.word_wrap = True
        frame.auto_size = MSO_AUTO_SIZE.NONE
        frame.vertical_anchor = ANCHOR[anchor]
        for side in ("margin_left", "margin_right", "margin_top", "margin_bottom"):
            setattr(frame, side, inset)
        for index, (text, scale, is_bold, own_color) in enumerate(items):
            paragraph = frame.paragraphs[0] if index == 0 else frame.add_paragraph()
            paragraph.alignment = ALIGN[align]
            paragraph.line_spacing = 1.0
            if index < len(items) - 1 and space_after:
                paragraph.space_after = Pt(size * space_after)
            run = paragraph.add_run()
            run.text = text
            font = run.font
            font.size = Pt(max(style.MIN_PT, round(size * scale * 2) / 2))
            font.bold = is_bold
            font.name = style.FONT  # the font the fitting measured (Arial metrics)
            if own_color or color:
                font.color.rgb = style.rgb(own_color or color)
        return size

    def picture(self, slide, box: Box, png: bytes, alt: str = ""):
        """The image centred in ``box``, as large as its aspect ratio allows, with its alternative text
        ``alt`` (read by screen readers, shown by PowerPoint's « Texte de remplacement »)."""
        from PIL import Image  # heavy: loaded when an image is measured

        with Image.open(io.BytesIO(png)) as image:
            ratio = image.height / image.width
        width = box.w
        height = int(width * ratio)
        if height > box.h:
            height = box.h
            width = int(height / ratio)
        x = box.x + (box.w - width) // 2
        shape = slide.shapes.add_picture(io.BytesIO(png), x, box.y, width, height)
        set_alt_text(shape, alt, name=alt.split(".")[0][:80] if alt else None)
        return shape

    # --- finishing --------------------------------------------------------------------------------

    def _footers(self) -> None:
        total = len(self.prs.slides)
        for slide in self.content_slides:
            number = list(self.prs.slides).index(slide) + 1
            left, right = self.footer_box.cols([6, 1], gap=Inches(0.2))
            self.text(slide, left, [self._footer_line(left)], max_pt=10, min_pt=10, color=style.MUTED,
                      anchor="middle")
            self.text(slide, right, [f"{number} / {total}"], max_pt=10, min_pt=10, color=style.MUTED,
                      align="right", anchor="middle")

    def _footer_line(self, box: Box) -> str:
        """The footer on one line at 10 pt: its last parts (the date, then the deck's name) are left
        out when a long territory name needs the room; the demonstration mark always stays."""
        width_pt = (box.w - 2 * style.INSET) / 12700 * 0.97
        parts = self.footer.split(" · ")
        demo = [" Données de démonstration"] if self.demo else []
        while True:
            line = " · ".join(parts + [d.strip() for d in demo])
            if len(parts) == 1 or style.text_width_pt(line, style.MIN_PT) <= width_pt:
                return line
            parts = parts[:-1]

    def save(self) -> bytes:
        self._footers()
        buffer = io.BytesIO()
        self.prs.save(buffer)
        return buffer.getvalue()


def _box_of(shape) -> Box:
    return Box(int(shape.left), int(shape.top), int(shape.width), int(shape.height))


def set_alt_text(shape, text: str, name: str | None = None) -> None:
    """The shape's alternative text (``descr`` of its ``cNvPr``: what a screen reader says for a picture
    or a chart), and its name when given (« image.png » otherwise)."""
    properties = shape._element.xpath("./*[1]/p:cNvPr")[0]
    properties.set("descr", text)
    if name:
        properties.set("name", name)
