"""The académie an instance serves: chosen when its database is created, stored in the database.

``python -m dashboard.db init --academie rennes`` writes the official code into the ``meta`` table
(key ``academie``); a database created before that names none and is the académie de Poitiers.
Every text that names the académie or one of its departments reads it here, so pages, decks,
files and sentences say « l'académie de Rennes », « le Finistère », « les Côtes-d'Armor »:
``Academie.titre``, ``Academie.sujet``, ``Academie.majuscules``, ``departement_sujet`` and
``departement_de`` are the one place these forms are made.

Local reference figures (the 2014 count of référents, the MLDS sites) are optional facts of an
académie, with their source: shown only where they exist. Core, no Streamlit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geodata
from dashboard.store import db

META_KEY = db.ACADEMIE_KEY


@dataclass(frozen=True)
class ReferentsFact:
    """The académie's named référents décrochage one year, in three groups of functions."""

    annee: int
    groupes: dict[str, int]  # CPE, DIRECTION_ENSEIGNANTS, AUTRES
    source: str

    @property
    def total(self) -> int:
        return sum(self.groupes.values())


@dataclass(frozen=True)
class MldsFact:
    sites: int
    jeunes: int
    source: str

    @property
    def text(self) -> str:
        return f"{self.sites} sites, environ {self.jeunes} jeunes"


@dataclass(frozen=True)
class Facts:
    referents: ReferentsFact | None = None
    mlds: MldsFact | None = None
    extra: dict[str, str] = field(default_factory=dict)


_POITIERS_SOURCE = "Académie de Poitiers, bilan de la lutte contre le décrochage scolaire (2014-2015)"
#: Local reference figures, per official code of the académie (docs/architecture.md, "Domain facts"): only Poitiers has some.
FACTS: dict[str, Facts] = {
    "13": Facts(
        referents=ReferentsFact(2014, {"CPE": 120, "DIRECTION_ENSEIGNANTS": 109, "AUTRES": 46}, _POITIERS_SOURCE),
        mlds=MldsFact(17, 500, _POITIERS_SOURCE),
        extra={"signales_2014_2015": "5 739 jeunes de 16 à 18 ans repérés en 2014-2015 (2,8 % de la classe "
                                     "d'âge), dont 46 % avec une solution"},
    ),
}


def _with_article(article: str, nom: str) -> str:
    return f"{article}{nom}" if article.endswith("'") or not article else f"{article} {nom}"


def departement_sujet(code: str, nom: str | None = None) -> tuple[str, bool]:
    """(the department as a sentence names it, plural): « le Finistère », « les Côtes-d'Armor »,
    « l'Ille-et-Vilaine », « Paris »; an unknown code → « le département {nom} »."""
    names = geodata.all_departement_names()
    if code not in names:
        return f"le département {nom or code}", False
    article = geodata.departement_articles()[code]
    return _with_article(article, names[code]), article == "les"


def departement_de(code: str, nom: str | None = None) -> str:
    """« du Finistère », « des Côtes-d'Armor », « de l'Ille-et-Vilaine », « de la Vienne », « de Paris »."""
    sujet, _ = departement_sujet(code, nom)
    for article, contracted in (("le ", "du "), ("les ", "des ")):
        if sujet.startswith(article):
            return contracted + sujet[len(article):]
    return "de " + sujet if not sujet.startswith(("A", "E", "I", "O", "U", "É")) else "d'" + sujet


@dataclass(frozen=True)
class Academie:
    code: str
    nom: str  # « Rennes »
    nom_de: str  # « de Rennes »
    departements: tuple[str, ...]
    region_academique: str

    @property
    def titre(self) -> str:
        """« Académie de Rennes » (a title, a selector, a column header)."""
        return f"Académie {self.nom_de}"

    @property
    def sujet(self) -> str:
        """« l'académie de Rennes » (inside a sentence)."""
        return f"l'académie {self.nom_de}"

    @property
    def de_lacademie(self) -> str:
        """« de l'académie de Rennes »."""
        return f"de l'académie {self.nom_de}"

    @property
    def majuscules(self) -> str:
        """« ACADÉMIE DE RENNES » (a deck's banner)."""
        return self.titre.upper()

    @property
    def facts(self) -> Facts:
        return FACTS.get(self.code, Facts())

    def departements_text(self) -> str:
        """« Côtes-d'Armor (22), Finistère (29), Ille-et-Vilaine (35) et Morbihan (56) »."""
        names = geodata.all_departement_names()
        items = [f"{names.get(c, c)} ({c})" for c in self.departements]
        return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " et " + items[-1]


def from_code(code: str | None) -> Academie:
    ref = geodata.academie(code or geodata.DEFAULT_ACADEMIE)
    return Academie(ref.code, ref.nom, ref.nom_de, ref.departements, ref.region_academique)


def stored_code(conn) -> str:
    """The official code stored in the database (Poitiers for a database that names none)."""
    return db.get_meta(conn, META_KEY) or geodata.DEFAULT_ACADEMIE


def of_connection(conn) -> Academie:
    """The académie of the database behind ``conn``."""
    return from_code(stored_code(conn))


def of_engine(engine) -> Academie:
    with engine.connect() as conn:
        return of_connection(conn)
