"""The app's pages (docs/architecture.md, "Pages"): file in ``pages/``, title, URL path. Core, no Streamlit.

Browser tests, the bench and the navigation all read this one list.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PAGES_DIR = Path(__file__).resolve().parents[2] / "pages"


@dataclass(frozen=True)
class PageSpec:
    file: str
    title: str
    url_path: str  # "" for the default page, served at "/"
    icon: str
    default: bool = False


PAGES: dict[str, list[PageSpec]] = {
    "Pilotage": [
        PageSpec("accueil.py", "Accueil", "", ":material/home:", default=True),
        PageSpec("raccrochage.py", "Raccrochage", "raccrochage", ":material/trending_up:"),
        PageSpec("carte.py", "Carte", "carte", ":material/map:"),
        PageSpec("absenteisme.py", "Absentéisme", "absenteisme", ":material/event_busy:"),
        PageSpec("prevention.py", "Prévention", "prevention", ":material/shield_person:"),
        PageSpec("comparer.py", "Comparer des territoires", "comparer", ":material/compare_arrows:"),
        PageSpec("dialogue_de_gestion.py", "Dialogue de gestion", "dialogue-de-gestion", ":material/slideshow:"),
        PageSpec("lettre.py", "Lettre de la MLDS", "lettre", ":material/mail:"),
    ],
    "Données": [
        PageSpec("importer.py", "Importer des données", "importer", ":material/upload_file:"),
        PageSpec("donnees.py", "Données chargées", "donnees", ":material/database:"),
        PageSpec("methodologie.py", "Méthodologie et sources", "methodologie", ":material/menu_book:"),
    ],
    "Aide": [
        PageSpec("accessibilite.py", "Déclaration d'accessibilité", "accessibilite", ":material/accessibility_new:"),
    ],
}


def all_pages() -> list[PageSpec]:
    return [spec for specs in PAGES.values() for spec in specs]
