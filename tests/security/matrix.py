"""The role matrix's machinery: how each route is called, by whom, on which object.

:mod:`tests.security.test_roles` holds the table (who gets what); this module makes the
objects each route takes (connections, credentials, spaces, assignments, keys; the caller's
own, the team's, a foreign one), builds each call's request (``Route.call``), and gives
every role its credentials (API keys, a JWT, a console session, none).
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import jwt
from fastapi.routing import iter_route_contexts
from starlette.routing import Mount
from tests.conftest import TEST_SECRET, Api

from dcaas.bootstrap import create_key
from dcaas.console.service import COOKIE, CSRF_HEADER

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    import httpx

Expect = dict[str, int]  # relation (object routes) or role -> status


@dataclass(frozen=True)
class Route:
    """How to call a route, which objects it takes (none: ``kinds=()``), and the outcome."""

    expect: Expect
    kinds: tuple[str, ...] = ()
    object: str = "connection"  # connection, credential, space, assignment, key
    fresh: bool = False  # the call changes the object: make one per call
    call: str = "plain"  # how the request is built (see Matrix.body)
    url: str | None = None  # a concrete URL, for a path that cannot be formatted


P, C = "/api/v1/data-connections", "/api/v1/data-credentials"
S, K, L = "/api/v1/spaces", "/api/v1/api-keys", "/api/v1/dcaas/actions/data-connections"
D, W, G = "/api/v1/data-sources", "/api/v1/console", "/api/v1/gateways"

# A REST endpoint the default outbound policy refuses at once: browse and preview fail fast
# with 400 DCAAS-6002, a test with a failed step; nothing leaves the machine.
REFUSED_URL = "http://127.0.0.1:9/items"


def app_routes(app: Any) -> set[tuple[str, str]]:
    """(method, path) of every route the app serves (HEAD rides along with GET); a mounted
    app (static files) is one ``GET <mount>/{path:path}``."""
    out = set()
    for route in iter_route_contexts(app.routes):
        if isinstance(route.route, Mount):
            out.add(("GET", f"{route.path}/{{path:path}}"))
        for method in route.methods or ():
            if method != "HEAD":
                out.add((method, route.path))
    return out


def cases(entry: Route | tuple[Route, ...]) -> tuple[Route, ...]:
    return entry if isinstance(entry, tuple) else (entry,)


def _unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@dataclass
class Matrix:
    """The running app, a header per role, and helpers making objects of each kind."""

    api: Api
    headers: dict[str, dict[str, str]]
    keys: dict[str, str]  # what each role signs in to the console with
    team: str = ""
    shared: dict[tuple[str, str, str], dict[str, str]] = field(default_factory=dict)

    @property
    def client(self) -> httpx.AsyncClient:
        return self.api.client

    def owner_of(self, kind: str, role: str) -> str:
        """Who makes an object of this kind for this role (nobody's are dave's)."""
        own = "dave" if role == "anonymous" else role
        return {"own": own, "team": "producer", "foreign": "dave"}[kind]

    async def ok(self, method: str, url: str, who: str, **kwargs: Any) -> dict[str, Any]:
        res = await self.client.request(method, url, headers=self.headers[who], **kwargs)
        assert res.status_code < 300, (method, url, who, res.text)
        return res.json() if res.content else {}

    # -- objects ------------------------------------------------------------------------------
    async def connection(self, kind: str, role: str) -> dict[str, str]:
        who = self.owner_of(kind, role)
        body: dict[str, Any] = {
            "qName": _unique("c"),
            "datasourceID": "rest",
            "connectionProperties": {"url": REFUSED_URL},
        }
        if kind == "team":
            body["space"] = self.team
        made = await self.ok("POST", P, who, json=body)
        return {"qID": made["qID"], "connectionId": made["qID"], "owner": who}

    async def credential(self, kind: str, role: str) -> dict[str, str]:
        """An orphan credential (its connection deleted), owned by the kind's owner."""
        who = self.owner_of(kind, role)
        name = _unique("cred")
        props = {"url": REFUSED_URL, "authSchema": "basic", "username": "u", "password": "p-Zq1"}
        body = {"qName": name, "datasourceID": "rest", "connectionProperties": props}
        made = await self.ok(
            "POST",
            P,
            who,
            json={**body, "connectionProperties": {**props, "credentialsName": name}},
        )
        await self.ok("DELETE", f"{P}/{made['qID']}", who)
        got = await self.ok("GET", f"{C}/{name}", who, params={"byCredentialName": "true"})
        return {"qID": got["qID"], "owner": who}

    async def space(self, kind: str, role: str) -> dict[str, str]:
        if kind == "team":
            return {"spaceId": await self.team_space()}
        made = await self.ok("POST", S, self.owner_of(kind, role), json={"name": _unique("s")})
        return {"spaceId": made["id"]}

    async def assignment(self, kind: str, role: str) -> dict[str, str]:
        space = (await self.space(kind, role))["spaceId"]
        who = "admin" if kind == "team" else self.owner_of(kind, role)
        member = {"assigneeId": await self.assignee(who), "roles": ["consumer"]}
        made = await self.ok("POST", f"{S}/{space}/assignments", who, json=member)
        return {"spaceId": space, "assignmentId": made["id"]}

    async def key(self, kind: str, role: str) -> dict[str, str]:
        made = await self.ok("POST", K, self.owner_of(kind, role), json={})
        return {"keyId": made["id"]}

    async def team_space(self) -> str:
        """A shared space of the admin's with the producer and the consumer as members."""
        made = await self.ok("POST", S, "admin", json={"name": _unique("team")})
        for who, role in (("producer", "producer"), ("consumer", "consumer")):
            member = {"assigneeId": await self.user_id(who), "roles": [role]}
            await self.ok("POST", f"{S}/{made['id']}/assignments", "admin", json=member)
        return str(made["id"])

    async def assignee(self, role: str) -> str:
        """A user of the role's tenant to assign, none of the callers of that tenant: dave,
        or in the other tenant its user herself."""
        return await self.user_id("other_tenant" if role == "other_tenant" else "dave")

    async def user_id(self, who: str) -> str:
        return (await self.personal_space(who))["ownerId"]

    async def personal_space(self, who: str) -> dict[str, str]:
        """The caller's personal space (the only one a caller sees, admins included)."""
        spaces = await self.ok("GET", S, "dave" if who == "anonymous" else who)
        return next(s for s in spaces["data"] if s["type"] == "personal")

    async def new_session(self, role: str, *, csrf: bool) -> dict[str, str]:
        """Headers of a new console session of the role's key (none when it cannot sign in):
        its cookie, and with ``csrf`` its CSRF token."""
        res = await self.client.post(f"{W}/session", json={"apiKey": self.keys[role]})
        self.client.cookies.clear()  # the test client is no browser: each call says its own
        if res.status_code != 201:
            return {}
        cookie = {"Cookie": f"{COOKIE}={res.cookies[COOKIE]}"}
        return {**cookie, CSRF_HEADER: res.json()["csrfToken"]} if csrf else cookie

    async def object(self, route: Route, kind: str, role: str) -> dict[str, str]:
        make: Callable[[str, str], Awaitable[dict[str, str]]] = getattr(self, route.object)
        if route.fresh:
            return await make(kind, role)
        key = (route.object, kind, self.owner_of(kind, role) if kind != "team" else "team")
        if key not in self.shared:
            self.shared[key] = await make(kind, role)
        return self.shared[key]

    # -- calls ---------------------------------------------------------------------------------
    async def body(self, route: Route, obj: dict[str, str], role: str) -> dict[str, Any]:
        """The request's keyword arguments for ``route.call``."""
        calls: dict[str, Callable[[], Awaitable[dict[str, Any]]]] = {
            "plain": _nothing,
            "create": lambda: _json(
                {
                    "qName": _unique("n"),
                    "datasourceID": "rest",
                    "connectionProperties": {"url": REFUSED_URL},
                }
            ),
            "rename": lambda: _json([{"op": "replace", "path": "/qName", "value": _unique("r")}]),
            "put": lambda: self.put_body(obj),
            "bulk_delete": lambda: _json({"connections": [{"id": obj.get("qID")}]}),
            "bulk_update": lambda: _json(
                {"connections": [{"id": obj.get("qID"), "name": _unique("b")}]}
            ),
            "duplicate": lambda: _json({"id": obj.get("qID"), "name": _unique("d")}),
            "duplicate_personal": lambda: self.duplicate_personal_body(obj, role),
            "callback": lambda: _params({"state": "not-a-state", "code": "x"}),
            "api_specs": lambda: _params({"dataSourceId": "rest"}),
            "settings": lambda: _json({"disabled": False}),
            "engine_filter": lambda: _json({"connectionId": obj.get("qID"), "reloadId": "r"}),
            "engine_endpoint": lambda: _json({"dataSourceId": "rest", "url": "grpc://e:1"}),
            "gateway_create": lambda: _json({"name": _unique("gw")}),
            "empty_object": lambda: _json({}),
            "credential_put": lambda: _json(
                {
                    "qName": _unique("q"),
                    "qType": "QvRestConnector.exe",
                    "qUsername": "u",
                    "qPassword": "p-Zq2",
                }
            ),
            "webhook": lambda: _json(
                {"name": _unique("w"), "url": REFUSED_URL, "eventTypes": [], "secret": "s-Wh1"}
            ),
            "webhook_patch": lambda: _json([{"op": "replace", "path": "/name", "value": "x"}]),
            "space_create": lambda: _json({"name": _unique("new")}),
            "space_rename": lambda: _json({"name": _unique("renamed")}),
            "assign": lambda: self.assign_body(role),
            "sign_in": lambda: _request(json={"apiKey": self.keys[role]}, headers={}),
            "sign_in_cross_site": lambda: _request(
                json={"apiKey": self.keys[role]}, headers={"Sec-Fetch-Site": "cross-site"}
            ),
            "new_session": lambda: self.session_headers(role, csrf=False),
            "new_session_csrf": lambda: self.session_headers(role, csrf=True),
        }
        return await calls[route.call]()

    async def session_headers(self, role: str, *, csrf: bool) -> dict[str, Any]:
        return {"headers": await self.new_session(role, csrf=csrf)}

    async def duplicate_personal_body(self, obj: dict[str, str], role: str) -> dict[str, Any]:
        space = (await self.personal_space(role))["id"]
        return {"json": {"id": obj.get("qID"), "name": _unique("d"), "spaceId": space}}

    async def put_body(self, obj: dict[str, str]) -> dict[str, Any]:
        got = await self.ok("GET", f"{P}/{obj['qID']}", obj["owner"])
        keep = ("qID", "qName", "qConnectStatement", "qType", "qEngineObjectID")
        return {"json": {k: got[k] for k in keep}}

    async def assign_body(self, role: str) -> dict[str, Any]:
        return {"json": {"assigneeId": await self.assignee(role), "roles": ["consumer"]}}


