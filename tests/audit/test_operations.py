"""The operator's side of the trail: key rotation events, retention, the export for a SIEM,
the log stream, and the SDK/CLI ``audit list|get``."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import update
from tests.audit.helpers import stored_events

from dcaas.audit import types
from dcaas.audit.commands import export
from dcaas.audit.models import AuditEvent
from dcaas.audit.retention import RetentionJob, purge
from dcaas.keys import key_admin, retire, rotate
from dcaas.kit.time import utcnow
from dcaas_client import AsyncClient

if TYPE_CHECKING:
    from tests.conftest import Api

P = "/api/v1/data-connections"


async def _create(api: Api, name: str) -> str:
    body = {"qName": name, "datasourceID": "rest", "connectionProperties": {"url": "https://e.x"}}
    res = await api.client.post(P, json=body, headers=api.h(api.alice))
    assert res.status_code == 201, res.text
    return str(res.json()["qID"])


async def test_key_rotation_and_retirement_are_recorded(api: Api) -> None:
    """rotate and retire (what ``dcaas keys`` runs) each record an installation event."""
    state = api.app.state.dcaas  # type: ignore[attr-defined]
    provider = state.envelope.provider
    admin = key_admin(provider)
    old = admin.ring().active
    await _create(api, "c")
    added, _ = await rotate(state.sessions, provider, admin)
    await retire(state.sessions, admin, old)
    rotated = await stored_events(api, type=types.KEY_ROTATED)
    retired = await stored_events(api, type=types.KEY_RETIRED)
    assert [e.object_id for e in rotated] == [added]
    assert [e.object_id for e in retired] == [old]
    assert rotated[0].tenant_id == ""  # no tenant: the whole installation's


async def test_retention_deletes_only_old_events(api: Api) -> None:
    """purge() deletes the events older than the retention, in batches, and keeps the rest."""
    state = api.app.state.dcaas  # type: ignore[attr-defined]
    await _create(api, "a")
    await _create(api, "b")
    everything = await stored_events(api)
    old = [e.id for e in everything[:3]]
    async with state.store.write() as session:
        await session.execute(
            update(AuditEvent)
            .where(AuditEvent.id.in_(old))
            .values(time=utcnow() - timedelta(days=100))
        )
    gone = await purge(state.store, 90, batch=2)
    assert gone == 3
    left = {e.id for e in await stored_events(api)}
    assert left == {e.id for e in everything} - set(old)


async def test_export_writes_every_event_since_a_time_as_json_lines(api: Api) -> None:
    """The export reads the store in batches and writes one JSON event a line, oldest first."""
    start = utcnow()
    for n in range(3):
        await _create(api, f"x{n}")
    out = io.StringIO()
    count = await export(api.settings.async_database_url, start, out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert count == len(lines) >= 3
    assert [e["eventTime"] for e in lines] == sorted(e["eventTime"] for e in lines)
    assert [e["eventType"] for e in lines].count(types.CONNECTION_CREATED) == 3


@pytest.mark.settings(audit_log=True)
async def test_committed_events_go_to_the_log_stream(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    """With DCAAS_AUDIT_LOG=1 each committed event is a log line with an ``audit`` field."""
    with caplog.at_level(logging.INFO, logger="dcaas.audit"):
        made = await _create(api, "logged")
    lines = [r for r in caplog.records if r.name == "dcaas.audit"]
    logged = [r.audit for r in lines]  # type: ignore[attr-defined]
    assert made in [e["objectId"] for e in logged]
    assert all(e["eventType"] for e in logged)


async def test_the_sdk_lists_and_gets_events(api: Api) -> None:
    """AsyncClient.audits.list / iter / get, as a tenant admin; alice sees none."""
    made = await _create(api, "sdk")
    transport = api.client._transport
    async with AsyncClient("http://testserver", api.admin, transport=transport) as sdk:
        page = await sdk.audits.list(eventType=types.CONNECTION_CREATED, limit=5)
        assert [e.objectId for e in page.data] == [made]
        walked = [e.id async for e in sdk.audits.iter(limit=2)]
        assert len(walked) == len(set(walked)) >= 3
        one = await sdk.audits.get(page.data[0].id)
        assert one.eventType == types.CONNECTION_CREATED
        assert types.CONNECTION_CREATED in await sdk.audits.types()
    async with AsyncClient("http://testserver", api.alice, transport=transport) as sdk:
        assert (await sdk.audits.list()).data == []


async def test_the_retention_job_runs_periodically_until_stopped(api: Api) -> None:
    """RetentionJob (started in the app's lifespan) purges old events on its interval and
    stops when told."""
    state = api.app.state.dcaas  # type: ignore[attr-defined]
    await _create(api, "r")
    async with state.store.write() as session:
        await session.execute(update(AuditEvent).values(time=utcnow() - timedelta(days=100)))
    job = RetentionJob(state.store, 90, interval=0.05)
    job.start()
    try:
        for _ in range(100):
            if not await stored_events(api):
                break
            await asyncio.sleep(0.05)
    finally:
        await job.stop()
    assert await stored_events(api) == []
    assert job._task is None
