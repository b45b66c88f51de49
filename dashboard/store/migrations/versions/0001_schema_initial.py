"""Schema initial : le schéma livré avant les migrations (toutes les tables sauf referents et prevention).

Revision ID: 0001
Revises:
Create Date: 2026-12-05

Frozen copy of the tables that ``dashboard.db`` declared before issue 17: never edit it to follow
a later change of ``db.py`` (write a new revision instead). A database made by a release without
Alembic is stamped at this revision when all these tables are there (``dashboard.migrations``);
an older one may lack a table added later (``utilisateurs``, ``audit_log``): each table is created
only when it is missing, so running this revision over such a database completes it.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BILAN_COUNTS = (
    "jeunes_signales", "jeunes_contactes", "entretiens", "solutions_proposees",
    "raccroches_formation_initiale", "raccroches_structure_innovante", "raccroches_apprentissage",
    "raccroches_mlds", "raccroches_service_civique", "raccroches_autres", "contrats_foquale",
)

# Table name → its indexes (name, columns, unique), created with the table.
INDEXES = {
    "communes": [("ix_communes_departement_code", ["departement_code"])],
    "territoires": [("ix_territoires_reseau_code", ["reseau_code"]),
                    ("ix_territoires_commune_annee", ["commune_insee", "annee_debut"])],
    "etablissements": [("ix_etablissements_commune_insee", ["commune_insee"]),
                       ("ix_etablissements_reseau_code", ["reseau_code"])],
    "bilans": [("ix_bilans_annee_scolaire", ["annee_scolaire"])],
    "absenteisme": [("ix_absenteisme_annee_scolaire", ["annee_scolaire"])],
}


def _tables() -> list[tuple[str, list]]:
    """(name, columns and constraints) of every table, in creation order (foreign keys last)."""
    return [
        ("departements", [
            sa.Column("code", sa.String(3), primary_key=True),
            sa.Column("nom", sa.String(80), nullable=False),
        ]),
        ("communes", [
            sa.Column("insee", sa.String(5), primary_key=True),
            sa.Column("nom", sa.String(120), nullable=False),
            sa.Column("departement_code", sa.String(3), sa.ForeignKey("departements.code"), nullable=False),
            sa.Column("population", sa.Integer, nullable=False),
            sa.CheckConstraint("population >= 0", name="ck_communes_population"),
        ]),
        ("territoires", [
            sa.Column("annee_debut", sa.Integer, primary_key=True, autoincrement=False),
            sa.Column("commune_insee", sa.String(5), sa.ForeignKey("communes.insee"), primary_key=True),
            sa.Column("reseau_code", sa.String(20), nullable=False),
            sa.Column("reseau_nom", sa.String(120), nullable=False),
            sa.Column("psad_code", sa.String(20), nullable=False),
            sa.Column("psad_nom", sa.String(120), nullable=False),
            sa.Column("departement_code", sa.String(3), sa.ForeignKey("departements.code"), nullable=False),
        ]),
        ("etablissements", [
            sa.Column("uai", sa.String(8), primary_key=True),
            sa.Column("nom", sa.String(200), nullable=False),
            sa.Column("type", sa.String(10), nullable=False),
            sa.Column("secteur", sa.String(10), nullable=False),
            sa.Column("commune_insee", sa.String(5), sa.ForeignKey("communes.insee"), nullable=False),
            sa.Column("education_prioritaire", sa.String(4), nullable=True),
            sa.Column("reseau_code", sa.String(20), nullable=True),
            sa.CheckConstraint("type IN ('COLLEGE','LGT','LP','LPO','EREA','AUTRE')", name="ck_etab_type"),
            sa.CheckConstraint("secteur IN ('PUBLIC','PRIVE')", name="ck_etab_secteur"),
            sa.CheckConstraint("education_prioritaire IS NULL OR education_prioritaire IN ('REP+','REP')",
                               name="ck_etab_ep"),
        ]),
        ("bilans", [
            sa.Column("reseau_code", sa.String(20), primary_key=True),
            sa.Column("periode_fin", sa.String(10), primary_key=True),
            sa.Column("annee_scolaire", sa.String(9), nullable=False),
            *[sa.Column(name, sa.Integer, nullable=False) for name in BILAN_COUNTS],
            *[sa.CheckConstraint(f"{name} >= 0", name=f"ck_bilans_{name}") for name in BILAN_COUNTS],
        ]),
        ("objectifs", [
            sa.Column("annee_scolaire", sa.String(9), primary_key=True),
            sa.Column("territoire_code", sa.String(20), primary_key=True),
            sa.Column("indicateur", sa.String(40), primary_key=True),
            sa.Column("objectif", sa.Integer, nullable=False),
            sa.CheckConstraint("objectif >= 0", name="ck_objectifs_objectif"),
        ]),
        ("absenteisme", [
            sa.Column("uai", sa.String(8), primary_key=True),
            sa.Column("mois", sa.String(7), primary_key=True),
            sa.Column("annee_scolaire", sa.String(9), nullable=False),
            sa.Column("effectif", sa.Integer, nullable=False),
            sa.Column("eleves_absenteistes", sa.Integer, nullable=False),
            sa.Column("demi_journees_non_justifiees", sa.Integer, nullable=True),
            sa.CheckConstraint("effectif >= 0", name="ck_abs_effectif"),
            sa.CheckConstraint("eleves_absenteistes >= 0", name="ck_abs_absenteistes"),
            sa.CheckConstraint("eleves_absenteistes <= effectif", name="ck_abs_le_effectif"),
        ]),
        ("mlds_sites", [
            sa.Column("site_code", sa.String(20), primary_key=True),
            sa.Column("annee_scolaire", sa.String(9), primary_key=True),
            sa.Column("nom", sa.String(200), nullable=False),
            sa.Column("commune_insee", sa.String(5), sa.ForeignKey("communes.insee"), nullable=False),
            sa.Column("places", sa.Integer, nullable=False),
            sa.Column("jeunes_accueillis", sa.Integer, nullable=False),
            sa.CheckConstraint("places >= 0", name="ck_mlds_places"),
            sa.CheckConstraint("jeunes_accueillis >= 0", name="ck_mlds_accueillis"),
        ]),
        ("import_log", [
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("horodatage", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
            sa.Column("utilisateur", sa.String(120), nullable=False),
            sa.Column("fichier", sa.String(255), nullable=False),
            sa.Column("sha256", sa.String(64), nullable=False),
            sa.Column("type_fichier", sa.String(20), nullable=False),
            sa.Column("lignes", sa.Integer, nullable=False),
            sa.Column("ajoutees", sa.Integer, nullable=False),
            sa.Column("modifiees", sa.Integer, nullable=False),
            sa.Column("inchangees", sa.Integer, nullable=False),
        ]),
        ("meta", [
            sa.Column("cle", sa.String(40), primary_key=True),
            sa.Column("valeur", sa.Text, nullable=False),
        ]),
        ("utilisateurs", [
            sa.Column("identifiant", sa.String(120), primary_key=True),
            sa.Column("nom", sa.String(200), nullable=True),
            sa.Column("role", sa.String(20), nullable=False),
            sa.Column("territoire_code", sa.String(20), nullable=True),
            sa.UniqueConstraint("identifiant", name="uq_utilisateurs_identifiant"),
        ]),
        ("audit_log", [
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("horodatage", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
            sa.Column("utilisateur", sa.String(120), nullable=False),
            sa.Column("action", sa.String(40), nullable=False),
            sa.Column("page", sa.String(60), nullable=True),
            sa.Column("territoire_code", sa.String(20), nullable=True),
            sa.Column("detail", sa.Text, nullable=True),
        ]),
    ]


TABLES: tuple[str, ...] = tuple(name for name, _ in _tables())


def upgrade() -> None:
    present = set(sa.inspect(op.get_bind()).get_table_names())
    for name, parts in _tables():
        if name in present:
            continue
        op.create_table(name, *parts)
        for index, columns in INDEXES.get(name, ()):
            op.create_index(index, name, columns)


def downgrade() -> None:
    for name, _ in reversed(_tables()):
        op.drop_table(name)
