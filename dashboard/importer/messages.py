"""French explanations of the value errors found while parsing (codes from ``parsing``).

Each explanation gets the cell as read, the column's contract and the column's header as written
in the file (so the user reads the name they see in their spreadsheet).
"""

from __future__ import annotations

from collections.abc import Callable

from dashboard import uai
from dashboard.importer.contracts import ColumnSpec

Explain = Callable[[str, ColumnSpec, str], str]
EXCEL_ERRORS = ("#N/A", "#NA", "#DIV/0!", "#VALEUR!", "#VALUE!", "#REF!", "#NOM?", "#NAME?", "#NOMBRE!", "#NUM!",
                "#NUL!", "#NULL!", "#CALC!", "#PROPAGATION!", "#SPILL!")


def _uai_letter(value: str, _spec: ColumnSpec, _label: str) -> str:
    code = "".join(value.split()).upper()
    expected = uai.check_letter(code[:7])
    return (f"La lettre de contrôle de l'UAI « {value} » est fausse : pour {code[:7]}, la lettre attendue est "
            f"{expected} ({code[:7]}{expected}). Vérifiez le numéro.")


def _not_a_number(value: str, spec: ColumnSpec, _label: str) -> str:
    if value.strip().upper() in EXCEL_ERRORS:
        return (f"« {value} » est une erreur de formule Excel : corrigez la formule ou saisissez le nombre "
                f"({spec.format_help}).")
    return f"« {value} » n'est pas un nombre ({spec.format_help})."


PARSE_ERRORS: dict[str, tuple[str, Explain]] = {
    "nombre": ("nombre", _not_a_number),
    "negatif": ("positif ou nul", lambda v, s, n: f"« {n} » ne peut pas être négatif ({v})."),
    "entier": ("nombre entier",
               lambda v, s, n: f"« {v} » n'est pas un nombre entier : « {n} » compte des jeunes, des élèves ou des "
                               "places, sans décimale."),
    "trop_grand": ("nombre plausible", lambda v, s, n: f"« {v} » est bien trop grand pour « {n} »."),
    "date": ("date", lambda v, s, n: f"« {v} » n'est pas une date reconnue ({s.format_help})."),
    "date_impossible": ("date", lambda v, s, n: f"« {v} » n'existe pas dans le calendrier."),
    "mois": ("mois", lambda v, s, n: f"« {v} » n'est pas un mois reconnu ({s.format_help})."),
    "annee_scolaire": ("année scolaire", lambda v, s, n: f"« {v} » n'est pas une année scolaire ({s.format_help})."),
    "annee_non_consecutive": (
        "année scolaire", lambda v, s, n: f"« {v} » : les deux années d'une année scolaire se suivent (ex. 2014-2015)."
    ),
    "annee_hors_plage": (
        "année plausible",
        lambda v, s, n: f"« {v} » : l'année est hors de la période que couvre le tableau de bord (2000 à 2099). "
                        "Faute de frappe ?",
    ),
    "annee_debut": ("année de rentrée", lambda v, s, n: f"« {v} » n'est pas une année de rentrée ({s.format_help})."),
    "code_espace": ("code", lambda v, s, n: f"Le code « {v} » contient une espace : un code s'écrit d'un seul tenant."),
    "code_caracteres": (
        "code", lambda v, s, n: f"Le code « {v} » contient des caractères non permis : un code ne s'écrit qu'avec des "
                                "lettres sans accent, des chiffres et des tirets (ex. R86-POI)."
    ),
    "format_uai": (
        "format UAI",
        lambda v, s, n: f"« {v} » n'est pas un numéro UAI : 7 chiffres suivis d'une lettre (ex. 0860001J).",
    ),
    "cle_uai": ("lettre de contrôle UAI", _uai_letter),
    "format_insee": (
        "format INSEE", lambda v, s, n: f"« {v} » n'est pas un code commune INSEE (5 caractères, ex. 86194)."
    ),
    "commune_nom": (
        "commune connue",
        lambda v, s, n: f"« {v} » : aucune commune de ce nom n'a été trouvée dans le département de la ligne. "
                        "Indiquez le code INSEE de la commune (5 chiffres, ex. 86194) ou corrigez le nom "
                        "(commune fusionnée ou renommée ?).",
    ),
    "choix": ("valeur permise", lambda v, s, n: f"« {v} » n'est pas permis pour « {n} » : {s.format_help}."),
    "trop_long": ("longueur",
                  lambda v, s, n: f"Texte trop long ({len(v)} caractères) : {s.max_len} caractères au plus pour "
                                  f"« {n} »."),
}