async def _nothing() -> dict[str, Any]:
    return {}


async def _json(value: Any) -> dict[str, Any]:
    return {"json": value}


async def _params(value: dict[str, str]) -> dict[str, Any]:
    return {"params": value}


async def _request(**kwargs: Any) -> dict[str, Any]:
    return kwargs


def outcome(res: httpx.Response) -> int:
    """The status; for a 207 bulk answer, its one item's status."""
    if res.status_code == 207:
        return int(res.json()["data"][0]["status"])
    return res.status_code


async def build_matrix(api: Api) -> Matrix:
    """The roles' credentials: API keys, a JWT, the producer's console session, nothing."""
    state = api.app.state.dcaas  # type: ignore[attr-defined]
    carol = (await create_key(state.sessions, tenant="acme", user="carol", admin=False)).token
    dave = (await create_key(state.sessions, tenant="acme", user="dave", admin=False)).token
    probe = {"qName": "t", "datasourceID": "rest", "connectionProperties": {"url": REFUSED_URL}}
    made = await api.client.post(P, json=probe, headers=api.h(api.admin))
    claims = {"tenantId": made.json()["tenant"], "sub": "jwt-user", "exp": int(time.time()) + 3600}
    token = jwt.encode(claims, TEST_SECRET, algorithm="HS256")
    keys = {
        "admin": api.admin,
        "producer": api.alice,
        "consumer": api.bob,
        "nonmember": carol,
        "other_tenant": api.mallory,
        "jwt": token,  # no API key: it cannot sign in to the console
        "session": api.alice,
        "anonymous": "dcaas_" + uuid.uuid4().hex,  # nobody's
        "dave": dave,
    }
    headers = {role: api.h(key) for role, key in keys.items()}
    matrix = Matrix(api, headers, keys)
    headers["session"] = await matrix.new_session("session", csrf=True)
    headers["anonymous"] = {}
    return matrix
