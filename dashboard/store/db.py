"""Database schema and the ``meta`` key/value table.

The same schema runs on SQLite (embedded default) and PostgreSQL (production).
Natural keys are primary keys or unique constraints, so duplicates are impossible.

Schema changes are Alembic revisions (``dashboard.store.migrations``): the tables below are the head
revision's, and a test checks that the revisions and these definitions agree. Creating, upgrading
and initialising a database is ``dashboard.store.lifecycle``; its command line is ``python -m dashboard.db``.
Which database an engine opens is ``dashboard.store.database``.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    select,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

metadata = MetaData()

# --- reference geography -------------------------------------------------------------------

departements = Table(
    "departements",
    metadata,
    Column("code", String(3), primary_key=True),
    Column("nom", String(80), nullable=False),
)

communes = Table(
    "communes",
    metadata,
    Column("insee", String(5), primary_key=True),
    Column("nom", String(120), nullable=False),
    Column("departement_code", String(3), ForeignKey("departements.code"), nullable=False, index=True),
    Column("population", Integer, nullable=False),
    CheckConstraint("population >= 0", name="ck_communes_population"),
)

# One row per commune and breakdown: the breakdown applies from ``annee_debut`` (first calendar
# year of the school year, e.g. 2014 for 2014-2015) until a newer breakdown replaces it.
# ``annee_debut`` = 0 means "every year" (the default breakdown).
territoires = Table(
    "territoires",
    metadata,
    Column("annee_debut", Integer, primary_key=True),
    Column("commune_insee", String(5), ForeignKey("communes.insee"), primary_key=True),
    Column("reseau_code", String(20), nullable=False, index=True),
    Column("reseau_nom", String(120), nullable=False),
    Column("psad_code", String(20), nullable=False),
    Column("psad_nom", String(120), nullable=False),
    Column("departement_code", String(3), ForeignKey("departements.code"), nullable=False),
)
# Lookup of a commune's breakdown in force (latest ``annee_debut`` <= year): used by every
# territory query (``queries.territoires.network_tree``); without it SQLite scans per commune.
Index("ix_territoires_commune_annee", territoires.c.commune_insee, territoires.c.annee_debut)

# --- indicators ------------------------------------------------------------------------------

SCHOOL_TYPES = ("COLLEGE", "LGT", "LP", "LPO", "EREA", "AUTRE")
SECTORS = ("PUBLIC", "PRIVE")
PRIORITY = ("REP+", "REP")

etablissements = Table(
    "etablissements",
    metadata,
    Column("uai", String(8), primary_key=True),
    Column("nom", String(200), nullable=False),
    Column("type", String(10), nullable=False),
    Column("secteur", String(10), nullable=False),
    Column("commune_insee", String(5), ForeignKey("communes.insee"), nullable=False, index=True),
    Column("education_prioritaire", String(4), nullable=True),
    Column("reseau_code", String(20), nullable=True, index=True),
    CheckConstraint("type IN ('COLLEGE','LGT','LP','LPO','EREA','AUTRE')", name="ck_etab_type"),
    CheckConstraint("secteur IN ('PUBLIC','PRIVE')", name="ck_etab_secteur"),
    CheckConstraint(
        "education_prioritaire IS NULL OR education_prioritaire IN ('REP+','REP')", name="ck_etab_ep"
    ),
)

SOLUTION_COLUMNS = (
    "raccroches_formation_initiale",
    "raccroches_structure_innovante",
    "raccroches_apprentissage",
    "raccroches_mlds",
    "raccroches_service_civique",
    "raccroches_autres",
)
BILAN_COUNT_COLUMNS = (
    "jeunes_signales",
    "jeunes_contactes",
    "entretiens",
    "solutions_proposees",
    *SOLUTION_COLUMNS,
    "contrats_foquale",
)

bilans = Table(
    "bilans",
    metadata,
    Column("reseau_code", String(20), primary_key=True),
    Column("periode_fin", String(10), primary_key=True),  # ISO date "2014-10-31"
    Column("annee_scolaire", String(9), nullable=False, index=True),  # "2014-2015"
    *[Column(name, Integer, nullable=False) for name in BILAN_COUNT_COLUMNS],
    *[CheckConstraint(f"{name} >= 0", name=f"ck_bilans_{name}") for name in BILAN_COUNT_COLUMNS],
)

objectifs = Table(
    "objectifs",
    metadata,
    Column("annee_scolaire", String(9), primary_key=True),
    Column("territoire_code", String(20), primary_key=True),
    Column("indicateur", String(40), primary_key=True, default="raccroches"),
    Column("objectif", Integer, nullable=False),
    CheckConstraint("objectif >= 0", name="ck_objectifs_objectif"),
)

absenteisme = Table(
    "absenteisme",
    metadata,
    Column("uai", String(8), primary_key=True),
    Column("mois", String(7), primary_key=True),  # "2014-01"
    Column("annee_scolaire", String(9), nullable=False, index=True),
    Column("effectif", Integer, nullable=False),
    Column("eleves_absenteistes", Integer, nullable=False),
    Column("demi_journees_non_justifiees", Integer, nullable=True),
    CheckConstraint("effectif >= 0", name="ck_abs_effectif"),
    CheckConstraint("eleves_absenteistes >= 0", name="ck_abs_absenteistes"),
    CheckConstraint("eleves_absenteistes <= effectif", name="ck_abs_le_effectif"),
)

mlds_sites = Table(
    "mlds_sites",
    metadata,
    Column("site_code", String(20), primary_key=True),
    Column("annee_scolaire", String(9), primary_key=True),
    Column("nom", String(200), nullable=False),
    Column("commune_insee", String(5), ForeignKey("communes.insee"), nullable=False),
    Column("places", Integer, nullable=False),
    Column("jeunes_accueillis", Integer, nullable=False),
    CheckConstraint("places >= 0", name="ck_mlds_places"),
    CheckConstraint("jeunes_accueillis >= 0", name="ck_mlds_accueillis"),
)

# --- prevention ---------------------------------------------------------------------

REFERENT_FUNCTIONS = (
    "CPE",
    "PERSONNEL_DE_DIRECTION",
    "ENSEIGNANT",
    "PROFESSEUR_DOCUMENTALISTE",
    "DDFPT",
    "ASSISTANT_EDUCATION",
    "PSYEN",
    "AUTRE",
)

# One school, one school year: the function of its référent décrochage (no names: coverage only).
referents = Table(
    "referents",
    metadata,
    Column("uai", String(8), primary_key=True),
    Column("annee_scolaire", String(9), primary_key=True),
    Column("fonction", String(30), nullable=False),
    Column("formation_suivie", Boolean, nullable=True),
    CheckConstraint(
        "fonction IN (" + ",".join(f"'{f}'" for f in REFERENT_FUNCTIONS) + ")", name="ck_referents_fonction"
    ),
)

PREVENTION_COUNT_COLUMNS = (
    "eleves_reperes",
    "eleves_suivis",
    "reunions_gpds",
    "solutions_internes",
    "signalements_plateforme",
)

# One school, one month: GPDS activity (fiches alerte → suivis → solutions internes → plateforme).
prevention = Table(
    "prevention",
    metadata,
    Column("uai", String(8), primary_key=True),
    Column("mois", String(7), primary_key=True),  # "2014-01"
    Column("annee_scolaire", String(9), nullable=False, index=True),
    *[Column(name, Integer, nullable=False) for name in PREVENTION_COUNT_COLUMNS],
    *[CheckConstraint(f"{name} >= 0", name=f"ck_prevention_{name}") for name in PREVENTION_COUNT_COLUMNS],
)

# --- bookkeeping -----------------------------------------------------------------------------

import_log = Table(
    "import_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("horodatage", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("utilisateur", String(120), nullable=False),
    Column("fichier", String(255), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("type_fichier", String(20), nullable=False),
    Column("lignes", Integer, nullable=False, default=0),
    Column("ajoutees", Integer, nullable=False, default=0),
    Column("modifiees", Integer, nullable=False, default=0),
    Column("inchangees", Integer, nullable=False, default=0),
)

# Key/value facts about the database: "demo" = "1" while demonstration data is loaded, "academie" = the
# official code of the académie it serves (``ACADEMIE_KEY``).
ACADEMIE_KEY = "academie"
meta = Table(
    "meta",
    metadata,
    Column("cle", String(40), primary_key=True),
    Column("valeur", Text, nullable=False),
)

utilisateurs = Table(
    "utilisateurs",
    metadata,
    Column("identifiant", String(120), primary_key=True),
    Column("nom", String(200), nullable=True),
    Column("role", String(20), nullable=False),
    Column("territoire_code", String(20), nullable=True),
    UniqueConstraint("identifiant", name="uq_utilisateurs_identifiant"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("horodatage", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("utilisateur", String(120), nullable=False),
    Column("action", String(40), nullable=False),
    Column("page", String(60), nullable=True),
    Column("territoire_code", String(20), nullable=True),
    Column("detail", Text, nullable=True),
)


# --- la lettre de la MLDS (revision 0004) --------------------------------------------

LETTER_STATES = ("brouillon", "publiee")
LETTER_BLOCK_KINDS = ("editorial", "pratique", "agenda")
SENDING_MODES = ("smtp", "essai")
SENDING_STATES = ("envoye", "echec")

# One letter per bilan period: a draft until it is published, then frozen (its content as JSON, its
# HTML and PDF as rendered at publication) with its number.
lettres = Table(
    "lettres",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("annee_scolaire", String(9), nullable=False),
    Column("periode_fin", String(10), nullable=False),
    Column("statut", String(12), nullable=False, default="brouillon"),
    Column("numero", Integer, nullable=True),
    Column("modifiee_le", DateTime(timezone=True), nullable=False),
    Column("modifiee_par", String(120), nullable=False),
    Column("publiee_le", DateTime(timezone=True), nullable=True),
    Column("publiee_par", String(120), nullable=True),
    Column("contenu", Text, nullable=True),
    Column("html", Text, nullable=True),
    Column("pdf", LargeBinary, nullable=True),
    UniqueConstraint("annee_scolaire", "periode_fin", name="uq_lettres_periode"),
    UniqueConstraint("numero", name="uq_lettres_numero"),
    CheckConstraint("statut IN ('brouillon','publiee')", name="ck_lettres_statut"),
)

# The parts the MLDS coordinator writes: the editorial, « pratiques à partager », the agenda.
lettre_blocs = Table(
    "lettre_blocs",
    metadata,
    Column("lettre_id", Integer, ForeignKey("lettres.id"), primary_key=True),
    Column("genre", String(12), primary_key=True),
    Column("rang", Integer, primary_key=True),
    Column("titre", String(200), nullable=True),
    Column("texte", Text, nullable=False),
    Column("reseau_code", String(20), nullable=True),
    Column("contact", String(120), nullable=True),
    Column("date_evenement", String(10), nullable=True),
    Column("lieu", String(200), nullable=True),
    CheckConstraint("genre IN ('editorial','pratique','agenda')", name="ck_lettre_blocs_genre"),
)

# Who receives the letter: an e-mail address, a role and a territory (the reader's scope).
lettre_destinataires = Table(
    "lettre_destinataires",
    metadata,
    Column("email", String(254), primary_key=True),
    Column("nom", String(200), nullable=True),
    Column("role", String(20), nullable=False),
    Column("territoire_code", String(20), nullable=True),
)

# Every message sent (or written in a dry run) and its outcome.
lettre_envois = Table(
    "lettre_envois",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("lettre_id", Integer, ForeignKey("lettres.id"), nullable=False, index=True),
    Column("horodatage", DateTime(timezone=True), nullable=False),
    Column("utilisateur", String(120), nullable=False),
    Column("email", String(254), nullable=False),
    Column("territoire_code", String(20), nullable=True),
    Column("mode", String(10), nullable=False),
    Column("statut", String(10), nullable=False),
    Column("detail", Text, nullable=True),
    CheckConstraint("mode IN ('smtp','essai')", name="ck_lettre_envois_mode"),
    CheckConstraint("statut IN ('envoye','echec')", name="ck_lettre_envois_statut"),
)


# --- statistical secrecy (revision 0005) --------------------------------------------

SECRECY_SUBJECTS = ("raccrochage", "prevention", "absenteisme")

# The secrecy decision of one subject, school year and method version: which published values are
# masked and with which mark (« < 5 » primary, « s » complementary), as JSON, with what it was
# decided on (``empreinte``: the data, the threshold and the protection width). Read by every
# channel through ``queries``; recomputed when the data or the method changes.
decisions_secret = Table(
    "decisions_secret",
    metadata,
    Column("sujet", String(20), primary_key=True),
    Column("annee_scolaire", String(9), primary_key=True),
    Column("methode", Integer, primary_key=True),
    Column("empreinte", String(200), nullable=False),
    Column("valeurs_publiees", Integer, nullable=False),
    Column("tours", Integer, nullable=False),
    Column("masques", Text, nullable=False),
    Column("decidee_le", DateTime(timezone=True), nullable=False),
    CheckConstraint("sujet IN ('raccrochage','prevention','absenteisme')", name="ck_decisions_secret_sujet"),
)


# --- meta ---------------------------------------------------------------------------------------


def set_meta(conn, key: str, value: str) -> None:
    """Insert or replace one meta value in one statement (two writers never collide on the key)."""
    upsert = postgresql_insert if conn.dialect.name == "postgresql" else sqlite_insert
    statement = upsert(meta).values(cle=key, valeur=value)
    conn.execute(statement.on_conflict_do_update(index_elements=[meta.c.cle], set_={"valeur": value}))


def get_meta(conn, key: str) -> str | None:
    return conn.execute(select(meta.c.valeur).where(meta.c.cle == key)).scalar_one_or_none()
