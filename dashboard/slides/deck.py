"""The slides, in order, from a ``DeckContent``: ``render(content, template=None) -> bytes``.

Slides whose data do not exist (no bilan, no absenteeism, no map, no territory below a network)
are left out; the title, key figures, « Points saillants » and sources slides are always there.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
from pptx.enum.dml import MSO_PATTERN
from pptx.enum.shapes import MSO_SHAPE
from pptx.util import Inches, Pt

from dashboard import fmt
from dashboard.charts.common import BLUE_FRANCE
from dashboard.disclosure import marks
from dashboard.disclosure.cells import SMALL_LEVELS
from dashboard.slides import keyslide, methodtext, pptcharts, prevention, series, style, tables
from dashboard.slides.layout import Box, Deck
from dashboard.slides.model import DeckContent
from queries import territoires as tq


def slide_titles(content: DeckContent) -> dict[str, str]:
    below = content.sous_territoires
    level = tq.LEVEL_LABELS_PLURAL[below["niveau"][0]] if not below.is_empty() else "Territoires"
    date = fmt.date_long(content.periode_fin) if content.periode_fin else None
    closed = series.closed(content)
    against = "l'objectif" if closed else "la trajectoire"
    return {
        "titre": f"Dialogue de gestion {content.annee}",
        "chiffres": f"Chiffres clés au {date}" if date else "Chiffres clés",
        "points": "Points saillants",
        "trajectoire": ("Raccrochés cumulés et objectif de l'année" if closed
                        else "Raccrochés cumulés et trajectoire de l'objectif"),
        "solutions": "Raccrochés par type de solution",
        "entonnoir": "Des jeunes signalés aux jeunes raccrochés",
        "absenteisme": "Absentéisme par type d'établissement",
        "prevention": "Prévention : référents, GPDS et angles morts",
        "carte": "Réseaux FOQUALE : objectif atteint ou non" if closed else
                 "Réseaux FOQUALE : statut par rapport à la trajectoire",
        "territoires": f"{level} : situation par rapport à {against}",
        "reseaux": f"Réseaux FOQUALE : situation par rapport à {against}",
        "sources": "Sources et méthode",
    }


def footer_text(content: DeckContent) -> str:
    date = f" · données au {fmt.date_long(content.periode_fin)}" if content.periode_fin else ""
    return f"{content.territory.label} · Dialogue de gestion {content.annee}{date}"


ROWS_PER_SLIDE = 15
#: The table of every network is left out beyond this many slides (it stays in the XLSX).
MAX_NETWORK_SLIDES = 3


def table_pages(frame) -> int:
    return -(-frame.height // ROWS_PER_SLIDE)


def slide_plan(content: DeckContent) -> list[str]:
    """The keys of the slides the deck holds, in order (slides without data are left out; a
    table longer than ``ROWS_PER_SLIDE`` rows continues on the next slides, its key repeated)."""
    networks = table_pages(content.reseaux)
    count = {
        "trajectoire": int(series.trajectory(content) is not None),
        "solutions": int(series.solutions_by_period(content) is not None),
        "entonnoir": int(series.funnel(content) is not None),
        "absenteisme": int(series.absence(content) is not None),
        "prevention": int(content.prevention is not None),
        "carte": int(bool(content.map_png)),
        "territoires": table_pages(content.sous_territoires),
        "reseaux": networks if networks <= MAX_NETWORK_SLIDES else 0,
    }
    return [key for key in SLIDE_ORDER for _ in range(count.get(key, 1))]


SLIDE_ORDER = ("titre", "chiffres", "points", "trajectoire", "solutions", "entonnoir", "absenteisme", "prevention",
               "carte", "territoires", "reseaux", "sources")


def render(content: DeckContent, template: str | Path | bytes | None = None) -> bytes:
    """The PPTX bytes of the deck."""
    titles = slide_titles(content)
    deck = Deck(template, footer=footer_text(content), demo=content.demo)
    builders = {
        "titre": lambda _: _title(deck, content, titles),
        "chiffres": lambda _: keyslide.draw(deck, content, titles["chiffres"]),
        "points": lambda _: _highlights(deck, content, titles["points"]),
        "trajectoire": lambda _: _trajectory(deck, content, series.trajectory(content), titles["trajectoire"]),
        "solutions": lambda _: _solutions(deck, content, series.solutions_by_period(content), titles["solutions"]),
        "entonnoir": lambda _: _funnel(deck, content, series.funnel(content), titles["entonnoir"]),
        "absenteisme": lambda _: _absence(deck, content, series.absence(content), titles["absenteisme"]),
        "prevention": lambda _: _prevention(deck, content, titles["prevention"]),
        "carte": lambda _: _map(deck, content, titles["carte"]),
        "territoires": lambda page: _table(deck, content, content.sous_territoires, titles["territoires"], page),
        "reseaux": lambda page: _table(deck, content, content.reseaux, titles["reseaux"], page),
        "sources": lambda _: _sources(deck, content, titles["sources"]),
    }
    seen: dict[str, int] = {}
    for key in slide_plan(content):
        seen[key] = seen.get(key, 0) + 1
        builders[key](seen[key] - 1)
    return deck.save()


# --- slides ---------------------------------------------------------------------------------------


def _title(deck: Deck, content: DeckContent, titles: dict) -> None:
    lines = [(content.territory.label, 1.5, True)]
    if content.periode_fin:
        lines.append(f"Bilans reçus jusqu'au {fmt.date_long(content.periode_fin)}")
    else:
        lines.append(f"Année scolaire {content.annee} : aucun bilan de raccrochage reçu")
    lines.append(f"Document généré le {fmt.date_long(content.generated_on)}")
    badge = "Données de démonstration" if content.demo else None
    deck.title_slide(titles["titre"], lines, f"{content.academie_name} · pilotage du décrochage scolaire", badge)


def _highlights(deck: Deck, content: DeckContent, title: str) -> None:
    slide, area = deck.content_slide(title)
    sentences = [h.text for h in content.highlights] or ["Aucune donnée disponible pour ce territoire."]
    number_w = Inches(0.6)
    text_w = area.w - number_w
    gap = 0.7  # blank space between sentences, in multiples of the size
    # each sentence is its own box: its insets count once per sentence
    usable = area.h - (len(sentences) - 1) * 2 * style.INSET
    size = style.fit_size(sentences, text_w, usable, max_pt=22, min_pt=10, space_after=gap)
    width_pt = (text_w - 2 * style.INSET) / 12700 * 0.97
    y = area.y
    for index, sentence in enumerate(sentences, start=1):
        lines = style.line_count([sentence], width_pt, size) or 1
        height = int(lines * size * style.LINE_SPACING * 12700 + 2 * style.INSET)
        first_line = int(size * style.LINE_SPACING * 12700 + 2 * style.INSET)
        diameter = min(Inches(0.42), first_line)
        badge = Box(area.x, y + (first_line - diameter) // 2, diameter, diameter)
        circle = deck.rect(slide, badge, BLUE_FRANCE, shape=MSO_SHAPE.OVAL)
        deck.fill(circle, [str(index)], max_pt=min(16, size), min_pt=style.MIN_PT, bold=True, color="#FFFFFF", align="center",
                  anchor="middle")
        deck.text(slide, Box(area.x + number_w, y, text_w, height), [sentence], max_pt=size, min_pt=size)
        y += height + int(size * gap * 12700)


def _panel(deck: Deck, slide, box: Box, lines: list) -> None:
    deck.rect(slide, box, style.PANEL)
    deck.text(slide, box.inset(Inches(0.12)), lines, max_pt=16, min_pt=style.MIN_PT, space_after=0.3)


NOTE_INSET = Inches(0.03)
NOTE_H = Inches(0.5)  # two lines at 10-11 pt
MASKED_TABLE_TEXT = "Trop de valeurs masquées pour un graphique : le tableau donne chaque valeur ou sa marque."


def _note(deck: Deck, slide, box: Box, text: str, anchor: str = "bottom") -> None:
    """A note under a slide's chart or table, at 10 or 11 pt."""
    deck.text(slide, box, [text], max_pt=11, min_pt=style.MIN_PT, color=style.MUTED, anchor=anchor, inset=NOTE_INSET)


