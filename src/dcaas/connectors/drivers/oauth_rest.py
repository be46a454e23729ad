"""The runtime of the OAuth REST data sources: the API called with a fresh bearer token.

The token comes from ``context.extra[ACCESS_TOKEN]``, an ``async () -> str`` that refreshes
before expiry (see :func:`dcaas.oauth.tokens.oauth_prepare`). Redirects are not followed:
the bearer token must not travel to a host the connection does not name.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import httpx

from dcaas.connectors.base import (
    ConnectorContext,
    Entry,
    EntryPage,
    FailureClass,
    Preview,
    SourceFailure,
    Step,
    StepFailed,
    Steps,
)
from dcaas.connectors.drivers.http import outbound_client
from dcaas.connectors.drivers.rest import answer_preview
from dcaas.connectors.oauth import ACCESS_TOKEN
from dcaas.errors import Code

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

TokenSource = Callable[[], Awaitable[str]]
_F = FailureClass
# HTTP status of the API -> (code, failure class, detail, HTTP status of a browse/preview).
_STATUS: dict[int, tuple[Code, FailureClass, str, int]] = {
    401: (
        Code.SOURCE_AUTH_FAILED,
        _F.REAUTHENTICATE,
        "the API refused the access token (HTTP 401); re-authenticate the connection",
        400,
    ),
    403: (
        Code.SOURCE_ACCESS_DENIED,
        _F.CREDENTIALS,
        "the API denied access (HTTP 403); check the scopes the connection asks for",
        403,
    ),
    404: (Code.SOURCE_NOT_FOUND, _F.CONFIGURATION, "the API answered 404; check the url", 404),
    429: (Code.SOURCE_RATE_LIMITED, _F.TRANSIENT, "the API is rate limiting (HTTP 429)", 503),
}


class OAuthRestConnector:
    """GETs the connection's ``url`` with ``Authorization: Bearer <access token>``."""

    def __init__(self, properties: dict[str, Any], context: ConnectorContext) -> None:
        self.url = str(properties.get("url") or "")
        self.context = context
        token = context.extra.get(ACCESS_TOKEN)
        self._token: TokenSource | None = token if callable(token) else None

    async def test(self, steps: Steps) -> None:
        try:
            async with steps.step(Step.AUTHENTICATE):
                token = await self._access_token()
            async with steps.step(Step.REACH_ENDPOINT), self._get(token) as response:
                await response.aread()
        except StepFailed:
            done = {r.name for r in steps.results}
            steps.skip(*(s for s in (Step.AUTHENTICATE, Step.REACH_ENDPOINT) if s not in done))
            raise

    async def browse(self, path: str, limit: int, token: str | None) -> EntryPage:  # noqa: ARG002 - one endpoint
        return EntryPage([Entry(name=httpx.URL(self.url).path or "/", path="/", type="endpoint")])

    async def preview(self, path: str, max_bytes: int, max_rows: int) -> Preview:
        """A JSON, NDJSON, CSV or TSV answer as rows (``path`` is a path into a JSON answer);
        anything else as its first bytes."""
        token = await self._access_token()
        body = bytearray()
        async with self._get(token) as response:
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > max_bytes:
                    break
            content_type = response.headers.get("content-type")
        truncated = len(body) > max_bytes
        return answer_preview(
            path.strip().strip("/") or None,
            bytes(body[:max_bytes]),
            truncated=truncated,
            content_type=content_type,
            max_rows=max_rows,
        )

    async def aclose(self) -> None:
        return None

    async def _access_token(self) -> str:
        if self._token is None:
            raise SourceFailure(
                Code.SOURCE_REAUTH_REQUIRED,
                _F.REAUTHENTICATE,
                "this connection has no authorization yet; authorize it first",
                http_status=400,
            )
        return await self._token()

    @asynccontextmanager
    async def _get(self, token: str) -> AsyncIterator[httpx.Response]:
        url = httpx.URL(self.url)
        headers = {"Authorization": f"Bearer {token}", "Accept": "*/*"}
        # The policy-checked client connects only to the addresses it checked (no rebinding).
        ctx = self.context
        async with (
            outbound_client(
                ctx.outbound,
                connect_timeout=ctx.connect_timeout,
                total_timeout=ctx.total_timeout,
                follow_redirects=False,
            ) as client,
            client.stream("GET", url, headers=headers) as response,
        ):
            check_status(response)
            yield response


def check_status(response: httpx.Response) -> None:
    """Raise the classified failure of an API's non-2xx answer (401: re-authenticate)."""
    status = response.status_code
    if status < 300:  # noqa: PLR2004
        return
    if status in _STATUS:
        code, failure_class, detail, http_status = _STATUS[status]
        raise SourceFailure(code, failure_class, detail, http_status=http_status)
    if status >= 500:  # noqa: PLR2004
        raise SourceFailure(
            Code.SOURCE_SERVER_ERROR, _F.TRANSIENT, f"the API failed (HTTP {status}); retry later"
        )
    raise SourceFailure(
        Code.SOURCE_PROTOCOL_ERROR,
        _F.CONFIGURATION,
        f"the API answered HTTP {status} (redirects are not followed); check the url",
        http_status=400,
    )
