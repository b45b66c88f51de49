"""La lettre de la MLDS (issue 29) : lettres, lettre_blocs, lettre_destinataires, lettre_envois.

Revision ID: 0004
Revises: 0002
Create Date: 2027-01-10

Each table is created only when missing: a database made by ``create_all`` during development (then
stamped at the baseline) may already hold them.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    present = set(sa.inspect(op.get_bind()).get_table_names())
    if "lettres" not in present:
        _lettres()
    if "lettre_blocs" not in present:
        _blocs()
    if "lettre_destinataires" not in present:
        _destinataires()
    if "lettre_envois" not in present:
        _envois()


def _lettres() -> None:
    op.create_table(
        "lettres",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("annee_scolaire", sa.String(9), nullable=False),
        sa.Column("periode_fin", sa.String(10), nullable=False),
        sa.Column("statut", sa.String(12), nullable=False),
        sa.Column("numero", sa.Integer, nullable=True),
        sa.Column("modifiee_le", sa.DateTime(timezone=True), nullable=False),
        sa.Column("modifiee_par", sa.String(120), nullable=False),
        sa.Column("publiee_le", sa.DateTime(timezone=True), nullable=True),
        sa.Column("publiee_par", sa.String(120), nullable=True),
        sa.Column("contenu", sa.Text, nullable=True),
        sa.Column("html", sa.Text, nullable=True),
        sa.Column("pdf", sa.LargeBinary, nullable=True),
        sa.UniqueConstraint("annee_scolaire", "periode_fin", name="uq_lettres_periode"),
        sa.UniqueConstraint("numero", name="uq_lettres_numero"),
        sa.CheckConstraint("statut IN ('brouillon','publiee')", name="ck_lettres_statut"),
    )


def _blocs() -> None:
    op.create_table(
        "lettre_blocs",
        sa.Column("lettre_id", sa.Integer, sa.ForeignKey("lettres.id"), primary_key=True),
        sa.Column("genre", sa.String(12), primary_key=True),
        sa.Column("rang", sa.Integer, primary_key=True),
        sa.Column("titre", sa.String(200), nullable=True),
        sa.Column("texte", sa.Text, nullable=False),
        sa.Column("reseau_code", sa.String(20), nullable=True),
        sa.Column("contact", sa.String(120), nullable=True),
        sa.Column("date_evenement", sa.String(10), nullable=True),
        sa.Column("lieu", sa.String(200), nullable=True),
        sa.CheckConstraint("genre IN ('editorial','pratique','agenda')", name="ck_lettre_blocs_genre"),
    )


def _destinataires() -> None:
    op.create_table(
        "lettre_destinataires",
        sa.Column("email", sa.String(254), primary_key=True),
        sa.Column("nom", sa.String(200), nullable=True),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("territoire_code", sa.String(20), nullable=True),
    )


def _envois() -> None:
    op.create_table(
        "lettre_envois",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("lettre_id", sa.Integer, sa.ForeignKey("lettres.id"), nullable=False),
        sa.Column("horodatage", sa.DateTime(timezone=True), nullable=False),
        sa.Column("utilisateur", sa.String(120), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("territoire_code", sa.String(20), nullable=True),
        sa.Column("mode", sa.String(10), nullable=False),
        sa.Column("statut", sa.String(10), nullable=False),
        sa.Column("detail", sa.Text, nullable=True),
        sa.CheckConstraint("mode IN ('smtp','essai')", name="ck_lettre_envois_mode"),
        sa.CheckConstraint("statut IN ('envoye','echec')", name="ck_lettre_envois_statut"),
    )
    op.create_index("ix_lettre_envois_lettre_id", "lettre_envois", ["lettre_id"])


def downgrade() -> None:
    op.drop_index("ix_lettre_envois_lettre_id", table_name="lettre_envois")
    op.drop_table("lettre_envois")
    op.drop_table("lettre_destinataires")
    op.drop_table("lettre_blocs")
    op.drop_table("lettres")
