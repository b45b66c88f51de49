"""Secret statistique (issue 23) : decisions_secret, one decision per subject, school year and
method version (before: JSON values under ``secret:<année>`` in ``meta``).

Revision ID: 0005
Revises: 0004
Create Date: 2027-01-20

The table is created only when missing (a database made by ``create_all`` during development may
already hold it). The decisions kept in ``meta`` are dropped: they are a cache, recomputed on first
use (``python -m dashboard.disclosure store``).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    bind = op.get_bind()
    if "decisions_secret" not in set(sa.inspect(bind).get_table_names()):
        op.create_table(
            "decisions_secret",
            sa.Column("sujet", sa.String(20), primary_key=True),
            sa.Column("annee_scolaire", sa.String(9), primary_key=True),
            sa.Column("methode", sa.Integer, primary_key=True),
            sa.Column("empreinte", sa.String(200), nullable=False),
            sa.Column("valeurs_publiees", sa.Integer, nullable=False),
            sa.Column("tours", sa.Integer, nullable=False),
            sa.Column("masques", sa.Text, nullable=False),
            sa.Column("decidee_le", sa.DateTime(timezone=True), nullable=False),
            sa.CheckConstraint("sujet IN ('raccrochage','prevention','absenteisme')",
                               name="ck_decisions_secret_sujet"),
        )
    meta = sa.table("meta", sa.column("cle", sa.String))
    bind.execute(sa.delete(meta).where(meta.c.cle.like("secret:%")))


def downgrade() -> None:
    op.drop_table("decisions_secret")
