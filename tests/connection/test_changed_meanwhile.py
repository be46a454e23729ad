"""An unconditional write that loses a race answers 409 DCAAS-3004, not the 412 of If-Match."""

from __future__ import annotations

from typing import Any

import pytest
from tests.conftest import running_api
from tests.connection.test_etag import URL, created, rename

from dcaas.auth.service import authenticate
from dcaas.connection.patching import apply_patch
from dcaas.connection.service import ConnectionService
from dcaas.errors import Code, Conflict
from dcaas.kit.db import transaction


@pytest.mark.postgres
async def test_write_after_another_commit_is_409_connection_changed(tmp_path) -> None:
    """A PATCH without If-Match whose row another request changed meanwhile: 409 DCAAS-3004.

    PostgreSQL only: on SQLite a writing request holds the database's write lock from its
    first statement, so no other write can land between its read and its write.
    """
    async with running_api("postgresql", tmp_path) as api:
        conn = await created(api)
        state = api.app.state.dcaas  # type: ignore[attr-defined]
        caller = await authenticate(state.store, state.verifier, f"Bearer {api.alice}")

        async def rules_then_a_rival_commits(service: Any, connection: Any, ops: Any) -> None:
            await apply_patch(service, connection, ops)
            rival = await api.client.patch(
                f"{URL}/{conn['qID']}", json=rename("rival"), headers=api.h(api.alice)
            )
            assert rival.status_code == 204, rival.text

        async def patch_mine() -> None:
            async with transaction(state.sessions) as db:
                service = ConnectionService(db, caller, state.envelope)
                await service.patch(conn["qID"], rename("mine"), rules_then_a_rival_commits)

        with pytest.raises(Conflict) as raised:
            await patch_mine()
        assert (raised.value.status, raised.value.code) == (409, Code.CONNECTION_CHANGED)
        got = await api.client.get(f"{URL}/{conn['qID']}", headers=api.h(api.alice))
        assert got.json()["qName"] == "rival"
