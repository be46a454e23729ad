"""The SQL engines' rows of the failure table, on the exception shapes the drivers raise."""

from __future__ import annotations

import http.client

from urllib3.exceptions import MaxRetryError, ProtocolError

from dcaas.connectors.failures import classify
from dcaas.errors import Code


def test_a_server_closing_after_the_tls_handshake_is_a_protocol_error() -> None:
    """Databricks' connector raises urllib3's MaxRetryError unwrapped; the root cause is the
    second argument of its ProtocolError (seen in CI when a stand-in closed after TLS)."""
    closed = http.client.RemoteDisconnected("Remote end closed connection without response")
    exc = MaxRetryError(
        None, "/sql/1.0/warehouses/abc", ProtocolError("Connection aborted.", closed)
    )  # type: ignore[arg-type]
    failure = classify(exc)
    assert (failure.code, failure.failure_class) == (
        Code.SOURCE_PROTOCOL_ERROR,
        "fix-configuration",
    )


def test_an_unrelated_urllib3_error_is_not_taken_for_a_closed_connection() -> None:
    """The row needs the closed connection in the chain, not just urllib3."""
    exc = MaxRetryError(None, "/x", ProtocolError("Connection aborted.", ValueError("bad")))  # type: ignore[arg-type]
    assert classify(exc).code != Code.SOURCE_PROTOCOL_ERROR
