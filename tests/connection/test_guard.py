"""The flush guard: a write path that skips the secret boundary fails instead of storing."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select

from dcaas.connection.guard import BoundaryBypassed
from dcaas.connection.models import Connection

if TYPE_CHECKING:
    from tests.conftest import Api

URL = "/api/v1/data-connections"


async def _saved(api: Api) -> str:
    body = {
        "qName": "guarded",
        "datasourceID": "rest",
        "connectionProperties": {
            "url": "https://api.example.com/",
            "authSchema": "bearer",
            "bearerToken": "stored-token",
        },
    }
    res = await api.client.post(URL, json=body, headers=api.h(api.alice))
    assert res.status_code == 201, res.text
    return str(res.json()["qID"])


@pytest.mark.parametrize(
    ("attribute", "value"),
    [
        ("properties", {"url": "https://evil.example/", "authSchema": "bearer"}),
        ("connect_statement", 'CUSTOM CONNECT TO "provider=x;sourceType=rest;url=evil;"'),
        ("credential_id", None),
    ],
)
async def test_changing_a_guarded_attribute_directly_fails_the_flush(
    api: Api, attribute: str, value: object
) -> None:
    """Properties, statement or credential set outside the boundary: the flush is refused."""
    conn_id = await _saved(api)
    state = api.app.state.dcaas  # type: ignore[attr-defined]
    async with state.sessions() as session:
        connection = await session.scalar(select(Connection).where(Connection.id == conn_id))
        assert connection is not None
        setattr(connection, attribute, value)
        with pytest.raises(BoundaryBypassed):
            await session.flush()
        await session.rollback()
    res = await api.client.get(URL + f"/{conn_id}", headers=api.h(api.alice))
    assert "evil" not in res.text


async def test_other_attributes_flush_freely(api: Api) -> None:
    """A rename touches nothing the boundary guards: it flushes."""
    conn_id = await _saved(api)
    state = api.app.state.dcaas  # type: ignore[attr-defined]
    async with state.sessions() as session:
        connection = await session.scalar(select(Connection).where(Connection.id == conn_id))
        assert connection is not None
        connection.name = "renamed"
        await session.flush()
        flushed = await session.scalar(select(Connection.name).where(Connection.id == conn_id))
        assert flushed == "renamed"
        await session.rollback()
