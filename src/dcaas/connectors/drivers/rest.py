"""The REST connector's runtime: test, browse (the endpoint itself) and preview (first bytes).

Steps: resolve-host, connect, tls (https only), authenticate (HTTP 401), authorize (403),
reach-endpoint (any other non-2xx status), pagination (when a pagination type is set: the
configured path must be present in the first page). Previews read JSON, NDJSON, CSV and TSV
answers as rows (:mod:`dcaas.connectors.drivers.formats`).
"""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import urlsplit

import httpx

from dcaas.connectors.base import (
    ConnectorContext,
    Entry,
    EntryPage,
    FailureClass,
    Preview,
    SourceFailure,
    Step,
    Steps,
)
from dcaas.connectors.drivers import formats
from dcaas.connectors.drivers.http import outbound_client
from dcaas.connectors.drivers.net import close, connect_any, pem_text, tls_context, tls_handshake
from dcaas.connectors.drivers.plan import Action, run_plan
from dcaas.connectors.rest import RestProperties
from dcaas.errors import Code

_PAGINATION_PATHS = {
    "NextUrl": ("NextUrlPath",),
    "NextToken": ("NextTokenPath",),
    "Offset": ("OffsetDataPath", "OffsetTotalPath"),
}
_UTF8_TAIL = 3  # a cut can split one UTF-8 character of up to 4 bytes


