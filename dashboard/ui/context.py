"""The selection a page runs on (``PageContext``): the user's scope, the school year, the territory
and the years offered, whether the data are the demonstration's. Built by ``ui.page.page_context``,
read by the page and by the download buttons (``ui.downloads``).
"""

from __future__ import annotations

from dataclasses import dataclass

from dashboard import schoolyear
from dashboard.access.scope import Scope
from queries import territoires as tq


@dataclass(frozen=True)
class PageContext:
    scope: Scope
    annee: str
    territory: tq.Territory
    years: tuple[str, ...]
    demo: bool

    @property
    def previous_year(self) -> str:
        return schoolyear.previous_year(self.annee)
