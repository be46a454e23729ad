"""engine endpoints: API-key scopes, release records, engine instances, gateways

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import dcaas.kit.db

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _tenant_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["tenant_id"],
        ["tenants.id"],
        name=op.f(f"fk_{table}_tenant_id_tenants"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("scopes", sa.String(length=256), server_default="", nullable=False)
        )
    op.create_table(
        "engine_releases",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=256), nullable=False),
        sa.Column("via", sa.String(length=16), nullable=False),
        sa.Column("connection_id", sa.String(length=64), nullable=True),
        sa.Column("connection_name", sa.String(length=256), nullable=True),
        sa.Column("data_source_id", sa.String(length=128), nullable=True),
        sa.Column("asked_by", sa.String(length=32), nullable=False),
        sa.Column("reload_id", sa.String(length=256), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=True),
        sa.Column("created", dcaas.kit.db.UTCDateTime(), nullable=False),
        _tenant_fk("engine_releases"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_engine_releases")),
    )
    op.create_index(
        "ix_engine_releases_tenant_created",
        "engine_releases",
        ["tenant_id", "created", "id"],
        unique=False,
    )
    op.create_index(
        "ix_engine_releases_tenant_connection",
        "engine_releases",
        ["tenant_id", "connection_id", "created"],
        unique=False,
    )
    op.create_table(
        "engine_endpoints",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("data_source_id", sa.String(length=128), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("is_pod_url", sa.Boolean(), nullable=False),
        sa.Column("created", dcaas.kit.db.UTCDateTime(), nullable=False),
        _tenant_fk("engine_endpoints"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_engine_endpoints")),
    )
    op.create_index(
        "ix_engine_endpoints_tenant_id", "engine_endpoints", ["tenant_id", "id"], unique=False
    )
    op.create_table(
        "gateways",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column(
            "data_sources",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("created", dcaas.kit.db.UTCDateTime(), nullable=False),
        sa.Column("updated", dcaas.kit.db.UTCDateTime(), nullable=False),
        _tenant_fk("gateways"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gateways")),
        sa.UniqueConstraint("tenant_id", "name", name=op.f("uq_gateways_tenant_id")),
    )


def downgrade() -> None:
    op.drop_table("gateways")
    op.drop_index("ix_engine_endpoints_tenant_id", table_name="engine_endpoints")
    op.drop_table("engine_endpoints")
    op.drop_index("ix_engine_releases_tenant_connection", table_name="engine_releases")
    op.drop_index("ix_engine_releases_tenant_created", table_name="engine_releases")
    op.drop_table("engine_releases")
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_column("scopes")