def _chart(deck: Deck, slide, box: Box, spec, kind: str, category: str, title: str, **kwargs) -> None:
    """The native chart of ``spec``, or, when most of its values are masked (a PSAD, a network),
    a table of its values and marks under a sentence that says why."""
    if series.mostly_masked(spec):
        head, body = box.top(Inches(0.6), gap=Inches(0.05))
        deck.text(slide, head, [MASKED_TABLE_TEXT], max_pt=12, min_pt=style.MIN_PT, color=style.MUTED)
        tables.add_spec_table(slide, body, spec, category)
        return
    kwargs["legend"] = kwargs.get("legend", True) and len(spec.series) > 1  # one series: its heading says it
    pptcharts.add_chart(slide, box, spec, kind, title=title, **kwargs)


def _trajectory(deck: Deck, content: DeckContent, spec, title: str) -> None:
    slide, area = deck.content_slide(title)
    chart_box, side = area.cols([2.55, 1], gap=Inches(0.3))
    chart_box = _with_note(deck, slide, chart_box, series.masked_on(content, "trajectoire"),
                           "Point masqué : cercle gris marqué, la courbe s'y interrompt.")
    _chart(deck, slide, chart_box, spec, "line", series.CATEGORY_HEADERS["trajectoire"], title, font_pt=13)
    _panel(deck, slide, side, methodtext.trajectory_panel(content))


