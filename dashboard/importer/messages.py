"""French explanations of the value errors found while parsing (codes from ``parsing``)."""

from __future__ import annotations

from collections.abc import Callable

from dashboard.importer.contracts import ColumnSpec

Explain = Callable[[str, ColumnSpec], str]


def _uai_letter(value: str, _spec: ColumnSpec) -> str:
    from dashboard import uai

    code = "".join(value.split()).upper()
    expected = uai.check_letter(code[:7])
    return (f"La lettre de contrôle de l'UAI « {value} » est fausse : pour {code[:7]}, la lettre attendue est "
            f"{expected} ({code[:7]}{expected}). Vérifiez le numéro.")


PARSE_ERRORS: dict[str, tuple[str, Explain]] = {
    "nombre": ("nombre", lambda v, s: f"« {v} » n'est pas un nombre ({s.format_help})."),
    "negatif": ("positif ou nul", lambda v, s: f"« {s.name} » ne peut pas être négatif."),
    "entier": ("nombre entier", lambda v, s: f"« {s.name} » compte des jeunes ou des élèves : un nombre entier est attendu."),
    "trop_grand": ("nombre plausible", lambda v, s: f"« {v} » est bien trop grand pour « {s.name} »."),
    "date": ("date", lambda v, s: f"« {v} » n'est pas une date reconnue ({s.format_help})."),
    "date_impossible": ("date", lambda v, s: f"« {v} » n'existe pas dans le calendrier."),
    "mois": ("mois", lambda v, s: f"« {v} » n'est pas un mois reconnu ({s.format_help})."),
    "annee_scolaire": ("année scolaire", lambda v, s: f"« {v} » n'est pas une année scolaire ({s.format_help})."),
    "annee_non_consecutive": (
        "année scolaire", lambda v, s: f"« {v} » : les deux années d'une année scolaire se suivent (ex. 2014-2015)."
    ),
    "annee_debut": ("année de rentrée", lambda v, s: f"« {v} » n'est pas une année de rentrée ({s.format_help})."),
    "code_espace": ("code", lambda v, s: f"Le code « {v} » contient une espace : un code s'écrit d'un seul tenant."),
    "format_uai": (
        "format UAI", lambda v, s: f"« {v} » n'est pas un numéro UAI : 7 chiffres suivis d'une lettre (ex. 0860001J)."
    ),
    "cle_uai": ("lettre de contrôle UAI", _uai_letter),
    "format_insee": (
        "format INSEE", lambda v, s: f"« {v} » n'est pas un code commune INSEE (5 caractères, ex. 86194)."
    ),
    "choix": ("valeur permise", lambda v, s: f"« {v} » n'est pas permis pour « {s.name} » : {s.format_help}."),
    "trop_long": ("longueur", lambda v, s: f"Texte trop long : {s.max_len} caractères au plus pour « {s.name} »."),
}
