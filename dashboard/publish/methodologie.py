"""The Méthodologie texts of an instance: the markdown files of ``dashboard/docs/methodologie`` with
what belongs to the académie read from the data (core, no Streamlit).

* ``{{decoupage}}``: the académie, its departments, PSAD and networks, from the breakdown in force;
* ``{{regle_defaut}}``: how the shipped default breakdown was made for this académie;
* ``{{reference_referents}}``, ``{{reference_mlds}}``: the académie's local reference figures, with
  their source, or a sentence without them;
* ``<!-- académie 13 -->`` … ``<!-- fin -->``: a passage kept for that académie only (a worked
  example on its demonstration data).
"""

from __future__ import annotations

import re

from dashboard import fmt
from dashboard.academie import Academie
from queries.territoires import BreakdownSummary

_ONLY = re.compile(r"<!-- académie (\w+) -->\n(.*?)<!-- fin -->\n?", re.S)


def _plural(n: int, singular: str, plural: str) -> str:
    return f"{fmt.integer(n)} {singular if n == 1 else plural}"


def breakdown_markdown(summary: BreakdownSummary) -> str:
    imported = any(debut > 0 for debut in summary.debuts)
    lead = (f"{summary.academie[:1].upper()}{summary.academie[1:]} compte "
            f"{_plural(len(summary.departements), 'département', 'départements')} — "
            + ", ".join(f"{nom} ({code})" for code, nom, _ in summary.departements)
            + f" — et {_plural(summary.communes, 'commune', 'communes')}. ")
    if imported:
        years = ", ".join(f"{d}-{d + 1}" for d in summary.debuts if d > 0)
        lead += f"Le découpage en vigueur (importé ; découpages à partir de {years}) comprend "
    else:
        lead += "Le découpage en vigueur, livré par défaut, comprend "
    lead += (f"**{_plural(summary.psad, 'PSAD', 'PSAD')}** et "
             f"**{_plural(summary.reseaux, 'réseau FOQUALE', 'réseaux FOQUALE')}** ; chaque réseau appartient à "
             "une seule PSAD, chaque PSAD à un seul département.")
    rows = ["| Département | PSAD | Réseaux FOQUALE |", "|---|---|---|"]
    for code, nom, psads in summary.departements:
        rows.append(f"| {nom} ({code}) | " + " · ".join(p for p, _ in psads) + " | "
                    + " · ".join(", ".join(networks) for _, networks in psads) + " |")
    return lead + "\n\n" + "\n".join(rows)


def default_rule(academie: Academie) -> str:
    if academie.code == "13":
        return ("Chaque commune y est rattachée au siège de réseau le plus proche de son département (distance "
                "entre points représentatifs, en Lambert-93).")
    return ("Il compte une PSAD et un réseau FOQUALE par département, nommés comme lui, en attendant le découpage "
            f"{academie.de_lacademie}.")


def referents_reference(academie: Academie) -> str:
    fact = academie.facts.referents
    if fact is None:
        return "aucune référence académique n'est connue pour cette répartition"
    groups = fact.groupes
    return (f"comparée à la référence de l'académie en {fact.annee} : **{fmt.integer(fact.total)} référents, dont "
            f"{fmt.integer(groups['CPE'])} CPE et {fmt.integer(groups['DIRECTION_ENSEIGNANTS'])} personnels de "
            f"direction et enseignants**, les {fmt.integer(groups['AUTRES'])} autres professeurs documentalistes, "
            "chefs de travaux, assistants d'éducation et COP (aujourd'hui psychologues de l'Éducation nationale) ; "
            f"source : {fact.source}")


def mlds_reference(academie: Academie) -> str:
    fact = academie.facts.mlds
    if fact is None:
        return ""
    return (f" ; pour l'académie, le total se lit face à la référence : **{fact.text}** de 16 à 25 ans "
            f"(source : {fact.source})")


def render(text: str, academie: Academie, summary: BreakdownSummary) -> str:
    text = _ONLY.sub(lambda m: m.group(2) if m.group(1) == academie.code else "", text)
    values = {
        "decoupage": lambda: breakdown_markdown(summary),
        "regle_defaut": lambda: default_rule(academie),
        "reference_referents": lambda: referents_reference(academie),
        "reference_mlds": lambda: mlds_reference(academie),
    }
    return re.sub(r"\{\{(\w+)\}\}", lambda m: values[m.group(1)]() if m.group(1) in values else m.group(0), text)
