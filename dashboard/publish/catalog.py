"""The declarations of every published column: raccrochage, absenteeism, prevention, comparison,
map and figures export. A page, a download, a deck table or chart, a workbook and the figures export
read their columns here (``publish.columns``); nothing else decides how a figure is shown."""

from __future__ import annotations

from dashboard.publish.columns import Column, Kind, column_map
from queries.absenteisme import SECTOR_LABELS, TYPE_LABELS
from queries.prevention import CHAIN_LABELS, FUNCTION_LABELS
from queries.raccrochage_position import PHASE_LABELS
from queries.raccrochage_rules import EXPORT_KEYS, PROFILE_SOURCES, SOLUTION_LABELS, rate_name
from queries.statuses import STATUS_COLORS, STATUS_LABELS, STATUS_ORDER
from queries.territoires import LEVEL_LABELS

SOLUTION_COLUMNS = tuple(SOLUTION_LABELS)


def _count(key: str, header: str, secret: bool = True) -> Column:
    return Column(key, header, Kind.COUNT, secret=secret)


def _rate(key: str, header: str, secret: bool = True) -> Column:
    return Column(key, header, Kind.RATE, secret=secret)


def _per_1000(key: str, header: str) -> Column:
    """A count of pupils per 1 000 pupils, one decimal (« 40,9 »)."""
    return Column(key, header, Kind.NUMBER, decimals=1, secret=True)


# --- raccrochage: one territory (situation rows) ---------------------------------------------------

#: Each situation figure declared once: its page table, downloads, deck and workbook read it under
#: its situation key, the figures export under its export key (``EXPORT_KEYS``, see ``FIGURES``).
RACCROCHAGE = column_map([
    Column("code", "Code", Kind.CODE),
    Column("libelle", "Territoire", Kind.LABEL),
    Column("nom", "Territoire", Kind.LABEL),
    Column("statut", "Statut", Kind.LABEL, labels=STATUS_LABELS, order=STATUS_ORDER, colors=STATUS_COLORS),
    Column("periode_fin", "Dernier bilan reçu", Kind.DATE),
    # a territory is as fresh as its least up-to-date network: the date its tables show
    Column("periode_fin_min", "Dernier bilan", Kind.DATE),
    _count("raccroches", "Raccrochés"),
    _count("objectif", "Objectif", secret=False),
    _rate("taux_atteinte", "Taux d'atteinte de l'objectif"),
    Column("attendu", "Niveau attendu à cette date", Kind.EXPECTED),
    Column("ecart", "Écart à la trajectoire", Kind.RELATIVE, secret=True),
    Column("projection", "Projection en fin d'année", Kind.EXPECTED, secret=True),
    Column("ecart_objectif", "Écart à l'objectif", Kind.COUNT, secret=True, signed=True),
    _count("jeunes_signales", "Jeunes signalés"),
    _count("jeunes_contactes", "Jeunes contactés"),
    _rate("taux_contact", "Taux de contact"),
    _count("entretiens", "Entretiens"),
    _count("solutions_proposees", "Solutions proposées"),
    _rate("part_solution", rate_name("part_solution")),
    _rate("part_raccroches", "Part des jeunes signalés raccrochés"),
    *(_count(c, f"Raccrochés — {SOLUTION_LABELS[c]}") for c in SOLUTION_COLUMNS),
    _count("contrats_foquale", "Contrats FOQUALE"),
    Column("contrats_pour_100", "Contrats FOQUALE pour 100 raccrochés", Kind.NUMBER, decimals=0, secret=True),
    _count("raccroches_n1", "Raccrochés (même date N-1)"),
    _count("jeunes_signales_n1", "Jeunes signalés (même date N-1)"),
    _rate("taux_atteinte_n1", "Taux d'atteinte (même date N-1)"),
    Column("profil_source", "Profil saisonnier de la trajectoire", Kind.LABEL, labels=PROFILE_SOURCES),
    Column("phase", "Situation de l'année", Kind.LABEL, labels=PHASE_LABELS),
    Column("reseaux_en_retard", "Réseaux sans le dernier bilan", Kind.LABEL),
])
#: The sub-territory table (pages, downloads, deck, workbook), in order.
SITUATION_TABLE = ("libelle", "statut", "raccroches", "objectif", "taux_atteinte", "attendu", "ecart", "projection",
                   "jeunes_signales", "jeunes_contactes", "taux_contact", "entretiens", "solutions_proposees",
                   "part_solution", "part_raccroches", *SOLUTION_COLUMNS, "contrats_foquale",
                   "periode_fin_min")
