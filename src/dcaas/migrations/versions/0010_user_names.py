"""users.name and users.email: people named by name or e-mail as well as by id

Revision ID: 0010
Revises: 0013
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("name", sa.String(length=256), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("email", sa.String(length=320), nullable=True))
    # Users made before names existed are named by their subject, as new ones are by default.
    op.execute("UPDATE users SET name = subject WHERE name = ''")


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("email")
        batch_op.drop_column("name")
