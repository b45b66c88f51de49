"""The slides, in order, from a ``DeckContent``: ``render(content, template=None) -> bytes``.

Slides whose data do not exist (no bilan, no absenteeism, no map, no territory below a network)
are left out; the title, key figures, « Points saillants » and sources slides are always there.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
from pptx.enum.shapes import MSO_SHAPE
from pptx.util import Inches

from dashboard import disclosure, fmt
from dashboard.charts.common import BLUE_FRANCE
from dashboard.disclosure.cells import SMALL_LEVELS
from dashboard.slides import methodtext, pptcharts, prevention, series, style, tables
from dashboard.slides.keyfigures import tiles
from dashboard.slides.layout import Box, Deck
from dashboard.slides.model import DeckContent
from queries import raccrochage_position as position
from queries import territoires as tq

TONE_COLORS = {"good": style.UP, "bad": style.DOWN, "neutral": style.MUTED}


def slide_titles(content: DeckContent) -> dict[str, str]:
    below = content.sous_territoires
    level = tq.LEVEL_LABELS_PLURAL[below["niveau"][0]] if not below.is_empty() else "Territoires"
    date = fmt.date_long(content.periode_fin) if content.periode_fin else None
    against = "l'objectif" if position.is_closed(content.situation.get("phase")) else "la trajectoire"
    return {
        "titre": f"Dialogue de gestion {content.annee}",
        "chiffres": f"Chiffres clés au {date}" if date else "Chiffres clés",
        "points": "Points saillants",
        "trajectoire": "Raccrochés cumulés et trajectoire de l'objectif",
        "solutions": "Raccrochés par type de solution",
        "entonnoir": "Des jeunes signalés aux jeunes raccrochés",
        "absenteisme": "Absentéisme par type d'établissement",
        "prevention": "Prévention : référents, GPDS et angles morts",
        "carte": ("Réseaux FOQUALE : objectif atteint ou non" if position.is_closed(content.situation.get("phase"))
                  else "Réseaux FOQUALE : statut par rapport à la trajectoire"),
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
        "chiffres": lambda _: _key_figures(deck, content, titles["chiffres"]),
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


TILE_INSET = Inches(0.03)


def _common_size(texts: list[str], box: Box, max_pt: float, min_pt: float, bold: bool = False) -> float:
    """One size for a text role across tiles: the largest at which every text fits its box."""
    return min((style.fit_size(t, box.w, box.h, max_pt, min_pt, bold=bold, inset=TILE_INSET) for t in texts if t),
               default=max_pt)


def _key_figures(deck: Deck, content: DeckContent, title: str) -> None:
    slide, area = deck.content_slide(title)
    warning = methodtext.provisional_note(content)
    if warning:
        band, area = area.top(Inches(0.8), gap=Inches(0.12))
        deck.rect(slide, band, style.WARNING_FILL)
        deck.text(slide, band.inset(Inches(0.12), Inches(0.04)), [warning], max_pt=14, min_pt=9, bold=True,
                  color=style.WARNING_TEXT, anchor="middle")
    grid, note = area.top(area.h - Inches(0.45), gap=Inches(0.1))
    all_tiles = tiles(content)
    boxes = [box for row in grid.rows([1, 1], gap=Inches(0.25)) for box in row.cols([1] * 4, gap=Inches(0.2))]
    parts = []
    for box in boxes:
        inner = box.inset(Inches(0.15), Inches(0.08))
        label, rest = inner.top(int(inner.h * 0.24))
        value, rest = rest.top(int(inner.h * 0.34))
        sub, change = rest.top(int(rest.h * 0.4))
        parts.append((label, value, sub, change))
    roles = (("label", 16, 9, True), ("value", 40, 16, True), ("note", 13, 8, False), ("change", 13, 8, True))
    sizes = {}
    for index, (role, max_pt, min_pt, bold) in enumerate(roles):
        texts = [getattr(t, role) or "" for t in all_tiles]
        sizes[role] = _common_size(texts, parts[0][index], max_pt, min_pt, bold)
    for box, tile, (label, value, sub, change) in zip(boxes, all_tiles, parts, strict=True):
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
    deck.text(slide, note, [methodtext.key_figures_note(content)], max_pt=11, min_pt=8, color=style.MUTED,
              anchor="middle")


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
        deck.fill(circle, [str(index)], max_pt=min(16, size), min_pt=8, bold=True, color="#FFFFFF", align="center",
                  anchor="middle")
        deck.text(slide, Box(area.x + number_w, y, text_w, height), [sentence], max_pt=size, min_pt=size)
        y += height + int(size * gap * 12700)


def _panel(deck: Deck, slide, box: Box, lines: list) -> None:
    deck.rect(slide, box, style.PANEL)
    deck.text(slide, box.inset(Inches(0.12)), lines, max_pt=16, min_pt=7, space_after=0.5)


def _trajectory(deck: Deck, content: DeckContent, spec, title: str) -> None:
    slide, area = deck.content_slide(title)
    chart_box, side = area.cols([2.55, 1], gap=Inches(0.3))
    chart_box = _with_note(deck, slide, chart_box, series.masked_on(content, "trajectoire"))
    pptcharts.add_chart(slide, chart_box, spec, "line", font_pt=13, title=title)
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
                   "(secret statistique : trop peu de jeunes par type).")
    area = _with_note(deck, slide, area, series.masked_on(content, "solutions") or bool(why), why)
    left, right = area.cols([1.15, 1], gap=Inches(0.35))
    for box, chart_spec, heading, kind in (
        (left, spec, "Raccrochés de chaque période bimestrielle", "stacked"),
        (right, compare, compared, "bar"),
    ):
        if chart_spec is None:
            continue
        head, body = box.top(Inches(0.45), gap=Inches(0.05))
        deck.text(slide, head, [heading], max_pt=15, min_pt=9, bold=True)
        pptcharts.add_chart(slide, body, chart_spec, kind, font_pt=12, value_axis=kind != "bar",
                            headroom=1.3 if kind == "bar" else 1.0, title=heading)


def _funnel(deck: Deck, content: DeckContent, spec, title: str) -> None:
    slide, area = deck.content_slide(title)
    chart_box, side = area.cols([2.3, 1], gap=Inches(0.3))
    chart_box = _with_note(deck, slide, chart_box, series.masked_on(content, "entonnoir"))
    pptcharts.add_chart(slide, chart_box, spec, "bar", font_pt=14, legend=False, value_axis=False, headroom=1.45,
                        title=title)
    _panel(deck, slide, side, methodtext.funnel_panel(content))


def _absence(deck: Deck, content: DeckContent, spec, title: str) -> None:
    slide, area = deck.content_slide(title)
    chart_box, side = area.cols([2.45, 1], gap=Inches(0.3))
    chart_box = _with_note(deck, slide, chart_box, series.masked_on(content, "absenteisme"))
    pptcharts.add_chart(slide, chart_box, spec, "column", font_pt=13, label_pt=10, headroom=1.15, title=title)
    _panel(deck, slide, side, methodtext.absence_panel(content))


def _prevention(deck: Deck, content: DeckContent, title: str) -> None:
    slide, area = deck.content_slide(title)
    body, note = area.top(area.h - Inches(0.45), gap=Inches(0.05))
    chart_box, side = body.cols([2.2, 1], gap=Inches(0.3))
    spec = prevention.chain(content)
    if spec is not None:
        head, chart_box = chart_box.top(Inches(0.45), gap=Inches(0.05))
        deck.text(slide, head, ["GPDS : du repérage à la solution, pour 1 000 élèves"], max_pt=15, min_pt=9, bold=True)
        pptcharts.add_chart(slide, chart_box, spec, "bar", font_pt=13, value_axis=False, headroom=1.25,
                            legend=len(spec.series) > 1, title="GPDS : du repérage à la solution, pour 1 000 élèves")
    else:
        deck.text(slide, chart_box, [f"Aucune activité de GPDS déclarée en {content.annee}."], max_pt=16, min_pt=9,
                  color=style.MUTED, anchor="middle")
    _panel(deck, slide, side, prevention.panel(content))
    deck.text(slide, note, [prevention.note(content)], max_pt=11, min_pt=7, color=style.MUTED, anchor="middle")


def _map(deck: Deck, content: DeckContent, title: str) -> None:
    slide, area = deck.content_slide(title)
    picture_box, note = area.top(area.h - Inches(0.6), gap=Inches(0.05))
    deck.picture(slide, picture_box, content.map_png,
                 alt=f"Carte : {title.strip().rstrip('.')}. {methodtext.map_note(content)} Les chiffres de chaque "
                     "territoire sont dans le classeur XLSX du dialogue de gestion.")
    deck.text(slide, note, [methodtext.map_note(content)], max_pt=12, min_pt=10, color=style.MUTED,
              align="center", anchor="middle")


def _table(deck: Deck, content: DeckContent, frame, title: str, page: int = 0) -> None:
    pages = table_pages(frame)
    if pages > 1:
        title = f"{title} ({page + 1}/{pages})"
    slide, area = deck.content_slide(title)
    body, note = area.top(area.h - Inches(0.45), gap=Inches(0.1))
    rows = series.table_rows(frame.slice(page * ROWS_PER_SLIDE, ROWS_PER_SLIDE))
    phase = content.situation.get("phase")
    tables.add_table(slide, body, series.table_header(phase), rows, series.column_kinds(phase), status_column=1)
    omitted = content.reseaux.height if table_pages(content.reseaux) > MAX_NETWORK_SLIDES else 0
    deck.text(slide, note, [methodtext.table_note(content, omitted)], max_pt=11, min_pt=7, color=style.MUTED,
              anchor="bottom")


def _sources(deck: Deck, content: DeckContent, title: str) -> None:
    slide, area = deck.content_slide(title)
    left, right = area.cols([1, 1], gap=Inches(0.4))
    sources, method = methodtext.sources_and_method(content)
    deck.text(slide, left, sources, max_pt=14, min_pt=7, space_after=0.45)
    deck.text(slide, right, method, max_pt=14, min_pt=7, space_after=0.45)


def _with_note(deck: Deck, slide, area: Box, masked: bool, more: str = "") -> Box:
    """When a chart of the slide has a masked value, a note under the charts; returns the rest."""
    if not masked:
        return area
    body, note = area.top(area.h - Inches(0.45), gap=Inches(0.02))
    deck.text(slide, note, [" ".join(filter(None, (disclosure.short_legend(),
                                                   "Types masqués d'une période : segment gris.", more)))],
              max_pt=11, min_pt=10, color=style.MUTED, anchor="bottom",
              inset=Inches(0.03))
    return body