#: On screen and in the deck: the date of the last bilan right after the status.
SITUATION_SUMMARY = ("libelle", "statut", "periode_fin_min", "raccroches", "objectif", "taux_atteinte", "attendu", "ecart",
                     "projection")

# --- raccrochage: per bimonthly period ----------------------------------------------------------

PERIODS = column_map([
    Column("libelle", "Période", Kind.LABEL),
    Column("periode_fin", "Fin de période", Kind.DATE),
    *(_count(c, SOLUTION_LABELS[c]) for c in SOLUTION_COLUMNS),
    _count("raccroches", "Raccrochés dans la période"),
    _count("raccroches_cumul", "Raccrochés cumulés"),
    Column("attendu", "Trajectoire de l'objectif", Kind.EXPECTED),
    _count("jeunes_signales", "Jeunes signalés"),
    _count("jeunes_contactes", "Contactés"),
    _count("entretiens", "Entretiens"),
    _count("solutions_proposees", "Solutions proposées"),
    _count("contrats_foquale", "Contrats FOQUALE signés"),
])

# --- absenteeism --------------------------------------------------------------------------------


def absence_columns(annee: str, previous: str) -> dict[str, Column]:
    """Absenteeism tables (by group, sub-territory, school): headers carry the school years."""
    return column_map([
        Column("territoire_code", "Code territoire", Kind.CODE),
        Column("territoire", "Territoire", Kind.LABEL),
        Column("annee_scolaire", "Année scolaire", Kind.LABEL),
        Column("groupe", "Groupe", Kind.LABEL),
        Column("uai", "UAI", Kind.CODE),
        Column("nom", "Établissement", Kind.LABEL),
        Column("type", "Type", Kind.LABEL),
        Column("secteur", "Secteur", Kind.LABEL),
        Column("ep", "Éducation prioritaire", Kind.LABEL),
        Column("commune", "Commune", Kind.LABEL),
        Column("reseau", "Réseau FOQUALE", Kind.LABEL),
        _count("nb_mois", "Mois avec données", secret=False),
        _count("effectif_moyen", "Effectif moyen", secret=False),
        _count("absenteistes_moyen", "Absentéistes par mois (moyenne)"),
        _rate("taux", f"Taux {annee}"),
        _rate("taux_precedent", f"Taux {previous} (mêmes mois)"),
        Column("evolution", "Évolution", Kind.POINTS, secret=True),
        _rate("taux_academie", f"Académie {annee}"),
        _rate("reference", "Référence nationale", secret=False),
    ])


# --- prevention: referents, GPDS chain, « angles morts », MLDS sites -----------------------

PUPIL_COUNTS = tuple(CHAIN_LABELS)
GPDS_FIGURE_LABELS = {"eleves_reperes": "élèves repérés", "eleves_suivis": "élèves suivis",
                      "solutions_internes": "solutions internes", "signalements_plateforme": "élèves signalés à la plateforme"}
NO_REFERENT = "AUCUN"
YES_NO = {True: "oui", False: "non"}

