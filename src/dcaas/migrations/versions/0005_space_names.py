"""spaces: names unique among the spaces a caller can see, not tenant-wide

A tenant-wide unique name made a 409 the answer to a name only a hidden space holds.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("spaces", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_spaces_tenant_id"), type_="unique")


def downgrade() -> None:
    with op.batch_alter_table("spaces", schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f("uq_spaces_tenant_id"), ["tenant_id", "name"])
