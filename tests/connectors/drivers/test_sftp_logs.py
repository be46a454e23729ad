"""asyncssh logs the SFTP user name (declared secret) at INFO; dcaas's log lines scrub it.

Through the API, against the real asyncssh server of the SFTP tests, with logging set up
as ``dcaas serve`` sets it up (JSON to a stream, INFO).
"""

from __future__ import annotations

import io
import json
import logging
from typing import TYPE_CHECKING

import pytest
from tests import log_guard
from tests.connectors.drivers.conftest import SFTP_PASSWORD, SFTP_USER, SftpServer

from dcaas.observability import configure_logging

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.conftest import Api


@pytest.fixture(autouse=True)
def _allow_local(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DCAAS_OUTBOUND_ALLOW", "127.0.0.1/32")


@pytest.fixture
def served_logs() -> Iterator[io.StringIO]:
    """Every logger's lines as dcaas serve writes them (JSON, INFO), into a buffer."""
    out = io.StringIO()
    root = logging.getLogger()
    level = root.level
    handler = configure_logging("INFO", "json", stream=out)
    handler.addFilter(log_guard.not_server_side)  # the test server logs what it receives
    yield out
    root.removeHandler(handler)
    root.setLevel(level)


async def test_asyncssh_auth_line_scrubs_the_user_name(
    api: Api, sftp_server: SftpServer, served_logs: io.StringIO
) -> None:
    """A connection test writes asyncssh's 'Beginning auth for user ***', never the name."""
    body = {
        "qName": "files",
        "datasourceID": "File_FileTransferConnector",
        "connectionProperties": sftp_server.props(),
    }
    res = await api.client.post(
        "/api/v1/data-connections/actions/test", json=body, headers=api.h(api.alice)
    )
    assert res.status_code == 200, res.text
    assert res.json()["status"] == "passed", res.text
    assert sftp_server.auth_attempts == [SFTP_USER]  # the name really went to the server
    lines = [json.loads(line) for line in served_logs.getvalue().splitlines()]
    client = [
        line["message"]
        for line in lines
        if line["logger"].startswith("asyncssh") and "Beginning auth" in line["message"]
    ]
    assert client, "asyncssh wrote no auth line at INFO"
    assert all(m.endswith("Beginning auth for user ***") for m in client), client
    text = served_logs.getvalue()
    assert SFTP_USER not in text
    assert SFTP_PASSWORD not in text