#: Referent coverage (by school type, by sub-territory): counts of schools, never secret.
PREVENTION_COVERAGE = column_map([
    Column("territoire_code", "Code territoire", Kind.CODE),
    Column("territoire", "Territoire", Kind.LABEL),
    Column("annee_scolaire", "Année scolaire", Kind.LABEL),
    Column("groupe", "Type d'établissement", Kind.LABEL),
    _count("etablissements", "Établissements", secret=False),
    _count("avec_referent", "Avec un référent", secret=False),
    _count("sans_referent", "Sans référent", secret=False),
    _rate("couverture", "Couverture", secret=False),
    _rate("cible", "Cible", secret=False),
])
#: Referents by function (and the three groups of the académie's 2014 reference).
PREVENTION_FUNCTIONS = column_map([
    Column("libelle", "Fonction", Kind.LABEL),
    _count("referents", "Référents", secret=False),
    _rate("part", "Part des référents", secret=False),
    _count("formes", "Référents formés", secret=False),
    _count("formation_connue", "Formation renseignée", secret=False),
    _rate("part_formes", "Part formée (formation renseignée)", secret=False),
    _count("reference", "Référence académique 2014", secret=False),
    _rate("part_reference", "Part dans la référence 2014", secret=False),
])
#: The GPDS chain of a territory and its sub-territories, and month by month.
PREVENTION_CHAIN = column_map([
    Column("territoire_code", "Code territoire", Kind.CODE),
    Column("territoire", "Territoire", Kind.LABEL),
    Column("mois", "Mois", Kind.LABEL),
    _count("etablissements", "Établissements", secret=False),
    _count("etablissements_declarants", "Établissements ayant déclaré une activité", secret=False),
    _count("nb_mois", "Mois d'activité", secret=False),
    Column("eleves", "Élèves (effectif moyen des mois)", Kind.NUMBER, decimals=0, secret=True),
    _count("effectif", "Élèves inscrits dans le mois"),
    *(_count(c, label) for c, label in CHAIN_LABELS.items()),
    _count("reunions_gpds", "Réunions des GPDS", secret=False),
    *(_per_1000(f"{c}_pour_1000", f"{label} pour 1 000 élèves") for c, label in CHAIN_LABELS.items()),
    _rate("part_suivis", "Part des repérés suivis"),
    _rate("part_solutions_internes", "Part des suivis avec une solution interne"),
])
#: The « angles morts » (schools, for the scopes that see them) and the schools without a referent.
PREVENTION_SCHOOLS = column_map([
    Column("uai", "UAI", Kind.CODE),
    Column("nom", "Établissement", Kind.LABEL),
    Column("type", "Type", Kind.LABEL, labels=TYPE_LABELS),
    Column("secteur", "Secteur", Kind.LABEL, labels=SECTOR_LABELS),
    Column("commune", "Commune", Kind.LABEL),
    Column("reseau", "Réseau FOQUALE", Kind.CODE),
    _count("effectif_moyen", "Effectif moyen", secret=False),
    _count("absenteistes_moyen", "Absentéistes par mois (moyenne)"),
    _rate("taux", "Taux d'absentéisme sur l'année"),
    Column("rang_type", "Rang dans son type (académie)", Kind.NUMBER),
    Column("rang_libelle", "Rang dans son type", Kind.LABEL),
    _count("etablissements_type", "Établissements du type (académie)", secret=False),
    _count("eleves_reperes", "Élèves repérés par le GPDS sur l'année"),
    Column("motif", "Motif", Kind.LABEL),
    Column("referent", "Référent décrochage", Kind.LABEL,
           labels={**FUNCTION_LABELS, NO_REFERENT: "aucun référent nommé"}),
    Column("gpds_actif", "Activité du GPDS déclarée", Kind.LABEL, labels=YES_NO),
])
#: MLDS sites and totals, against « 17 sites, environ 500 jeunes ».
PREVENTION_MLDS = column_map([
    Column("site_code", "Code du site", Kind.CODE),
    Column("nom", "Site", Kind.LABEL),
    Column("territoire", "Territoire", Kind.LABEL),
    Column("commune_nom", "Commune", Kind.LABEL),
    Column("reseau_code", "Réseau FOQUALE", Kind.CODE),
    _count("sites", "Sites", secret=False),
    _count("places", "Places", secret=False),
    _count("jeunes_accueillis", "Jeunes accueillis"),
    _rate("taux_occupation", "Taux d'occupation"),
    _count("reference_sites", "Référence académique : sites", secret=False),
    _count("reference_jeunes", "Référence académique : jeunes (environ)", secret=False),
])

