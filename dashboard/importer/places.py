"""Departments and communes as official files write them: codes stored as numbers (``16.0``,
``016``, ``1269``), department names (« DEUX-SEVRES »), commune names (« ST MAIXENT L ECOLE »,
« ANGOULEME CEDEX », names cut at 26 characters) resolved to INSEE codes within a department.
"""

from __future__ import annotations

import re

import polars as pl

from dashboard.importer.contracts import squash
from dashboard.importer.parsing import restore_code
from dashboard.plaintext import without_accents

# INSEE's département codes and names (Code officiel géographique), to recognise rows of a national
# file by name and report them as « hors académie ».
DEPARTMENTS = {
    "01": "Ain", "02": "Aisne", "03": "Allier", "04": "Alpes-de-Haute-Provence", "05": "Hautes-Alpes",
    "06": "Alpes-Maritimes", "07": "Ardèche", "08": "Ardennes", "09": "Ariège", "10": "Aube", "11": "Aude",
    "12": "Aveyron", "13": "Bouches-du-Rhône", "14": "Calvados", "15": "Cantal", "16": "Charente",
    "17": "Charente-Maritime", "18": "Cher", "19": "Corrèze", "2A": "Corse-du-Sud", "2B": "Haute-Corse",
    "21": "Côte-d'Or", "22": "Côtes-d'Armor", "23": "Creuse", "24": "Dordogne", "25": "Doubs", "26": "Drôme",
    "27": "Eure", "28": "Eure-et-Loir", "29": "Finistère", "30": "Gard", "31": "Haute-Garonne", "32": "Gers",
    "33": "Gironde", "34": "Hérault", "35": "Ille-et-Vilaine", "36": "Indre", "37": "Indre-et-Loire",
    "38": "Isère", "39": "Jura", "40": "Landes", "41": "Loir-et-Cher", "42": "Loire", "43": "Haute-Loire",
    "44": "Loire-Atlantique", "45": "Loiret", "46": "Lot", "47": "Lot-et-Garonne", "48": "Lozère",
    "49": "Maine-et-Loire", "50": "Manche", "51": "Marne", "52": "Haute-Marne", "53": "Mayenne",
    "54": "Meurthe-et-Moselle", "55": "Meuse", "56": "Morbihan", "57": "Moselle", "58": "Nièvre", "59": "Nord",
    "60": "Oise", "61": "Orne", "62": "Pas-de-Calais", "63": "Puy-de-Dôme", "64": "Pyrénées-Atlantiques",
    "65": "Hautes-Pyrénées", "66": "Pyrénées-Orientales", "67": "Bas-Rhin", "68": "Haut-Rhin", "69": "Rhône",
    "70": "Haute-Saône", "71": "Saône-et-Loire", "72": "Sarthe", "73": "Savoie", "74": "Haute-Savoie",
    "75": "Paris", "76": "Seine-Maritime", "77": "Seine-et-Marne", "78": "Yvelines", "79": "Deux-Sèvres",
    "80": "Somme", "81": "Tarn", "82": "Tarn-et-Garonne", "83": "Var", "84": "Vaucluse", "85": "Vendée",
    "86": "Vienne", "87": "Haute-Vienne", "88": "Vosges", "89": "Yonne", "90": "Territoire de Belfort",
    "91": "Essonne", "92": "Hauts-de-Seine", "93": "Seine-Saint-Denis", "94": "Val-de-Marne", "95": "Val-d'Oise",
    "971": "Guadeloupe", "972": "Martinique", "973": "Guyane", "974": "La Réunion", "975": "Saint-Pierre-et-Miquelon",
    "976": "Mayotte", "977": "Saint-Barthélemy", "978": "Saint-Martin", "986": "Wallis-et-Futuna",
    "987": "Polynésie française", "988": "Nouvelle-Calédonie",
}  # fmt: skip
BY_NAME = {squash(name): code for code, name in DEPARTMENTS.items()}
UAI_CORSICA = {"620": "2A", "720": "2B"}


def department_code(text: str | None) -> str | None:
    """``"16"``, ``"016"``, ``"16.0"``, ``"1"`` (→ ``"01"``), ``"2A"``, ``"971"`` or a name
    (« DEUX-SEVRES ») → the INSEE department code; ``None`` when not recognised."""
    if text is None:
        return None
    value = restore_code(str(text)).upper()
    if not value:
        return None
    if re.fullmatch(r"\d{1,3}", value):
        number = int(value)
        if 970 <= number <= 989:
            return str(number)
        if 1 <= number <= 95 and number != 20:
            return f"{number:02d}"
        return None
    if re.fullmatch(r"0?2[AB]", value):
        return value[-2:]
    return BY_NAME.get(squash(value))


def department_of_postcode(code: str | None) -> str | None:
    """The department a postcode points at (``"16016"`` → 16, ``"1600"`` → 01: a lost leading zero)."""
    if not code:
        return None
    value = restore_code(str(code), 5)
    if not re.fullmatch(r"\d{5}", value):
        return None
    if value.startswith("97"):
        return value[:3]
    if value.startswith("20"):
        return "2A" if int(value) < 20200 else "2B"
    return value[:2]


def department_of_uai(code: str | None) -> str | None:
    if not code or not re.fullmatch(r"\d{7}[A-Za-z]", code.strip()):
        return None
    prefix = code.strip()[:3]
    if prefix in UAI_CORSICA:
        return UAI_CORSICA[prefix]
    return department_code(prefix)


def department_label(code: str | None) -> str:
    """« 16 (Charente) »."""
    if code is None:
        return "?"
    name = DEPARTMENTS.get(code)
    return f"{code} ({name})" if name else code


WORDS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}


def commune_key(name: str) -> str:
    """Comparable form of a commune name: no accents, spaces, hyphens, apostrophes nor « CEDEX »;
    ``ST`` and ``STE`` spelt out."""
    words = re.split(r"[^0-9a-z]+", squash_words(name))
    words = [WORDS.get(w, w) for w in words if w]
    if "cedex" in words:
        words = words[: words.index("cedex")]
    return "".join(words)


def squash_words(text: str) -> str:
    return without_accents(str(text).replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae")).lower()


class CommuneNames:
    """INSEE code of a commune from its name within a department (exact, else the only commune
    whose name starts with a cut name of at least 15 letters)."""

    def __init__(self, communes: pl.DataFrame) -> None:
        self.exact: dict[tuple[str, str], str] = {}
        self.by_department: dict[str, list[tuple[str, str]]] = {}
        for insee, nom, dep in communes.select("insee", "nom", "departement_code").iter_rows():
            key = commune_key(nom)
            self.exact[(dep, key)] = insee
            self.by_department.setdefault(dep, []).append((key, insee))

    def find(self, name: str, department: str | None) -> str | None:
        if not name or department is None:
            return None
        key = commune_key(name)
        if not key:
            return None
        if (department, key) in self.exact:
            return self.exact[(department, key)]
        if len(key) >= 15:
            found = [insee for other, insee in self.by_department.get(department, []) if other.startswith(key)]
            if len(found) == 1:
                return found[0]
        return None
