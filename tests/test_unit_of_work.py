"""The request's unit of work commits before the answer leaves, never after."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from dcaas.connection.models import Connection

if TYPE_CHECKING:
    from tests.conftest import Api


async def test_a_created_connection_is_committed_when_the_201_starts(api: Api) -> None:
    """At the moment the response starts, another session already sees the new row."""
    app: Any = api.app
    state = app.state.dcaas
    seen: list[int] = []

    async def inner(scope: Any, receive: Any, send: Any) -> None:
        async def watching_send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                async with state.sessions() as other:
                    seen.append(await other.scalar(select(func.count()).select_from(Connection)))
            await send(message)

        await app(scope, receive, watching_send)

    import httpx  # noqa: PLC0415

    transport = httpx.ASGITransport(app=inner)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        created = await client.post(
            "/api/v1/data-connections",
            headers=api.h(api.alice),
            json={
                "dataSourceId": "rest",
                "qName": "durable",
                "connectionProperties": {"url": "https://example.com"},
            },
        )
    assert created.status_code == 201, created.text
    assert seen == [1]
