"""The deck's key-figures tiles: the eight tiles of ``dashboard.publish.keyfigures.DECK`` for a
deck's content. The deck writes ``change`` ("▲ +18 par rapport au 31 août 2014"), the Dialogue
page's preview shows ``full_delta`` and ``context`` in a Streamlit metric, the workbook the numbers.
"""

from __future__ import annotations

from dashboard.publish import catalog
from dashboard.publish import keyfigures as model
from dashboard.publish.keyfigures import Tile
from dashboard.slides.model import DeckContent
from queries import raccrochage_position as position


def tiles(content: DeckContent) -> list[Tile]:
    """Eight tiles (four on raccrochage against the target, three on the funnel, one on
    absenteeism), each with its change on the previous school year when it is known."""
    absence = content.absence.ensemble if content.absence is not None else None
    figures = model.key_figures(content.situation, content.shown, content.marks, absence,
                                catalog.absence_columns(content.annee, content.annee_n1)["taux"])
    return [figures[key] for key in model.DECK[position.is_closed(content.situation.get("phase"))]]
