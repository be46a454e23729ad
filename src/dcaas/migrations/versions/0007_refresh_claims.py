"""oauth refresh claims

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import dcaas.kit.db

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "oauth_refresh_claims",
        sa.Column("credential_id", sa.String(length=64), nullable=False),
        sa.Column("claim", sa.String(length=64), nullable=False),
        sa.Column("claimed_at", dcaas.kit.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["credential_id"],
            ["credentials.id"],
            name=op.f("fk_oauth_refresh_claims_credential_id_credentials"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("credential_id", name=op.f("pk_oauth_refresh_claims")),
    )


def downgrade() -> None:
    op.drop_table("oauth_refresh_claims")
