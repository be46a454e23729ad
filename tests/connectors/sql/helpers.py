"""Helpers for the SQL engine tests: a context allowing loopback, running steps, paging."""

from __future__ import annotations

import contextlib
import socket
import threading
from typing import TYPE_CHECKING, Any

from dcaas.connectors.base import ConnectorContext, StepFailed, StepResult, Steps
from dcaas.kit.outbound import OutboundPolicy

if TYPE_CHECKING:
    from collections.abc import Iterator

    from dcaas.connectors.sql.layer import SqlConnector


def context(connect_timeout: float = 3.0, total_timeout: float = 10.0) -> ConnectorContext:
    """What the probe service passes, with DCAAS_OUTBOUND_ALLOW=127.0.0.1/32."""
    return ConnectorContext(
        outbound=OutboundPolicy.parse("127.0.0.1/32"),
        connect_timeout=connect_timeout,
        total_timeout=total_timeout,
        max_preview_bytes=100_000,
    )


async def run_test(
    cls: type[SqlConnector], properties: dict[str, Any], ctx: ConnectorContext | None = None
) -> dict[str, StepResult]:
    """Run a connection test; the results by step name."""
    steps = Steps()
    connector = cls(properties, ctx or context())
    try:
        await connector.test(steps)
    except StepFailed:
        pass
    finally:
        await connector.aclose()
    return {r.name: r for r in steps.results}


async def browse_all(connector: SqlConnector, path: str, limit: int) -> list[str]:
    """Follow browse tokens to the end; the names in order, checking each page's size."""
    names: list[str] = []
    token = None
    while True:
        page = await connector.browse(path, limit, token)
        assert len(page.items) <= limit
        names += [e.name for e in page.items]
        if page.next_token is None:
            return names
        token = page.next_token


@contextlib.contextmanager
def silent_listener() -> Iterator[int]:
    """A TCP listener that accepts and never answers (a hung server); its port."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            with contextlib.suppress(OSError):
                held.append(server.accept()[0])

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield int(server.getsockname()[1])
    finally:
        stop.set()
        thread.join()
        for sock in held:
            sock.close()
        server.close()


def closed_port() -> int:
    """A local port with nothing listening on it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
