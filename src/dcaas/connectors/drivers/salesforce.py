"""Salesforce's REST API with the connection's OAuth access token (refreshed before expiry).

Steps: ``authenticate`` (a fresh access token: a refused refresh means re-authenticate),
``identity`` (the login host's OpenID userinfo names the user, the org and the org's REST
URL), ``reach-endpoint`` (``/services/data`` lists the API versions; the configured one must
be there). Browse lists the sObjects, then an sObject's fields (from its describe); preview
runs ``SELECT <fields> FROM <sObject> LIMIT n`` (every field but base64 ones, as many as fit
6,000 characters of names). The token goes only to the login host and to
the instance the login host names, which must be the login host itself or, for Salesforce's
own login hosts, a Salesforce host. Redirects are not followed.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from dcaas.connectors.base import (
    ConnectorContext,
    Entry,
    EntryPage,
    FailureClass,
    Preview,
    SourceFailure,
    Steps,
)
from dcaas.connectors.drivers import files, formats
from dcaas.connectors.drivers.http import outbound_client
from dcaas.connectors.drivers.oauth_rest import check_status
from dcaas.connectors.oauth import ACCESS_TOKEN
from dcaas.connectors.salesforce import LOGIN, SALESFORCE_HOSTS
from dcaas.errors import Code

if TYPE_CHECKING:
    import httpx

    from dcaas.connectors.drivers.oauth_rest import TokenSource

IDENTITY = "identity"
_TYPES = {
    "int": "integer",
    "long": "integer",
    "double": "number",
    "currency": "number",
    "percent": "number",
    "boolean": "boolean",
    "date": "date",
    "datetime": "datetime",
    "time": "time",
    "address": "object",
    "location": "object",
}
_NOT_SELECTABLE = frozenset({"base64"})  # not allowed in a multi-row query
_QUERY_BUDGET = 6000  # characters of field names in one SELECT


def _failure(detail: str, *, status: int = 400, code: Code = Code.SOURCE_PROTOCOL_ERROR) -> Any:
    return SourceFailure(code, FailureClass.CONFIGURATION, detail, http_status=status)


class SalesforceConnector:
    """One Salesforce org, reached with the connection's token through the outbound policy."""

    def __init__(self, properties: dict[str, Any], context: ConnectorContext) -> None:
        self.login = str(properties.get("loginUrl") or LOGIN).rstrip("/")
        self.version = str(properties.get("apiVersion") or "").removeprefix("v") or None
        self.context = context
        token = context.extra.get(ACCESS_TOKEN)
        self._tokens: TokenSource | None = token if callable(token) else None
        self._token: str | None = None
        self._instance: str | None = None
        self._identity: dict[str, Any] = {}
        self._http: httpx.AsyncClient | None = None

    # -- test ------------------------------------------------------------------------------
    async def test(self, steps: Steps) -> None:
        await files.run_steps(
            steps,
            [
                ("authenticate", self._authenticate),
                (IDENTITY, self._who),
                ("reach-endpoint", self._versions),
            ],
        )
        ident = next((r for r in steps.results if r.name == IDENTITY), None)
        if ident and ident.status == "passed":
            who = self._identity
            ident.detail = (
                f"signed in as {who.get('preferred_username') or who.get('user_id')} "
                f"of org {who.get('organization_id')}"
            )

    async def _authenticate(self) -> None:
        if self._tokens is None:
            raise SourceFailure(
                Code.SOURCE_REAUTH_REQUIRED,
                FailureClass.REAUTHENTICATE,
                "this connection has no authorization yet; authorize it first",
                http_status=400,
            )
        self._token = await self._tokens()

    async def _who(self) -> None:
        """The OpenID userinfo of the login host: the user, the org and the org's REST URL."""
        info = await self._get_json(f"{self.login}/services/oauth2/userinfo")
        rest = str((info.get("urls") or {}).get("rest") or "")
        parts = urlsplit(rest)
        if not parts.scheme or not parts.hostname:
            raise _failure("the login host's userinfo names no REST URL; check loginUrl")
        host = parts.hostname.lower()
        login_host = (urlsplit(self.login).hostname or "").lower()
        if host != login_host and not (_salesforce_host(login_host) and _salesforce_host(host)):
            raise _failure(
                f"the login host names the instance {host}, which is neither itself nor a "
                "Salesforce host; the token is not sent there"
            )
        self._instance = f"{parts.scheme}://{parts.netloc}"
        self._identity = info

    async def _versions(self) -> None:
        versions = await self._get_json(f"{await self._base()}/services/data")
        offered = [str(v.get("version")) for v in versions if isinstance(v, dict)]
        if not offered:
            raise _failure("the org lists no REST API versions")
        if self.version is None:
            self.version = max(offered, key=float)
        elif self.version not in offered:
            raise _failure(
                f"the org does not offer API version {self.version}; it offers "
                + ", ".join(offered[-5:])
            )

    # -- browse ----------------------------------------------------------------------------
    async def browse(self, path: str, limit: int, token: str | None) -> EntryPage:
        """The sObjects (tables); under one, its fields (columns)."""
        name = path.strip("/")
        if name:
            fields = (await self._describe(name))["fields"]
            entries = [
                Entry(
                    name=f["name"],
                    path=f"{name}/{f['name']}",
                    type="column",
                    extra={
                        "dataType": f.get("type"),
                        "nullable": bool(f.get("nillable")),
                        "label": f.get("label"),
                    },
                )
                for f in fields
            ]
        else:
            listing = await self._get_json(f"{await self._api()}/sobjects")
            entries = [
                Entry(
                    name=o["name"],
                    path=o["name"],
                    type="table",
                    extra={"label": o.get("label"), "custom": bool(o.get("custom"))},
                )
                for o in listing.get("sobjects", [])
                if o.get("queryable", True)
            ]
        start = _offset(token)
        page = entries[start : start + max(1, limit)]
        more = start + len(page) < len(entries)
        return EntryPage(page, str(start + len(page)) if more else None)

    # -- preview ---------------------------------------------------------------------------
    async def preview(self, path: str, max_bytes: int, max_rows: int) -> Preview:
        """``SELECT <every selectable field> FROM <sObject> LIMIT n``, as rows with types."""
        name = path.strip("/")
        if not name or "/" in name:
            raise _failure(
                "preview an sObject by its name (for example Account)",
                status=404,
                code=Code.SOURCE_NOT_FOUND,
            )
        fields = _selectable((await self._describe(name))["fields"])
        columns = [str(f["name"]) for f in fields]
        # The names come from the org's own describe; the sObject name was checked there.
        soql = f"SELECT {', '.join(columns)} FROM {name} LIMIT {max_rows + 1}"  # noqa: S608
        body, cut = await self._get_capped(f"{await self._api()}/query", {"q": soql}, max_bytes)
        try:
            doc, whole = formats.partial_json(body, complete=not cut)
        except formats.NotThisFormat:
            raise _failure("the query's answer is not JSON") from None
        records = [r for r in (doc or {}).get("records", []) if isinstance(r, dict)]
        rows = [[formats.jsonable(r.get(c)) for c in columns] for r in records[:max_rows]]
        more = len(records) > max_rows or not whole or not (doc or {}).get("done", True)
        return Preview(
            path=name,
            kind="rows",
            columns=columns,
            types=[_TYPES.get(str(f.get("type")), "string") for f in fields],
            rows=rows,
            bytes_read=len(body),
            truncated=more,
            content_type="application/json",
        )

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    # -- HTTP ------------------------------------------------------------------------------
    async def _describe(self, name: str) -> dict[str, Any]:
        if not name.replace("_", "").isalnum():
            raise _failure(
                f"{name!r} is not an sObject name", status=404, code=Code.SOURCE_NOT_FOUND
            )
        described: dict[str, Any] = await self._get_json(
            f"{await self._api()}/sobjects/{name}/describe"
        )
        return described

    async def _base(self) -> str:
        if self._instance is None:
            await self._who()
        assert self._instance is not None  # noqa: S101 - set by _who
        return self._instance

    async def _api(self) -> str:
        base = await self._base()
        if self.version is None:
            await self._versions()
        return f"{base}/services/data/v{self.version}"

    def _client(self) -> httpx.AsyncClient:
        if self._http is None:
            ctx = self.context
            self._http = outbound_client(
                ctx.outbound,
                connect_timeout=ctx.connect_timeout,
                total_timeout=ctx.total_timeout,
                follow_redirects=False,
            )
        return self._http

    async def _headers(self) -> dict[str, str]:
        if self._token is None:
            await self._authenticate()
        return {"Authorization": f"Bearer {self._token}", "Accept": "application/json"}

    async def _get_json(self, url: str) -> Any:
        body, cut = await self._get_capped(url, None, self.context.max_preview_bytes * 8)
        if cut:
            raise _failure("the answer is larger than dcaas reads", status=503)
        try:
            return json.loads(body)
        except ValueError:
            raise _failure("the answer is not JSON; check loginUrl") from None

    async def _get_capped(
        self, url: str, params: dict[str, str] | None, max_bytes: int
    ) -> tuple[bytes, bool]:
        body = bytearray()
        headers = await self._headers()
        async with self._client().stream("GET", url, params=params, headers=headers) as response:
            check_status(response)
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > max_bytes:
                    return bytes(body[:max_bytes]), True
        return bytes(body), False


def _selectable(fields: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The fields a preview selects: not base64, and the first ones whose names fit a query
    URL (an sObject can have hundreds of fields; GET URLs have a limit)."""
    chosen: list[dict[str, Any]] = []
    length = 0
    for field in fields:
        if field.get("type") in _NOT_SELECTABLE:
            continue
        length += len(str(field["name"])) + 2
        if length > _QUERY_BUDGET:
            break
        chosen.append(field)
    return chosen


def _salesforce_host(host: str) -> bool:
    return any(host.endswith(t) if t.startswith(".") else host == t for t in SALESFORCE_HOSTS)


def _offset(token: str | None) -> int:
    if not token:
        return 0
    if not token.isdigit():
        raise _failure("the page token is not one this connection gave")
    return int(token)
