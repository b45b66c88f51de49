"""Decks' alternative texts (issue 28, RGAA 4.1 criterion 1.1): every picture and every chart of a
dialogue de gestion deck says what it shows — a chart its title and its values as labelled, the map
its title and note — never a file name such as « image.png »."""

from __future__ import annotations

import pytest

from dashboard.access.scope import Scope
from dashboard.slides import content as slides_content
from dashboard.slides import deck as slides_deck
from tests.support.decks import open_deck

ANNEE = "2014-2015"


@pytest.fixture(scope="module", params=["ACAD", "R86-POI"])
def deck(request, demo_engine):
    with demo_engine.connect() as conn:
        content = slides_content.gather(conn, Scope.full("test"), request.param, ANNEE)
    return open_deck(slides_deck.render(content))


def _described(prs) -> list[tuple[str, str, str]]:
    out = []
    for slide in prs.slides:
        for shape in slide.shapes:
            if shape.shape_type is not None and shape.shape_type.name in ("PICTURE", "CHART") or getattr(
                    shape, "has_chart", False):
                properties = shape._element.xpath("./*[1]/p:cNvPr")[0]
                out.append((shape.shape_type.name, properties.get("name", ""), properties.get("descr", "")))
    return out


def test_every_picture_and_chart_has_a_meaningful_alternative_text(deck):
    shapes = _described(deck)
    assert any(kind == "CHART" for kind, _, _ in shapes) and any(kind == "PICTURE" for kind, _, _ in shapes)
    for kind, name, descr in shapes:
        assert descr.startswith("Graphique (" if kind == "CHART" else "Carte : "), (kind, name, descr)
        assert len(descr) > 40 and ".png" not in descr and ".png" not in name, (kind, name, descr)


def test_a_chart_alternative_text_gives_its_values_as_labelled(deck):
    trajectory = next(d for k, _, d in _described(deck) if "Raccrochés cumulés et " in d)
    assert "Raccrochés cumulés 2014-2015 — " in trajectory and " : " in trajectory
    assert "." not in trajectory.split("—")[1].split(":")[1].strip().split(";")[0]  # counts: « 1 317 », no decimals
