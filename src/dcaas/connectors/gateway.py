"""Direct Access gateway sources (Qlik's ``DG_<x>``): ``<x>``'s properties plus
``gatewayInstance``, the gateway that runs the connection.

The gateway decides where the connection's secrets go, so ``gatewayInstance`` is a
destination: changing it keeps no stored secret (the boundary's rule 1). It must name a
gateway an admin registered for the source (``/api/v1/gateways``); the connection service
checks that on every create and change of it. Tests, browse and preview run on the gateway,
not here: these sources have no connector in dcaas, and say so (``DCAAS-6020``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import cast

from pydantic import create_model

from dcaas.connectors.spec import ConnectorProperties, DataSource, destination

GATEWAY_INSTANCE = "gatewayInstance"
PROVIDER = "QlikConnectorsCommonService.exe"
PROVIDER_NAME = "Qlik Direct Access gateway"
PREFIX = "DG_"
# Qlik's DG_<x> ids for the sources dcaas has (see QLIK-API.md, the Direct Access list).
QLIK_IDS: dict[str, str] = {
    "postgresql": "DG_postgres",
    "mysql": "DG_mysql",
    "mssql": "DG_mssql",
    "azure_sql": "DG_azure_sql",
    "azure-synapse": "DG_azure-synapse",
    "snowflake": "DG_snowflake",
    "databricks": "DG_databricks",
    "gbq": "DG_gbq",
    "athena": "DG_athena",
    "redshift": "DG_redshift",
    "oracle": "DG_oracle",
    "teradata": "DG_teradata",
    "GenericDriver": "DG_GenericDriver",
}


def is_gateway_source(data_source_id: str) -> bool:
    return data_source_id.startswith(PREFIX)


def gateway_source(base: DataSource) -> DataSource:
    """``DG_<x>`` for ``base``: its properties plus ``gatewayInstance``, no runtime here."""
    properties = create_model(
        f"Gateway{base.properties.__name__}",
        __base__=base.properties,
        gatewayInstance=(
            str,
            destination(
                description="Id of the Direct Access gateway that runs this connection "
                f"(GET /api/v1/data-sources/{QLIK_IDS[base.id]}/gateways)",
                min_length=1,
                max_length=64,
            ),
        ),
    )
    return replace(
        base,
        id=QLIK_IDS[base.id],
        name=f"{base.name} (via Direct Access gateway)",
        provider=PROVIDER,
        provider_name=PROVIDER_NAME,
        properties=cast("type[ConnectorProperties]", properties),
        connector=None,
        driver=None,
        oauth=None,
        oauth_selector=None,
        source_property="sourceType",
    )


def gateway_sources(bases: list[DataSource]) -> tuple[DataSource, ...]:
    return tuple(gateway_source(b) for b in bases if b.id in QLIK_IDS)
