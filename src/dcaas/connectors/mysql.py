"""The MySQL / MariaDB data source."""

from __future__ import annotations

from dcaas.connectors.spec import DataSource, destination
from dcaas.connectors.sql import SqlProperties


class MysqlProperties(SqlProperties):
    """Properties of a MySQL or MariaDB connection."""

    port: int = destination(3306, ge=1, le=65535, description="TCP port of the server")


MYSQL = DataSource(
    id="mysql",
    name="MySQL / MariaDB",
    provider="QvOdbcConnectorPackage.exe",
    provider_name="Qlik® ODBC Connector Package",
    properties=MysqlProperties,
    capabilities=("test-connection", "browse", "preview"),
    username_property="username",
    password_property="password",  # noqa: S106 - the property's name, not a password
    qri_prefix="qri:db:mysql://",
    qri_connection_template="{host}:{port}/{database}",
    qri_properties=("host", "port", "database"),
    connector="dcaas.connectors.drivers.mysql:MysqlConnector",
)
