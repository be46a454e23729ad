"""The PostgreSQL data source."""

from __future__ import annotations

from dcaas.connectors.spec import DataSource, destination
from dcaas.connectors.sql import SqlProperties


class PostgresProperties(SqlProperties):
    """Properties of a PostgreSQL connection."""

    port: int = destination(5432, ge=1, le=65535, description="TCP port of the server")


POSTGRESQL = DataSource(
    id="postgresql",
    name="PostgreSQL",
    provider="QvOdbcConnectorPackage.exe",
    provider_name="Qlik® ODBC Connector Package",
    properties=PostgresProperties,
    capabilities=("test-connection", "browse", "preview"),
    username_property="username",
    password_property="password",  # noqa: S106 - the property's name, not a password
    qri_prefix="qri:db:postgresql://",
    qri_connection_template="{host}:{port}/{database}",
    qri_properties=("host", "port", "database"),
    connector="dcaas.connectors.drivers.postgres:PostgresConnector",
)
