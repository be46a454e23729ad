"""Each error family, from a real dcaas where it answers one, carrying the envelope."""

from __future__ import annotations

import socket
from typing import TYPE_CHECKING

import pytest
from tests.dcaas_client.flaky import Script, make_app
from tests.live import Live, serve

from dcaas_client import (
    NO_RETRY,
    AuthenticationError,
    BadRequestError,
    Client,
    ClientError,
    ConflictError,
    DcaasError,
    ForbiddenError,
    NotFoundError,
    PayloadTooLargeError,
    PreconditionFailedError,
    PropertiesConnectionCreate,
    ServerError,
    ServiceUnavailableError,
    UnreachableError,
)

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture
def alice(live: Live) -> Iterator[Client]:
    with Client(live.url, live.alice) as client:
        yield client


def test_bad_filter_is_bad_request(alice: Client) -> None:
    """An invalid SCIM filter raises BadRequestError with the server's code and field."""
    with pytest.raises(BadRequestError) as info:
        alice.connections.list(filter='qName zz "x"')
    error = info.value
    assert (error.status, error.code) == (400, "DCAAS-1005")
    assert error.title
    assert error.detail
    assert isinstance(error.meta, dict)
    assert isinstance(error, ClientError)
    assert isinstance(error, DcaasError)


def test_invalid_property_names_the_field(alice: Client) -> None:
    """A property the data source does not know is a 400 naming the field in meta."""
    props = {"url": "https://e.com", "nope": 1}
    body = PropertiesConnectionCreate(qName="bad", datasourceID="rest", connectionProperties=props)
    with pytest.raises(BadRequestError) as info:
        alice.connections.create(body)
    assert "nope" in str(info.value.meta.get("field", ""))


def test_missing_token_is_authentication_error(live: Live, monkeypatch: pytest.MonkeyPatch) -> None:
    """No token at all answers 401 DCAAS-5001."""
    monkeypatch.delenv("DCAAS_TOKEN", raising=False)
    with Client(live.url) as anonymous, pytest.raises(AuthenticationError) as info:
        anonymous.spaces.list()
    assert info.value.code == "DCAAS-5001"


def test_non_admin_settings_change_is_forbidden(alice: Client) -> None:
    """Only a tenant admin may disable a data source: 403."""
    with pytest.raises(ForbiddenError) as info:
        alice.data_sources.set_disabled("rest", disabled=True)
    assert info.value.status == 403


def test_unknown_connection_is_not_found(alice: Client) -> None:
    """An unknown connection id raises NotFoundError DCAAS-3001."""
    with pytest.raises(NotFoundError) as info:
        alice.connections.get("00000000-0000-4000-8000-000000000000")
    assert info.value.code == "DCAAS-3001"


def test_name_taken_is_conflict(alice: Client) -> None:
    """A second connection with the same name in the same space is a 409."""
    body = PropertiesConnectionCreate(
        qName="twice", datasourceID="rest", connectionProperties={"url": "https://e.com"}
    )
    alice.connections.create(body)
    with pytest.raises(ConflictError) as info:
        alice.connections.create(body)
    assert info.value.code == "DCAAS-3002"


def test_oversized_body_is_payload_too_large(alice: Client) -> None:
    """A body over the server's limit (64 KiB in this suite) is a 413."""
    props = {"url": "https://e.com/" + "a" * 70_000}
    body = PropertiesConnectionCreate(qName="big", datasourceID="rest", connectionProperties=props)
    with pytest.raises(PayloadTooLargeError) as info:
        alice.connections.create(body)
    assert info.value.code == "DCAAS-1003"


def test_unreachable_server() -> None:
    """A closed port raises UnreachableError (status 0), not an httpx exception."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    with Client(f"http://127.0.0.1:{port}", "t") as client, pytest.raises(UnreachableError) as info:
        client.spaces.list()
    assert info.value.status == 0


SCRIPTED = [
    (412, PreconditionFailedError),
    (500, ServerError),
    (503, ServiceUnavailableError),
    (502, ServerError),
]


@pytest.mark.parametrize(("status", "family"), SCRIPTED)
def test_families_dcaas_does_not_answer_yet(status: int, family: type[DcaasError]) -> None:
    """412 and 5xx (dcaas answers them only in failures) from the scripted loopback app."""
    script = Script(answers=[(status, {})])
    with (
        serve(make_app(script)) as url,
        Client(url, "t", retry=NO_RETRY) as client,
        pytest.raises(family) as info,
    ):
        client.connections.delete("x", if_match='"stale"')
    assert info.value.status == status
    expected = "HTTP-502" if status == 502 else f"TEST-{status}"
    assert info.value.code == expected


def test_no_token_says_how_to_give_one(live: Live, monkeypatch: pytest.MonkeyPatch) -> None:
    """Client() with no token and no DCAAS_TOKEN: the 401 names DCAAS_TOKEN and the argument."""
    monkeypatch.delenv("DCAAS_TOKEN", raising=False)
    with Client(live.url) as anonymous, pytest.raises(AuthenticationError) as info:
        anonymous.spaces.list()
    assert "no token was sent" in info.value.detail
    assert "DCAAS_TOKEN" in info.value.detail
    assert "Client(url, token)" in info.value.detail


def test_refused_token_is_not_told_it_sent_none(live: Live) -> None:
    """A token that was sent and refused gets the server's words only."""
    with Client(live.url, "dcaas_x_y") as wrong, pytest.raises(AuthenticationError) as info:
        wrong.spaces.list()
    assert "no token was sent" not in info.value.detail
