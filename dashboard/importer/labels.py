"""How people write the values of the prevention files: referent functions and yes/no answers.

Compared without accents, case, spaces or punctuation (``contracts.squash``): « Chef d'établissement »,
« CHEF D'ETABLISSEMENT » and « chef-d-etablissement » are one label.
"""

from __future__ import annotations

# The usual ways of writing each function of a référent décrochage.
FUNCTION_LABELS: dict[str, tuple[str, ...]] = {
    "CPE": ("CPE", "Conseiller principal d'éducation", "Conseillère principale d'éducation"),
    "PERSONNEL_DE_DIRECTION": (
        "Personnel de direction", "Direction", "Perdir", "Chef d'établissement", "Cheffe d'établissement",
        "Chef d'établissement adjoint", "Adjoint", "Adjointe", "Principal", "Principale", "Principal adjoint",
        "Principale adjointe", "Proviseur", "Proviseure", "Proviseur adjoint", "Proviseure adjointe", "Directeur",
        "Directrice", "Directeur adjoint", "Directrice adjointe", "Directeur de SEGPA", "Directrice de SEGPA"),
    "ENSEIGNANT": ("Enseignant", "Enseignante", "Professeur", "Professeure", "Prof", "Professeur principal",
                   "Professeure principale"),
    "PROFESSEUR_DOCUMENTALISTE": ("Professeur documentaliste", "Professeure documentaliste", "Documentaliste",
                                  "Prof doc", "Professeur-documentaliste"),
    "DDFPT": ("DDFPT", "Chef de travaux", "Cheffe de travaux", "Directeur délégué aux formations",
              "Directrice déléguée aux formations",
              "Directeur délégué aux formations professionnelles et technologiques",
              "Directrice déléguée aux formations professionnelles et technologiques"),
    "ASSISTANT_EDUCATION": ("AED", "Assistant d'éducation", "Assistante d'éducation", "Assistant éducation",
                            "Surveillant", "Surveillante"),
    "PSYEN": ("PsyEN", "Psy-EN", "Psy EN EDO", "Psychologue de l'Éducation nationale", "Psychologue EN",
              "Psychologue", "COP", "Conseiller d'orientation-psychologue", "Conseillère d'orientation-psychologue",
              "Conseiller d'orientation"),
    "AUTRE": ("Autre", "Autres", "Infirmier", "Infirmière", "Assistant social", "Assistante sociale"),
}
FUNCTION_HELP = (
    "CPE ; PERSONNEL_DE_DIRECTION (chef d'établissement, principal, proviseur, adjoint) ; ENSEIGNANT ; "
    "PROFESSEUR_DOCUMENTALISTE ; DDFPT (chef de travaux) ; ASSISTANT_EDUCATION (AED) ; PSYEN (COP, "
    "psychologue de l'Éducation nationale) ; AUTRE — les libellés en toutes lettres sont acceptés"
)
YES_NO = ("OUI", "NON")
YES_NO_LABELS = (("oui", "OUI"), ("o", "OUI"), ("yes", "OUI"), ("vrai", "OUI"), ("x", "OUI"), ("1", "OUI"),
                 ("faite", "OUI"), ("suivie", "OUI"), ("non", "NON"), ("n", "NON"), ("no", "NON"), ("faux", "NON"),
                 ("0", "NON"), ("nonsuivie", "NON"))