class RestConnector:
    """One REST endpoint, reached through the outbound policy."""

    def __init__(self, properties: dict[str, Any], context: ConnectorContext) -> None:
        self.props = RestProperties.model_validate(properties)
        self.context = context
        parts = urlsplit(self.props.url)
        self.scheme = parts.scheme
        self.host = parts.hostname or ""
        self.port = parts.port or (443 if self.scheme == "https" else 80)
        self._addresses: list[str] = []
        self._response: httpx.Response | None = None
        self._body = b""
        self._http: httpx.AsyncClient | None = None

    # -- the contract -------------------------------------------------------------------
    async def test(self, steps: Steps) -> None:
        plan: list[tuple[str, Action]] = [(Step.RESOLVE, self._resolve)]
        plan.append((Step.CONNECT, self._connect))
        if self.scheme == "https":
            plan.append((Step.TLS, self._tls))
        plan += [
            (Step.AUTHENTICATE, self._authenticate),
            (Step.AUTHORIZE, lambda: self._refuse_status(403)),
            (Step.REACH_ENDPOINT, self._reach),
        ]
        if self.props.PaginationType != "None":
            plan.append((Step.PAGINATION, self._pagination))
        await run_plan(steps, plan)

    async def browse(self, path: str, limit: int, token: str | None) -> EntryPage:  # noqa: ARG002
        """The endpoint itself, as one entry, with what its answer says about it."""
        _only_root(path)
        response, body, truncated = await self._fetch(self.context.max_preview_bytes)
        response.raise_for_status()
        name = urlsplit(self.props.url).path.rstrip("/").rsplit("/", 1)[-1] or self.host
        size = None if truncated else len(body)
        entry = Entry(
            name=name,
            path="",
            type="endpoint",
            size=size,
            etag=response.headers.get("etag"),
            extra={
                "contentType": response.headers.get("content-type"),
                "method": self.props.method,
            },
        )
        return EntryPage([entry][:limit])

    async def preview(self, path: str, max_bytes: int, max_rows: int) -> Preview:
        """A JSON, NDJSON, CSV or TSV answer as rows; anything else as its first bytes.

        ``path`` is a path into a JSON answer (``data``, ``data.items``, ``$.a.b``); without
        one, the answer's array, or the first array of objects inside it, gives the rows.
        """
        select = path.strip().strip("/") or None
        response, body, truncated = await self._fetch(max_bytes)
        response.raise_for_status()
        content_type = response.headers.get("content-type")
        return answer_preview(
            select, body, truncated=truncated, content_type=content_type, max_rows=max_rows
        )

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()

    # -- steps ----------------------------------------------------------------------------
    async def _resolve(self) -> None:
        self._addresses = await self.context.outbound.resolve(self.host, self.port)

    async def _connect(self) -> None:
        _, writer = await connect_any(self._addresses, self.port, self.context.connect_timeout)
        await close(writer)

    async def _tls(self) -> None:
        _, writer = await connect_any(self._addresses, self.port, self.context.connect_timeout)
        try:
            context, seconds = self._ssl_context(), self.context.connect_timeout
            await tls_handshake(writer, context, self.host, seconds)
        finally:
            await close(writer)

    async def _authenticate(self) -> None:
        self._response, self._body, _ = await self._fetch(self.context.max_preview_bytes)
        await self._refuse_status(401)

    async def _refuse_status(self, status: int) -> None:
        response = self._response
        if response is not None and response.status_code == status:
            response.raise_for_status()

    async def _reach(self) -> None:
        if self._response is not None:
            self._response.raise_for_status()

    async def _pagination(self) -> None:
        doc = _json_or_fail(self._body)
        for field in _PAGINATION_PATHS.get(self.props.PaginationType, ()):
            path = getattr(self.props, field)
            if path and not has_path(doc, path):
                detail = f"the first page has nothing at {field} {path!r}; check the path"
                raise SourceFailure(
                    Code.SOURCE_PROTOCOL_ERROR, FailureClass.CONFIGURATION, detail, http_status=400
                )
            if not path and field != "OffsetTotalPath":
                raise SourceFailure(
                    Code.SOURCE_PROTOCOL_ERROR,
                    FailureClass.CONFIGURATION,
                    f"pagination type {self.props.PaginationType} needs {field}",
                    http_status=400,
                )

    # -- HTTP -----------------------------------------------------------------------------
    def _ssl_context(self) -> Any:
        mode = self.props.serverCertificateValidation
        roots = [pem_text(f.value) for f in self.props.rootCertificates or []]
        verify = {"Default": "default", "None": "none", "Custom": "custom"}[mode]
        return tls_context(self.host, verify=verify, roots=roots)  # type: ignore[arg-type]

    def _client(self) -> httpx.AsyncClient:
        if self.props.enableMutualSSL:
            raise SourceFailure(
                Code.SOURCE_UNSUPPORTED,
                FailureClass.CONFIGURATION,
                "mutual TLS (client certificates) is not supported yet",
                http_status=400,
            )
        if self._http is None:
            p = self.props
            # Ask for an uncompressed answer: previews cap what is read, not what it inflates to.
            headers = {"Accept-Encoding": "identity"}
            headers.update({h.name: h.value for h in p.queryHeaders})
            auth: httpx.Auth | None = None
            if p.authSchema == "basic":
                auth = httpx.BasicAuth(p.username or "", p.password or "")
            elif p.authSchema == "bearer":
                headers["Authorization"] = f"Bearer {p.bearerToken or ''}"
            self._http = outbound_client(
                self.context.outbound,
                connect_timeout=self.context.connect_timeout,
                total_timeout=min(float(p.timeout), self.context.total_timeout),
                ssl_context=self._ssl_context(),
                headers=headers,
                auth=auth,
                event_hooks={"request": [_secrets_stay_home(p)]},
            )
        return self._http

    async def _fetch(self, max_bytes: int) -> tuple[httpx.Response, bytes, bool]:
        """Send the request; read at most ``max_bytes`` of the answer (and whether it was cut)."""
        p = self.props
        # httpx replaces the URL's own query when params are given: keep both.
        params: list[tuple[str, str | int | float | bool | None]] = [
            *httpx.URL(p.url).params.multi_items(),
            *((q.name, q.value) for q in p.queryParameters),
        ]
        content = p.requestBody.encode() if p.method == "POST" and p.requestBody else None
        async with self._client().stream(p.method, p.url, params=params, content=content) as r:
            body = bytearray()
            truncated = False
            async for chunk in r.aiter_bytes():
                body += chunk
                if len(body) > max_bytes:
                    truncated = True
                    del body[max_bytes:]
                    break
        return r, bytes(body), truncated


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return url.scheme, url.host, url.port


