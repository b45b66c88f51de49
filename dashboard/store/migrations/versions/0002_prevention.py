"""Prévention (issue 17) : tables referents (un établissement, une année) et prevention (un établissement, un mois).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-05

Each table is created only when missing: a database made by a development build between the
schema change and this revision may already hold them.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FUNCTIONS = ("CPE", "PERSONNEL_DE_DIRECTION", "ENSEIGNANT", "PROFESSEUR_DOCUMENTALISTE", "DDFPT",
             "ASSISTANT_EDUCATION", "PSYEN", "AUTRE")
COUNTS = ("eleves_reperes", "eleves_suivis", "reunions_gpds", "solutions_internes", "signalements_plateforme")


def upgrade() -> None:
    present = set(sa.inspect(op.get_bind()).get_table_names())
    if "referents" not in present:
        op.create_table(
            "referents",
            sa.Column("uai", sa.String(8), primary_key=True),
            sa.Column("annee_scolaire", sa.String(9), primary_key=True),
            sa.Column("fonction", sa.String(30), nullable=False),
            sa.Column("formation_suivie", sa.Boolean, nullable=True),
            sa.CheckConstraint("fonction IN (" + ",".join(f"'{f}'" for f in FUNCTIONS) + ")",
                               name="ck_referents_fonction"),
        )
    if "prevention" not in present:
        op.create_table(
            "prevention",
            sa.Column("uai", sa.String(8), primary_key=True),
            sa.Column("mois", sa.String(7), primary_key=True),
            sa.Column("annee_scolaire", sa.String(9), nullable=False),
            *[sa.Column(name, sa.Integer, nullable=False) for name in COUNTS],
            *[sa.CheckConstraint(f"{name} >= 0", name=f"ck_prevention_{name}") for name in COUNTS],
        )
        op.create_index("ix_prevention_annee_scolaire", "prevention", ["annee_scolaire"])


def downgrade() -> None:
    op.drop_index("ix_prevention_annee_scolaire", table_name="prevention")
    op.drop_table("prevention")
    op.drop_table("referents")
