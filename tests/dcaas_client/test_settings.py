"""Where the SDK sends requests: arguments over the environment, page links kept on our host."""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx

from dcaas_client import Client
from dcaas_client._settings import resolve, same_origin

if TYPE_CHECKING:
    import pytest


def test_environment_fills_what_arguments_leave_out(monkeypatch: pytest.MonkeyPatch) -> None:
    """DCAAS_URL / DCAAS_TOKEN are used only when no argument is given."""
    monkeypatch.setenv("DCAAS_URL", "http://env.example:1/")
    monkeypatch.setenv("DCAAS_TOKEN", "env-token")
    assert resolve(None, None).base_url == "http://env.example:1"
    assert resolve(None, None).token == "env-token"
    assert resolve("http://arg.example", "arg-token").token == "arg-token"


def test_repr_never_shows_the_token() -> None:
    """A client's repr names the server, not the key."""
    with Client("http://127.0.0.1:9", "dcaas_secret_token") as client:
        assert "dcaas_secret_token" not in repr(client)


def test_next_link_on_another_host_is_rebased() -> None:
    """A links.next to another origin is followed on ours, so the token stays with us."""
    base = httpx.URL("http://127.0.0.1:8080/")
    assert same_origin(base, "http://127.0.0.1:8080/api/v1/x?page=a") == (
        "http://127.0.0.1:8080/api/v1/x?page=a"
    )
    assert same_origin(base, "https://evil.example/api/v1/x?page=b") == (
        "http://127.0.0.1:8080/api/v1/x?page=b"
    )
