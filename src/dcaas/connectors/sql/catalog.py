"""The SQL data sources of the catalog, in the order ``GET /data-sources`` lists them."""

from __future__ import annotations

from dcaas.connectors.sql.athena import ATHENA
from dcaas.connectors.sql.bigquery import BIGQUERY
from dcaas.connectors.sql.databricks import DATABRICKS
from dcaas.connectors.sql.mssql import AZURE_SQL, AZURE_SYNAPSE, MSSQL
from dcaas.connectors.sql.mysql import MYSQL
from dcaas.connectors.sql.odbc import ODBC
from dcaas.connectors.sql.oracle import ORACLE
from dcaas.connectors.sql.postgresql import POSTGRESQL
from dcaas.connectors.sql.redshift import REDSHIFT
from dcaas.connectors.sql.snowflake import SNOWFLAKE
from dcaas.connectors.sql.teradata import TERADATA

SQL_SOURCES = (
    POSTGRESQL,
    MYSQL,
    MSSQL,
    AZURE_SQL,
    AZURE_SYNAPSE,
    SNOWFLAKE,
    DATABRICKS,
    BIGQUERY,
    ATHENA,
    REDSHIFT,
    ORACLE,
    TERADATA,
    ODBC,
)
