"""A SQL engine as a catalog entry: Qlik's id, provider and connect-statement form."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dcaas.connectors.spec import DataSource

if TYPE_CHECKING:
    from dcaas.connectors.spec import OAuthEndpoints
    from dcaas.connectors.sql.engine import Engine

ODBC_PACKAGE = "QvOdbcConnectorPackage.exe"
ODBC_PACKAGE_NAME = "Qlik® ODBC Connector Package"


def sql_source(
    engine: Engine,
    *,
    source_id: str,
    name: str,
    connector: str,
    qri: tuple[str, tuple[str, ...]],
    username_property: str | None = "username",
    password_property: str | None = "password",  # noqa: S107 - a property's name
    oauth: OAuthEndpoints | None = None,
    oauth_selector: tuple[str, str] | None = None,
) -> DataSource:
    """A data source of the ODBC connector package: ``provider=...;driver=<engine>;...``.

    ``qri`` is the connection part's template and its properties, e.g.
    ``("{host}:{port}/{database}", ("host", "port", "database"))``.
    """
    template, qri_properties = qri
    caps = engine.capabilities() + (("oauth2",) if oauth else ())
    return DataSource(
        id=source_id,
        name=name,
        provider=ODBC_PACKAGE,
        provider_name=ODBC_PACKAGE_NAME,
        properties=engine.properties,
        capabilities=caps,
        username_property=username_property,
        password_property=password_property,
        qri_prefix=f"qri:db:{engine.name}://",
        qri_connection_template=template,
        qri_properties=qri_properties,
        connector=connector,
        oauth=oauth,
        source_property="driver",
        driver=engine.driver,
        oauth_selector=oauth_selector,
    )