def _solutions(deck: Deck, content: DeckContent, spec, title: str) -> None:
    slide, area = deck.content_slide(title)
    compare = series.solutions_compare(content)
    compared, why = "Depuis la rentrée, comparé à la même date l'an dernier", ""
    if not content.solutions_n1:  # a comparison not shown says why
        compared = "Depuis la rentrée"
        if content.territory.niveau in SMALL_LEVELS and content.historique.filter(
                pl.col("annee_scolaire") == content.annee_n1).height > 0:
            why = (f"Comparaison par type avec {content.annee_n1} non publiée pour une PSAD ou un réseau "
                   "(secret statistique).")
    grey = "Types masqués d'une période : segment gris." if spec is not None and any(
        s.name == pptcharts.SECRET_NAME for s in spec.series) else ""
    area = _with_note(deck, slide, area, series.masked_on(content, "solutions") or bool(why), grey, why)
    left, right = area.cols([1.15, 1], gap=Inches(0.35))
    for box, chart_spec, heading, kind, category in (
        (left, spec, "Raccrochés de chaque période bimestrielle", "stacked", series.CATEGORY_HEADERS["solutions"]),
        (right, compare, compared, "bar", series.CATEGORY_HEADERS["solutions_n1"]),
    ):
        if chart_spec is None:
            continue
        head, body = box.top(Inches(0.45), gap=Inches(0.05))
        deck.text(slide, head, [heading], max_pt=15, min_pt=style.MIN_PT, bold=True)
        _chart(deck, slide, body, chart_spec, kind, category, heading, font_pt=12, value_axis=kind != "bar",
               headroom=1.3 if kind == "bar" else 1.0)


def _funnel(deck: Deck, content: DeckContent, spec, title: str) -> None:
    slide, area = deck.content_slide(title)
    chart_box, side = area.cols([2.3, 1], gap=Inches(0.3))
    chart_box = _with_note(deck, slide, chart_box, series.masked_on(content, "entonnoir"))
    _chart(deck, slide, chart_box, spec, "bar", series.CATEGORY_HEADERS["entonnoir"], title, font_pt=14,
           legend=False, value_axis=False, headroom=1.45)
    _panel(deck, slide, side, methodtext.funnel_panel(content))


def _absence(deck: Deck, content: DeckContent, spec, title: str) -> None:
    slide, area = deck.content_slide(title)
    chart_box, side = area.cols([2.45, 1], gap=Inches(0.3))
    chart_box = _with_note(deck, slide, chart_box, series.masked_on(content, "absenteisme"))
    _chart(deck, slide, chart_box, spec, "column", series.CATEGORY_HEADERS["absenteisme"], title, font_pt=13,
           label_pt=10, headroom=1.15)
    _panel(deck, slide, side, methodtext.absence_panel(content))


def _prevention(deck: Deck, content: DeckContent, title: str) -> None:
    slide, area = deck.content_slide(title)
    body, note = area.top(area.h - NOTE_H, gap=Inches(0.05))
    chart_box, side = body.cols([2.2, 1], gap=Inches(0.3))
    spec = prevention.chain(content)
    heading = "GPDS : du repérage à la solution, pour 1 000 élèves"
    if spec is not None:
        head, chart_box = chart_box.top(Inches(0.45), gap=Inches(0.05))
        deck.text(slide, head, [heading], max_pt=15, min_pt=style.MIN_PT, bold=True)
        _chart(deck, slide, chart_box, spec, "bar", prevention.CATEGORY_HEADER, heading, font_pt=13,
               value_axis=False, headroom=1.25)
    else:
        deck.text(slide, chart_box, [f"Aucune activité de GPDS déclarée en {content.annee}."], max_pt=16,
                  min_pt=style.MIN_PT, color=style.MUTED, anchor="middle")
    _panel(deck, slide, side, prevention.panel(content))
    _note(deck, slide, note, prevention.note(content), anchor="middle")


