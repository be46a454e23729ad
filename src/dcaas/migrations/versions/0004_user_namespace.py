"""users.namespace: JWT subjects apart from API-key users

Users dcaas made itself (bootstrap, ``dcaas apikey create``) keep the namespace ''. Users
that no API key points at can only have come from a JWT: they move to ``jwt?``, and the
first token with the same subject adopts them into its issuer's namespace
(``jwt:<iss>``), so that their spaces and connections stay theirs.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("namespace", sa.String(length=300), server_default="", nullable=False)
        )
        batch_op.drop_constraint(batch_op.f("uq_users_tenant_id"), type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_users_tenant_id"), ["tenant_id", "namespace", "subject"]
        )
    op.execute(
        "UPDATE users SET namespace = 'jwt?' "
        "WHERE NOT EXISTS (SELECT 1 FROM api_keys WHERE api_keys.user_id = users.id)"
    )


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_users_tenant_id"), type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_users_tenant_id"), ["tenant_id", "subject"]
        )
        batch_op.drop_column("namespace")
