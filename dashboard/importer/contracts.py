"""The data contracts of docs/architecture.md, "Import files": one ``Contract`` per kind of file, columns described in French.

Header names are matched case-, accent-, space- and underscore-insensitively
(``"Jeunes signalés"`` matches ``jeunes_signales``); a few usual aliases are accepted too, and
the little words of French headers are ignored as a last resort (``"Nombre de jeunes signalés"``,
``"Nb entretiens"``, ``"N° UAI"``, ``"Nom du site"``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from dashboard.importer.headers import (  # noqa: F401 - the matching of header text, used through this module too
    FILLER_WORDS,
    abbreviates,
    header_keys,
    loose_match,
    loosen,
    squash,
    words,
)
from dashboard.importer.labels import FUNCTION_HELP, FUNCTION_LABELS, YES_NO, YES_NO_LABELS
from dashboard.store import db

# Value kinds understood by ``parsing``.
COUNT = "count"  # whole number >= 0
DATE = "date"
MONTH = "month"
SCHOOL_YEAR = "school_year"
START_YEAR = "start_year"  # first calendar year of a school year, or empty (0)
CODE = "code"  # upper-cased identifier (network, PSAD, territory, site)
UAI = "uai"
INSEE = "insee"
TEXT = "text"
ENUM = "enum"
INDICATOR = "indicator"


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    kind: str
    description: str
    example: object
    required: bool = True  # the column must be present and every cell filled
    max_len: int | None = None
    choices: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    value_aliases: tuple[tuple[str, str], ...] = ()  # (value as people write it, choice) for an ENUM
    help: str = ""  # format help replacing the default one

    @property
    def format_help(self) -> str:
        if self.help:
            return self.help
        return FORMAT_HELP[self.kind] if self.kind != ENUM else "une valeur parmi : " + ", ".join(self.choices)


FORMAT_HELP = {
    COUNT: "nombre entier positif ou nul, espaces de milliers acceptés",
    DATE: "date : 31/10/2014, 2014-10-31 ou cellule date d'Excel",
    MONTH: "mois : 2014-01, 01/2014 ou « janvier 2014 »",
    SCHOOL_YEAR: "année scolaire : 2014-2015",
    START_YEAR: "année de rentrée : 2014 (ou 2014-2015) ; vide = toutes les années",
    CODE: "code (majuscules, sans espace)",
    UAI: "7 chiffres et une lettre de contrôle, par ex. 0860001J",
    INSEE: "code commune INSEE à 5 caractères, par ex. 86194",
    TEXT: "texte libre",
    INDICATOR: "nom de l'indicateur ; vide = raccroches",
}


@dataclass(frozen=True)
class Contract:
    kind: str
    label: str
    row_is: str
    columns: tuple[ColumnSpec, ...]
    key: tuple[str, ...]  # natural key, after parsing (canonical column names)
    # Headers of columns written for the reader and not imported (a network's name beside its
    # code in a pre-filled template): accepted without the « colonne inconnue » warning.
    informative: tuple[str, ...] = ()

    def column(self, name: str) -> ColumnSpec:
        return next(c for c in self.columns if c.name == name)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


def _count(name: str, description: str, example: int, required: bool = True,
           aliases: tuple[str, ...] = ()) -> ColumnSpec:
    return ColumnSpec(name, COUNT, description, example, required=required, aliases=aliases)


_NETWORK = ("code_reseau", "reseau", "reseau_foquale", "code_reseau_foquale")
_UAI_ALIASES = ("code_uai", "rne", "numero_uai", "uai_etablissement", "code_rne", "numero_rne",
                "identifiant_de_l_etablissement", "numero_college", "numero_lycee", "code_etablissement",
                "numero_etablissement")


_ANNEE = ColumnSpec("annee_scolaire", SCHOOL_YEAR, "Année scolaire (septembre à août).", "2014-2015",
                    aliases=("annee",))
_INSEE = ColumnSpec("commune_insee", INSEE, "Code INSEE de la commune (pas le code postal).", "86194",
                    aliases=("code_insee", "insee", "code_commune", "insee_commune", "code_insee_commune",
                             "commune_code_insee", "code_insee_de_la_commune", "commune"))

TERRITOIRES = Contract(
    "territoires", "Découpage territorial", "une commune",
    (
        _INSEE,
        ColumnSpec("reseau_code", CODE, "Code du réseau FOQUALE de la commune.", "R86-POI", max_len=20,
                   aliases=_NETWORK),
        ColumnSpec("reseau_nom", TEXT, "Nom du réseau FOQUALE.", "Poitiers", max_len=120,
                   aliases=("nom_reseau", "nom_reseau_foquale", "libelle_reseau")),
        ColumnSpec("psad_code", CODE, "Code de la PSAD dont dépend le réseau.", "P86-POI", max_len=20,
                   aliases=("code_psad", "psad")),
        ColumnSpec("psad_nom", TEXT, "Nom de la PSAD.", "Poitiers", max_len=120, aliases=("nom_psad", "libelle_psad")),
        ColumnSpec("annee_scolaire_debut", START_YEAR,
                   "Année de rentrée à partir de laquelle ce découpage s'applique (facultatif : vide = "
                   "toutes les années).", 2014, required=False,
                   aliases=("annee_debut", "annee_scolaire", "annee_rentree", "debut", "a_partir_de")),
    ),
    key=("annee_scolaire_debut", "commune_insee"),
)

ETABLISSEMENTS = Contract(
    "etablissements", "Établissements", "un établissement",
    (
        ColumnSpec("uai", UAI, "Numéro UAI (ex-RNE) de l'établissement.", "0860001J", aliases=_UAI_ALIASES),
        # Official datasets: Annuaire de l'éducation (2023 and current), adresse et
        # géolocalisation, IPS collèges and lycées (with the official typo « établissment »),
        # effectifs, DNB; the first alias found in a file wins.
        ColumnSpec("nom", TEXT, "Nom de l'établissement.", "Collège Exemple", max_len=200,
                   aliases=("nom_etablissement", "nom_de_l_etablissement", "appellation_officielle",
                            "nom_de_l_etablissment", "etablissement", "denomination", "appellation", "libelle",
                            "nom_du_lycee", "nom_du_college", "name", "patronyme", "patronyme_uai")),
        ColumnSpec("type", ENUM, "Type d'établissement (ou code nature : 340 collège, 300 LEGT, 302 lycée "
                   "général, 306 LPO, 320 LP, 334 SEP, 335 SEGT, 370 EREA).", "COLLEGE", choices=db.SCHOOL_TYPES,
                   aliases=("code_nature", "nature_uai", "code_nature_uai", "libelle_nature", "nature_uai_libe",
                            "type_de_lycee", "type_d_etablissement", "type_etablissement", "nature", "categorie",
                            "denomination_principale")),
        ColumnSpec("secteur", ENUM, "Secteur (Public, Privé, privé sous contrat, PU, PR).", "PUBLIC",
                   choices=db.SECTORS, aliases=("secteur_public_prive", "statut_public_prive",
                                                "secteur_public_prive_libe", "secteur_d_enseignement", "statut")),
        _INSEE,
        ColumnSpec("education_prioritaire", ENUM, "Éducation prioritaire : REP+, REP, ou vide si hors EP.", "REP",
                   required=False, choices=db.PRIORITY,
                   aliases=("appartenance_education_prioritaire", "education_prioritaire_libe", "ep", "rep")),
        ColumnSpec("reseau_code", CODE,
                   "Réseau FOQUALE de l'établissement (facultatif : vide = réseau de sa commune).", "",
                   required=False, max_len=20, aliases=_NETWORK),
    ),
    key=("uai",),
)

BILANS = Contract(
    "bilans", "Bilans bimestriels", "un réseau et une période de deux mois",
    (
        _ANNEE,
        ColumnSpec("periode_fin", DATE, "Dernier jour de la période de deux mois.", "2014-10-31",
                   aliases=("fin_periode", "date_fin", "periode", "date_fin_periode", "date_periode", "date")),
        ColumnSpec("reseau_code", CODE, "Code du réseau FOQUALE.", "R86-POI", max_len=20, aliases=_NETWORK),
        # The headers of the bilans as the académie writes them (« EPLE », « CFA »,
        # « Contrats »…) are documented aliases, listed in the templates' « Explications » sheet.
        _count("jeunes_signales", "Jeunes signalés pendant la période (listes SIEI et autres).", 120,
               aliases=("signales", "signales_siei", "jeunes_signales_siei")),
        _count("jeunes_contactes", "Jeunes contactés pendant la période.", 95, aliases=("contactes",)),
        _count("entretiens", "Entretiens de situation menés pendant la période.", 80,
               aliases=("entretiens_situation", "entretiens_menes", "entretiens_de_situation")),
        _count("solutions_proposees", "Solutions proposées pendant la période.", 60,
               aliases=("solutions", "solutions_proposes")),
        _count("raccroches_formation_initiale", "Raccrochés en formation initiale (retour en EPLE).", 20,
               aliases=("formation_initiale", "eple", "retour_en_eple", "retour_eple", "raccroches_eple",
                        "retour_en_formation_initiale", "retour_formation_initiale")),
        _count("raccroches_structure_innovante", "Raccrochés en structure innovante (micro-lycée…).", 2,
               aliases=("structure_innovante", "structures_innovantes", "raccroches_structures_innovantes",
                        "micro_lycee", "raccroches_micro_lycee")),
        _count("raccroches_apprentissage", "Raccrochés en apprentissage (CFA).", 8,
               aliases=("apprentissage", "cfa", "raccroches_cfa", "contrat_d_apprentissage")),
        _count("raccroches_mlds", "Raccrochés dans un module de la MLDS.", 6,
               aliases=("mlds", "module_mlds", "modules_mlds", "raccroches_module_mlds")),
        _count("raccroches_service_civique", "Raccrochés en service civique.", 3,
               aliases=("service_civique", "raccroches_en_service_civique")),
        _count("raccroches_autres", "Raccrochés vers une autre solution (E2C, EPIDE, mission locale, GRETA…).", 4,
               aliases=("raccroches_autres_solutions", "raccroches_autre", "raccroches_autre_solution", "autres",
                        "autre", "autres_solutions", "autre_solution")),
        _count("contrats_foquale", "Contrats FOQUALE signés pendant la période.", 30,
               aliases=("contrats_foquale_signes", "contrats", "contrats_signes", "foquale")),
    ),
    key=("reseau_code", "periode_fin"),
    informative=("reseau_nom", "nom_reseau", "nom_du_reseau", "libelle_reseau", "nom_reseau_foquale"),
)

OBJECTIFS = Contract(
    "objectifs", "Objectifs", "un objectif",
    (
        _ANNEE,
        ColumnSpec("territoire_code", CODE,
                   "Territoire : ACAD (académie), code de département (16, 17, 79, 86), de PSAD ou de réseau.",
                   "R86-POI", max_len=20, aliases=("code_territoire", "territoire", "perimetre")),
        ColumnSpec("indicateur", INDICATOR, "Indicateur visé (facultatif : vide = raccroches).", "raccroches",
                   required=False, max_len=40),
        _count("objectif", "Valeur cible pour l'année scolaire.", 250,
               aliases=("cible", "valeur_cible", "objectif_annuel", "objectif_chiffre", "valeur")),
    ),
    key=("annee_scolaire", "territoire_code", "indicateur"),
)

ABSENTEISME = Contract(
    "absenteisme", "Absentéisme mensuel", "un établissement et un mois",
    (
        ColumnSpec("uai", UAI, "Numéro UAI de l'établissement (déjà importé).", "0860001J", aliases=_UAI_ALIASES),
        ColumnSpec("mois", MONTH, "Mois mesuré.", "2015-01", aliases=("mois_mesure", "periode")),
        _count("effectif", "Élèves inscrits dans l'établissement ce mois-là.", 650,
               aliases=("effectifs", "eleves_inscrits", "inscrits", "eleves", "effectif_total")),
        _count("eleves_absenteistes",
               "Élèves ayant 4 demi-journées ou plus d'absence non justifiée dans le mois.", 18,
               aliases=("absenteistes", "eleves_absenteistes_4_demi_journees", "eleves_4_demi_journees")),
        _count("demi_journees_non_justifiees",
               "Demi-journées d'absence non justifiées dans le mois (facultatif).", 110, required=False,
               aliases=("demi_journees_absence_non_justifiees", "demi_journees", "absences_non_justifiees")),
    ),
    key=("uai", "mois"),
)

MLDS_SITES = Contract(
    "mlds_sites", "Sites MLDS", "un site MLDS ou PAQI et une année scolaire",
    (
        ColumnSpec("site_code", CODE, "Code du site.", "MLDS-86-01", max_len=20,
                   aliases=("code_site", "site", "code_site_mlds")),
        ColumnSpec("nom", TEXT, "Nom du site.", "PAQI de Poitiers", max_len=200,
                   aliases=("nom_site", "nom_site_mlds", "libelle_site", "libelle")),
        _INSEE,
        _count("places", "Places offertes.", 30, aliases=("places_offertes", "capacite")),
        _count("jeunes_accueillis", "Jeunes accueillis pendant l'année scolaire.", 28, aliases=("accueillis",)),
        _ANNEE,
    ),
    key=("site_code", "annee_scolaire"),
)

# --- prevention -------------------------------------------------------------------------

_UAI = ColumnSpec("uai", UAI, "Numéro UAI de l'établissement (déjà importé).", "0860001J", aliases=_UAI_ALIASES)

REFERENTS = Contract(
    "referents", "Référents décrochage", "un établissement et une année scolaire",
    (
        _UAI,
        _ANNEE,
        ColumnSpec("fonction", ENUM, "Fonction du référent décrochage de l'établissement (pas de nom : seule la "
                   "couverture compte).", "CPE", choices=db.REFERENT_FUNCTIONS,
                   aliases=("fonction_referent", "fonction_du_referent", "fonction_referent_decrochage",
                            "fonction_du_referent_decrochage", "referent", "referent_decrochage", "qualite", "corps"),
                   value_aliases=tuple((label, choice) for choice, labels in FUNCTION_LABELS.items()
                                       for label in labels),
                   help=FUNCTION_HELP),
        ColumnSpec("formation_suivie", ENUM, "Le référent a suivi la formation de référent décrochage (facultatif).",
                   "oui", required=False, choices=YES_NO,
                   aliases=("formation", "forme", "formation_referent", "formation_decrochage",
                            "formation_referent_decrochage"),
                   value_aliases=YES_NO_LABELS, help="oui ou non ; vide = non renseigné"),
    ),
    key=("uai", "annee_scolaire"),
)

PREVENTION = Contract(
    "prevention", "Activité des GPDS", "un établissement et un mois",
    (
        _UAI,
        ColumnSpec("mois", MONTH, "Mois d'activité du GPDS.", "2015-01", aliases=("mois_activite", "periode")),
        _count("eleves_reperes", "Élèves repérés dans le mois : fiches alerte, élèves présentés au GPDS.", 6,
               aliases=("reperes", "eleves_reperes_gpds", "fiches_alerte", "eleves_presentes_gpds",
                        "eleves_presentes_au_gpds", "alertes")),
        _count("eleves_suivis", "Élèves dont le suivi par le GPDS a commencé dans le mois (fiche GPDS, fiche de "
               "suivi).", 4, aliases=("suivis", "eleves_suivis_gpds", "fiches_suivi", "fiches_gpds", "nouveaux_suivis")),
        _count("reunions_gpds", "Réunions du GPDS ou de la cellule de veille dans le mois.", 2,
               aliases=("reunions", "reunions_du_gpds", "seances_gpds", "reunions_cellule_veille")),
        _count("solutions_internes", "Élèves pour qui une solution interne a été trouvée dans le mois (tutorat, PPRE, "
               "emploi du temps aménagé, changement de classe…).", 2,
               aliases=("solutions", "solution_interne", "solutions_internes_trouvees")),
        _count("signalements_plateforme", "Élèves de plus de 16 ans qui ont quitté l'établissement, signalés à la "
               "plateforme (PSAD) dans le mois.", 0,
               aliases=("signalements_psad", "signales_plateforme", "signales_psad", "signalements")),
        ColumnSpec("annee_scolaire", SCHOOL_YEAR, "Année scolaire (facultatif : sinon celle du mois ; si elle est "
                   "donnée, le mois doit en faire partie).", "2014-2015", required=False, aliases=("annee",)),
    ),
    key=("uai", "mois"),
)

CONTRACTS: dict[str, Contract] = {
    c.kind: c for c in (TERRITOIRES, ETABLISSEMENTS, BILANS, OBJECTIFS, ABSENTEISME, MLDS_SITES, REFERENTS, PREVENTION)
}
KINDS: tuple[str, ...] = tuple(CONTRACTS)
KIND_LABELS: dict[str, str] = {k: c.label for k, c in CONTRACTS.items()}


@functools.lru_cache(maxsize=32)
def _lookups(contract: Contract) -> tuple[dict[str, tuple[int, str]], ...]:
    """Header key → (rank, canonical name): exact names, then aliases, then both ``loosen``-ed.
    Within a tier the rank is the alias's place in its column's list (the first alias is
    preferred when a file holds several, e.g. ``code_nature`` before ``Type_etablissement``)."""
    exact: dict[str, tuple[int, str]] = {}
    alias: dict[str, tuple[int, str]] = {}
    loose: dict[str, tuple[int, str]] = {}
    for spec in contract.columns:
        exact.setdefault(squash(spec.name), (0, spec.name))
        loose.setdefault(loosen(spec.name), (0, spec.name))
    for spec in contract.columns:
        for rank, key in enumerate(spec.aliases, start=1):
            alias.setdefault(squash(key), (rank, spec.name))
    for spec in contract.columns:
        for rank, key in enumerate(spec.aliases, start=1):
            loose.setdefault(loosen(key), (rank, spec.name))
    return exact, alias, loose


def match_headers(headers: list[str], contract: Contract) -> dict[int, str]:
    """Position in the file → canonical column name, for the headers that match the contract.

    Exact (squashed) names are matched first, then aliases (in their order of preference), then
    both without the little words (``loosen``); a header may carry a remark in parentheses
    (``"Effectif (élèves)"``); a column is matched once (first occurrence)."""
    keys = [header_keys(h or "") for h in headers]
    out: dict[int, str] = {}
    for lookup in _lookups(contract):
        found = []
        for position, candidates in enumerate(keys):
            if position in out:
                continue
            hit = next((lookup[k] for k in candidates if k in lookup), None)
            if hit is not None:
                found.append((hit[0], position, hit[1]))
        for _rank, position, name in sorted(found):
            if position not in out and name not in out.values():
                out[position] = name
    return dict(sorted(out.items()))


def is_informative(header: str, contract: Contract) -> bool:
    """Whether ``header`` names a column the kind accepts for the reader but does not import."""
    keys = set(header_keys(header or ""))
    return any(squash(name) in keys or loosen(name) in keys for name in contract.informative)


def header_score(headers: list[str], kind: str | None = None) -> int:
    """How many cells of a row are column names (of ``kind``, or of the best kind)."""
    kinds = [kind] if kind else KINDS
    return max(len(match_headers(headers, CONTRACTS[k])) for k in kinds)


def guess_kind(headers: list[str]) -> str | None:
    """The kind whose required columns are all present, preferring the most columns matched."""
    best: tuple[int, int, str] | None = None
    for kind, contract in CONTRACTS.items():
        found = set(match_headers(headers, contract).values())
        if not set(contract.required) <= found:
            continue
        score = (len(found), -len(contract.columns), kind)
        if best is None or score[:2] > best[:2]:
            best = score
    return best[2] if best else None


def required_share(headers: list[str], kind: str) -> float:
    """Share of the required columns of ``kind`` present among ``headers``."""
    contract = CONTRACTS[kind]
    found = set(match_headers(headers, contract).values())
    return len(found & set(contract.required)) / len(contract.required)


def closest_kind(headers: list[str]) -> str:
    """The kind with the largest share of its required columns present (for error messages)."""
    return max(KINDS, key=lambda kind: required_share(headers, kind))


def likely_kind(headers: list[str]) -> str | None:
    """The kind a file with missing columns most probably is: at least half of its required
    columns present, and no other kind as close. ``None`` when unclear."""
    shares = sorted(((required_share(headers, kind), kind) for kind in KINDS), reverse=True)
    (best, kind), (second, _) = shares[0], shares[1]
    return kind if best >= 0.5 and best > second else None