LEGEND_SWATCH = Inches(0.32)
LEGEND_ROW = Inches(0.5)


def _map(deck: Deck, content: DeckContent, title: str) -> None:
    """The map at its printed size (labels legible), on the left, full height; its legend, the method
    and the source in native text on the right (editable, never shrunk with the picture)."""
    slide, area = deck.content_slide(title)
    key = content.map_key
    legend_w = max(Inches(3.6), area.w - Inches(key.width_in) - Inches(0.3)) if key else Inches(3.6)
    picture_box, side = area.cols([area.w - legend_w - Inches(0.3), legend_w], gap=Inches(0.3))
    note = methodtext.map_note(content)
    deck.picture(slide, picture_box, content.map_png,
                 alt=f"Carte : {title.strip().rstrip('.')}. {note} Les chiffres de chaque territoire sont dans le "
                     "classeur XLSX du dialogue de gestion.")
    if key is None:
        deck.text(slide, side, [note], max_pt=14, min_pt=style.MIN_PT, color=style.MUTED)
        return
    head, rest = side.top(Inches(0.55))
    deck.text(slide, head, [key.title], max_pt=16, min_pt=style.MIN_PT, bold=True, anchor="bottom")
    y = rest.y + Inches(0.1)
    for kind, color, label in key.legend:
        swatch = Box(side.x + style.INSET, y + (LEGEND_ROW - LEGEND_SWATCH) // 2, LEGEND_SWATCH, LEGEND_SWATCH)
        if kind == "outline":
            shape = deck.rect(slide, swatch, "#FFFFFF", line=color)
            shape.line.width = Pt(2.5)
        else:
            shape = deck.rect(slide, swatch, color, line="#9A9A9A" if kind != "class" else None)
            if kind == "missing":
                shape.fill.patterned()
                shape.fill.pattern = MSO_PATTERN.WIDE_UPWARD_DIAGONAL
                shape.fill.fore_color.rgb = style.rgb("#9A9A9A")
                shape.fill.back_color.rgb = style.rgb(color)
        text_box = Box(swatch.right + Inches(0.1), y, side.right - swatch.right - Inches(0.1), LEGEND_ROW)
        deck.text(slide, text_box, [label], max_pt=15, min_pt=style.MIN_PT, anchor="middle")
        y += LEGEND_ROW
    below = Box(side.x, y + Inches(0.2), side.w, max(side.bottom - y - Inches(0.2), Inches(0.5)))
    deck.text(slide, below, [(note, 1.0, False, style.TEXT), (methodtext.map_source(), 1.0, False, style.MUTED)],
              max_pt=13, min_pt=style.MIN_PT, anchor="bottom", space_after=0.3)


def _table(deck: Deck, content: DeckContent, frame, title: str, page: int = 0) -> None:
    pages = table_pages(frame)
    if pages > 1:
        title = f"{title} ({page + 1}/{pages})"
    slide, area = deck.content_slide(title)
    body, note = area.top(area.h - NOTE_H, gap=Inches(0.1))
    rows = series.table_rows(frame.slice(page * ROWS_PER_SLIDE, ROWS_PER_SLIDE))
    phase = content.situation.get("phase")
    tables.add_table(slide, body, series.table_header(phase), rows, series.column_kinds(phase), status_column=1)
    omitted = content.reseaux.height if table_pages(content.reseaux) > MAX_NETWORK_SLIDES else 0
    _note(deck, slide, note, methodtext.table_note(content, omitted))


def _sources(deck: Deck, content: DeckContent, title: str) -> None:
    slide, area = deck.content_slide(title)
    left, right = area.cols([1, 1], gap=Inches(0.4))
    sources, method = methodtext.sources_and_method(content)
    deck.text(slide, left, sources, max_pt=14, min_pt=style.MIN_PT, space_after=0.45)
    deck.text(slide, right, method, max_pt=14, min_pt=style.MIN_PT, space_after=0.45)


def _with_note(deck: Deck, slide, area: Box, masked: bool, *more: str) -> Box:
    """When a chart of the slide has a masked value, a note under the charts; returns the rest."""
    if not masked:
        return area
    body, note = area.top(area.h - NOTE_H, gap=Inches(0.02))
    _note(deck, slide, note, " ".join(filter(None, (marks.short_legend(), *more))))
    return body
