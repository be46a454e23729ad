"""Athena against moto's server (Athena and S3 APIs), with signature checking on.

Proven here: the real PyAthena and boto3 calls, signed with the key's secret (a wrong
secret is refused), the workgroup and schema checks, browsing schemas page by page with
Athena's own tokens, and a preview query run through StartQueryExecution /
GetQueryExecution / GetQueryResults. What moto cannot prove: it answers queries with
results queued beforehand through its moto-api (it runs no SQL), and it has no
ListTableMetadata / GetTableMetadata, so listing tables and columns is not exercised here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from tests.connectors.sql.helpers import browse_all, context, run_test

from dcaas.connectors.sql.athena import AthenaConnector
from dcaas.connectors.sql.layer import join_path

if TYPE_CHECKING:
    from tests.connectors.sql.live import Athena

pytest.importorskip("pyathena")


async def test_good_connection_passes_every_step(athena: Athena) -> None:
    """Over HTTP (no tls step): the workgroup answers and the schema exists."""
    results = await run_test(AthenaConnector, athena.props())
    assert list(results) == ["resolve-host", "connect", "authenticate", "reach-database"]
    assert {r.status for r in results.values()} == {"passed"}


async def test_wrong_secret_fails_at_authenticate(athena: Athena) -> None:
    """moto checks the signature: a wrong secret is DCAAS-6006 (fix-credentials)."""
    results = await run_test(AthenaConnector, athena.props(password="wrong-Secret-4"))
    assert (results["authenticate"].code, results["authenticate"].failure_class) == (
        "DCAAS-6006",
        "fix-credentials",
    )


async def test_missing_schema_fails_at_reach_database(athena: Athena) -> None:
    """A schema Athena does not know is DCAAS-6008 at reach-database."""
    results = await run_test(AthenaConnector, athena.props(Schema="nope"))
    assert results["authenticate"].status == "passed"
    assert results["reach-database"].code == "DCAAS-6008"


async def test_browse_schemas_pages_with_athena_tokens(athena: Athena) -> None:
    """Limit 1 pages through every database (Athena's NextToken as the browse token)."""
    connector = AthenaConnector(athena.props(), context())
    try:
        names = await browse_all(connector, "", 1)
    finally:
        await connector.aclose()
    assert {"sales", "stock", "staff", "default"} <= set(names)
    assert len(names) == len(set(names))


async def test_preview_runs_a_query(athena: Athena) -> None:
    """The preview's SELECT goes through the query API; moto answers the queued rows."""
    athena.queue_result(["id", "name"], [["1", "one"], ["2", "two"], ["3", "three"]])
    connector = AthenaConnector(athena.props(), context())
    try:
        preview = await connector.preview(join_path("sales", "orders"), 10_000, 2)
    finally:
        await connector.aclose()
    assert preview.columns == ["id", "name"]
    assert (preview.rows, preview.truncated) == ([["1", "one"], ["2", "two"]], True)