# --- comparison and map -------------------------------------------------------------------------

INDICATOR_KINDS = {"count": Kind.COUNT, "rate": Kind.RATE, "share": Kind.RATE, "per10k": Kind.NUMBER,
                   "per1000": Kind.NUMBER}
SECRET_FREE = frozenset({"objectif", "population"})


def indicator_column(key: str, label: str, kind: str) -> Column:
    """An indicator of the comparison or the map (``kind``: count, rate, share, per10k, per1000)."""
    return Column(key, label, INDICATOR_KINDS[kind], decimals=1 if kind in ("per10k", "per1000") else None,
                  secret=key not in SECRET_FREE)


def gap_column(key: str, label: str, kind: str) -> Column:
    """The difference from the académie: points for rates and shares, per 10 000 inhabitants or
    per 1 000 pupils for rates per population, the territory's share of the académie for counts."""
    lowered = label[0].lower() + label[1:]
    if kind == "count":
        return Column(key, f"Part de l'académie — {lowered}", Kind.RATE, secret=key not in SECRET_FREE)
    if kind in ("per10k", "per1000"):
        return Column(key, f"Écart — {lowered}", Kind.NUMBER, decimals=1, secret=True)
    return Column(key, f"Écart — {lowered}", Kind.POINTS, secret=True)


# --- the figures export -------------------------------------------------------------------------

FIGURES = column_map([
    Column("territoire", "Code du territoire", Kind.CODE),
    Column("territoire_nom", "Territoire", Kind.LABEL),
    Column("niveau", "Niveau", Kind.LABEL, labels=LEVEL_LABELS),
    Column("annee_scolaire", "Année scolaire", Kind.LABEL),
    Column("donnees_de_demonstration", "Données de démonstration", Kind.LABEL, labels={True: "oui", False: "non"}),
    *(RACCROCHAGE[column].keyed(key) for column, key in EXPORT_KEYS.items()),
    *(_rate(f"absenteisme_par_type.{t}", f"Taux d'absentéisme — {label}")
      for t, label in (("COLLEGE", "collèges"), ("LGT", "LGT"), ("LP", "LP"), ("LPO", "LPO"), ("EREA", "EREA"),
                       ("AUTRE", "autres établissements"))),
    _rate("absenteisme_global", "Taux d'absentéisme — tous établissements"),
    # prevention (``queries.prevention_figures``)
    _rate("couverture_referents", "Couverture en référents décrochage", secret=False),
    _count("etablissements", "Établissements", secret=False),
    _count("etablissements_avec_referent", "Établissements avec un référent décrochage", secret=False),
    _count("etablissements_declarants", "Établissements ayant déclaré une activité du GPDS", secret=False),
    *(_count(c, f"GPDS — {label}") for c, label in GPDS_FIGURE_LABELS.items()),
    _count("reunions_gpds", "GPDS — réunions", secret=False),
    *(_per_1000(f"{c}_pour_1000", f"GPDS — {label} pour 1 000 élèves") for c, label in GPDS_FIGURE_LABELS.items()),
    _rate("part_suivis", "GPDS — part des élèves repérés suivis"),
    _rate("part_solutions_internes", "GPDS — part des élèves suivis ayant une solution interne"),
    _count("angles_morts", "Établissements « angles morts »", secret=False),
    _count("mlds_sites", "Sites MLDS", secret=False),
    _count("mlds_places", "Places MLDS", secret=False),
    _count("mlds_jeunes_accueillis", "Jeunes accueillis en MLDS"),
    _rate("mlds_taux_occupation", "Taux d'occupation des places MLDS"),
])


def figure_column(key: str) -> Column:
    """The declaration of a figures-export key; a key a contributor adds without declaring it is
    published as plain text (never guessed as a number)."""
    return FIGURES.get(key) or Column(key, key, Kind.LABEL)