def _secrets_stay_home(props: RestProperties) -> Any:
    """A hook run before every hop: encrypted headers go to the connection's origin only.

    httpx drops ``Authorization`` on a redirect to another origin, but keeps custom headers;
    an ``X-Api-Key`` sent with ``encrypt: true`` must not follow a redirect elsewhere.
    """
    home = _origin(httpx.URL(props.url))
    hidden = [h.name for h in props.queryHeaders if h.encrypt]

    async def hook(request: httpx.Request) -> None:
        if _origin(request.url) != home:
            for name in hidden:
                request.headers.pop(name, None)

    return hook


def _only_root(path: str) -> None:
    if path.strip("/"):
        raise SourceFailure(
            Code.SOURCE_NOT_FOUND,
            FailureClass.CONFIGURATION,
            "a REST connection has one endpoint; use the path ''",
            http_status=404,
        )


def _json_or_fail(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        raise SourceFailure(
            Code.SOURCE_PROTOCOL_ERROR,
            FailureClass.CONFIGURATION,
            "the first page is not JSON, so its pagination path cannot be checked",
            http_status=400,
        ) from None


def has_path(doc: Any, path: str) -> bool:
    """Whether ``root/a/b``, ``$.a.b``, ``a.b`` or ``a/0/b`` names something in ``doc``."""
    text = path.strip().removeprefix("$").lstrip(".")
    parts = [p for p in text.replace("/", ".").split(".") if p]
    if parts and parts[0] == "root":
        parts = parts[1:]
    node = doc
    for part in parts:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return False
    return True


def answer_preview(
    select: str | None, body: bytes, *, truncated: bool, content_type: str | None, max_rows: int
) -> Preview:
    """An HTTP answer's first bytes as rows (JSON, NDJSON, CSV, TSV), else as bytes."""
    kind = answer_kind(content_type, body)
    if kind is not None:
        try:
            table = formats.text_table(
                kind, body, complete=not truncated, max_rows=max_rows, select=select
            )
        except formats.NotThisFormat:
            pass  # a JSON content type on something else: its bytes, below
        else:
            return Preview(
                select or "",
                "rows",
                columns=table.columns,
                types=table.types,
                rows=table.rows,
                bytes_read=len(body),
                truncated=table.truncated,
                content_type=content_type,
            )
    if select:
        raise SourceFailure(
            Code.SOURCE_NOT_FOUND,
            FailureClass.CONFIGURATION,
            f"the answer is not JSON, so it has nothing at {select!r}; use the path ''",
            http_status=404,
        )
    return bytes_preview("", body, truncated=truncated, content_type=content_type)


def answer_kind(content_type: str | None, body: bytes) -> str | None:
    """csv, tsv, json or ndjson by the content type; else json when the body looks like it."""
    found = formats.detect("", content_type)
    if found is not None and found.kind in formats.TEXT_KINDS:
        return found.kind
    if body.lstrip()[:1] in {b"{", b"["}:
        return "json"
    return None


def bytes_preview(path: str, body: bytes, *, truncated: bool, content_type: str | None) -> Preview:
    """The first bytes as text when they are UTF-8 (a cut character dropped), else base64."""
    for cut in range(_UTF8_TAIL + 1 if truncated else 1):
        try:
            text = body[: len(body) - cut].decode("utf-8")
        except UnicodeDecodeError:
            continue
        return Preview(
            path,
            "bytes",
            content=text,
            encoding="utf-8",
            bytes_read=len(body),
            truncated=truncated,
            content_type=content_type,
        )
    encoded = base64.b64encode(body).decode()
    return Preview(
        path,
        "bytes",
        content=encoded,
        encoding="base64",
        bytes_read=len(body),
        truncated=truncated,
        content_type=content_type,
    )
