"""A demo connector plugin: what a third party ships to add data sources to dcaas.

* ``demo-echo``: a data source with its own small connector (a host, a port and a token).
* ``demo-sql``: a SQL engine declared on dcaas's SQL layer, whose driver is not installed,
  so it stays in the catalog marked unavailable.
* ``NOT_A_SOURCE`` and ``DUPLICATE``: entry points dcaas must skip.
"""

from __future__ import annotations

from typing import Any, ClassVar

from dcaas.connectors.base import (
    ConnectorContext,
    Entry,
    EntryPage,
    FailureClass,
    Preview,
    SourceFailure,
    Step,
    Steps,
)
from dcaas.connectors.drivers.net import close, connect_any
from dcaas.connectors.drivers.plan import run_plan
from dcaas.connectors.spec import ConnectorProperties, DataSource, Driver, destination, secret
from dcaas.connectors.sql.engine import Endpoint, Engine
from dcaas.connectors.sql.layer import connector_for
from dcaas.connectors.sql.postgresql import POSTGRESQL
from dcaas.connectors.sql.properties import SqlProperties
from dcaas.connectors.sql.source import sql_source
from dcaas.errors import Code


class EchoProperties(ConnectorProperties):
    """A TCP service and a token."""

    host: str = destination(
        min_length=1, max_length=253, pattern=r"^[^\s/?#@]+$", description="Host of the service"
    )
    port: int = destination(7, ge=1, le=65535, description="TCP port of the service")
    token: str | None = secret(description="Token of the service")

    required_credentials: ClassVar[tuple[tuple[str, ...], ...]] = (("token",),)


class EchoConnector:
    """resolve-host and connect, through dcaas's outbound policy."""

    def __init__(self, properties: dict[str, Any], context: ConnectorContext) -> None:
        self.props = EchoProperties.model_validate(properties)
        self.context = context
        self.addresses: list[str] = []

    async def test(self, steps: Steps) -> None:
        await run_plan(steps, [(Step.RESOLVE, self._resolve), (Step.CONNECT, self._connect)])

    async def _resolve(self) -> None:
        self.addresses = await self.context.outbound.resolve(self.props.host, self.props.port)

    async def _connect(self) -> None:
        seconds = self.context.connect_timeout
        _, writer = await connect_any(self.addresses, self.props.port, seconds)
        await close(writer)

    async def browse(self, path: str, limit: int, token: str | None) -> EntryPage:
        return EntryPage([Entry(name=self.props.host, path="/", type="endpoint")])

    async def preview(self, path: str, max_bytes: int, max_rows: int) -> Preview:
        raise SourceFailure(
            Code.SOURCE_UNSUPPORTED,
            FailureClass.CONFIGURATION,
            "the echo service has nothing to preview",
            http_status=400,
        )

    async def aclose(self) -> None:
        return None


ECHO = DataSource(
    id="demo-echo",
    name="Demo echo (plugin)",
    provider="DemoEchoConnector.exe",
    provider_name="dcaas demo plugin",
    properties=EchoProperties,
    capabilities=("test-connection", "browse"),
    connector="dcaas_demo_plugin:EchoConnector",
)


async def _never(props: Any, link: Any) -> Any:
    raise AssertionError("the driver is not installed; the layer stops before this")


DEMO_ENGINE = Engine(
    name="demo-sql",
    properties=SqlProperties,
    driver=Driver(modules=("dcaas_demo_absent_driver",), package="dcaas-demo-driver"),
    endpoint=lambda props: Endpoint(props.host, props.port),
    connect=_never,
)
DemoSqlConnector = connector_for(DEMO_ENGINE)
DEMO_SQL = sql_source(
    DEMO_ENGINE,
    source_id="demo-sql",
    name="Demo SQL (plugin, driver not installed)",
    connector="dcaas_demo_plugin:DemoSqlConnector",
    qri=("{host}:{port}", ("host", "port")),
)

NOT_A_SOURCE = "an entry point that is not a DataSource"
DUPLICATE = POSTGRESQL  # reuses a built-in's id
