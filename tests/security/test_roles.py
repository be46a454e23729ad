"""Every route x every role x own and foreign objects: the expected outcome, written once.

Roles: the tenant admin, a producer and a consumer of the shared space ``team``, a member of
the tenant in no space (non-member), a user of another tenant, and a JWT user without roles.
Objects of each route's kind: the caller's ``own``, one in ``team`` (made by the producer),
and a ``foreign`` one (another user's, in no space the callers share). :data:`RELATION` says
what each role is to each object, once; :data:`EXPECTED` says, per route, what each relation
gets. A route of the app missing from the table fails :func:`test_every_route_has_an_entry`.
"""

from __future__ import annotations

import itertools
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import jwt
import pytest
from fastapi.routing import iter_route_contexts
from tests.conftest import TEST_SECRET, Api

from dcaas.bootstrap import create_key

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable
    from pathlib import Path

    import httpx

ROLES = ("admin", "producer", "consumer", "nonmember", "other_tenant", "jwt")
KINDS = ("own", "team", "foreign")
# What each role is to each kind of object (spaces: the team space is the admin's own).
RELATION: dict[str, dict[str, str]] = {
    "own": dict.fromkeys(ROLES, "owner"),
    "team": {
        "admin": "admin",
        "producer": "manager",
        "consumer": "user",
        "nonmember": "none",
        "other_tenant": "stranger",
        "jwt": "none",
    },
    "foreign": {
        "admin": "admin",
        "producer": "none",
        "consumer": "none",
        "nonmember": "none",
        "other_tenant": "stranger",
        "jwt": "none",
    },
}
Expect = dict[str, int]  # relation (object routes) or role -> status
CONN_READ: Expect = {
    "owner": 200,
    "admin": 200,
    "manager": 200,
    "user": 200,
    "none": 404,
    "stranger": 404,
}
CONN_WRITE: Expect = {
    "owner": 204,
    "admin": 204,
    "manager": 204,
    "user": 403,
    "none": 404,
    "stranger": 404,
}
SOURCE_CALL: Expect = {**CONN_READ, "owner": 400, "admin": 400, "manager": 400, "user": 400}
PRIVATE_READ: Expect = {"owner": 200, "admin": 200, "none": 404, "stranger": 404}
PRIVATE_WRITE: Expect = {"owner": 204, "admin": 204, "none": 404, "stranger": 404}
SPACE_MANAGE: Expect = {
    "owner": 200,
    "admin": 200,
    "manager": 403,
    "user": 403,
    "none": 404,
    "stranger": 404,
}
EVERYONE_200: Expect = dict.fromkeys(ROLES, 200)
EVERYONE_201: Expect = dict.fromkeys(ROLES, 201)
ADMIN_ONLY: Expect = {**dict.fromkeys(ROLES, 403), "admin": 200}


@dataclass(frozen=True)
class Route:
    """How to call a route, which objects it takes (none: ``kinds=()``), and the outcome."""

    expect: Expect
    kinds: tuple[str, ...] = ()
    object: str = "connection"  # connection, credential, space, assignment, key
    fresh: bool = False  # the call changes the object: make one per call
    call: str = "plain"  # how the request is built (see Matrix.request)


P, C = "/api/v1/data-connections", "/api/v1/data-credentials"
S, K, L = "/api/v1/spaces", "/api/v1/api-keys", "/api/v1/dcaas/actions/data-connections"
D = "/api/v1/data-sources"
ALL, PRIVATE = KINDS, ("own", "foreign")
EXPECTED: dict[tuple[str, str], Route] = {
    # connections
    ("GET", P): Route(EVERYONE_200),
    ("POST", P): Route(EVERYONE_201, call="create"),
    ("GET", f"{P}/{{qID}}"): Route(CONN_READ, ALL),
    ("PATCH", f"{P}/{{qID}}"): Route(CONN_WRITE, ALL, fresh=True, call="rename"),
    ("PUT", f"{P}/{{qID}}"): Route(CONN_WRITE, ALL, fresh=True, call="put"),
    ("DELETE", f"{P}/{{qID}}"): Route(CONN_WRITE, ALL, fresh=True),
    ("POST", f"{P}/actions/test"): Route(EVERYONE_200, call="create"),
    ("POST", f"{P}/{{qID}}/actions/test"): Route(CONN_READ, ALL),
    ("GET", f"{P}/{{qID}}/browse"): Route(SOURCE_CALL, ALL),
    ("GET", f"{P}/{{qID}}/preview"): Route(SOURCE_CALL, ALL),
    ("POST", f"{P}/{{qID}}/actions/authorize"): Route(
        {**CONN_WRITE, "owner": 400, "admin": 400, "manager": 400}, ALL
    ),
    ("POST", f"{P}/actions/delete"): Route(CONN_WRITE, ALL, fresh=True, call="bulk_delete"),
    ("POST", f"{P}/actions/update"): Route(CONN_WRITE, ALL, fresh=True, call="bulk_update"),
    # Into the source's own space (no spaceId): the right to manage that space.
    ("POST", f"{P}/actions/duplicate"): Route(
        {**CONN_WRITE, **dict.fromkeys(("owner", "admin", "manager"), 201)}, ALL, call="duplicate"
    ),
    ("GET", "/api/v1/oauth/callback"): Route({**dict.fromkeys(ROLES, 400)}, call="callback"),
    # the deprecated namespace
    ("POST", L): Route(EVERYONE_201, call="create"),
    ("GET", f"{L}/api-specs"): Route(EVERYONE_200, call="api_specs"),
    ("GET", f"{L}/{{connectionId}}"): Route(CONN_READ, ALL),
    # data sources
    ("GET", D): Route(EVERYONE_200),
    ("GET", f"{D}/{{dataSourceId}}/api-specs"): Route(EVERYONE_200),
    ("GET", f"{D}/{{dataSourceId}}/settings"): Route(EVERYONE_200),
    ("PUT", f"{D}/{{dataSourceId}}/settings"): Route(ADMIN_ONLY, call="settings"),
    # credentials
    ("GET", C): Route(EVERYONE_200),
    ("POST", f"{C}/actions/filter-orphan"): Route(EVERYONE_200, call="empty_object"),
    ("GET", f"{C}/{{qID}}"): Route(PRIVATE_READ, PRIVATE, object="credential"),
    ("PATCH", f"{C}/{{qID}}"): Route(
        PRIVATE_WRITE, PRIVATE, object="credential", fresh=True, call="rename"
    ),
    ("PUT", f"{C}/{{qID}}"): Route(
        PRIVATE_WRITE, PRIVATE, object="credential", fresh=True, call="credential_put"
    ),
    ("DELETE", f"{C}/{{qID}}"): Route(PRIVATE_WRITE, PRIVATE, object="credential", fresh=True),
    # spaces and their members
    ("GET", S): Route(EVERYONE_200),
    ("POST", S): Route(EVERYONE_201, call="space_create"),
    ("GET", f"{S}/{{spaceId}}"): Route(CONN_READ, ALL, object="space"),
    ("PATCH", f"{S}/{{spaceId}}"): Route(
        SPACE_MANAGE, ALL, object="space", fresh=True, call="space_rename"
    ),
    ("DELETE", f"{S}/{{spaceId}}"): Route(
        {**SPACE_MANAGE, "owner": 204, "admin": 204}, ALL, object="space", fresh=True
    ),
    ("GET", f"{S}/{{spaceId}}/assignments"): Route(CONN_READ, ALL, object="space"),
    ("POST", f"{S}/{{spaceId}}/assignments"): Route(
        {**SPACE_MANAGE, "owner": 201, "admin": 201}, ALL, object="space", fresh=True, call="assign"
    ),
    ("DELETE", f"{S}/{{spaceId}}/assignments/{{assignmentId}}"): Route(
        {**SPACE_MANAGE, "owner": 204, "admin": 204}, ALL, object="assignment", fresh=True
    ),
    # API keys
    ("GET", K): Route(EVERYONE_200),
    ("POST", K): Route(EVERYONE_201, call="empty_object"),
    ("DELETE", f"{K}/{{keyId}}"): Route(PRIVATE_WRITE, PRIVATE, object="key", fresh=True),
    # documents, probes and scrapes: no credentials needed
    ("GET", "/api/v1/openapi.json"): Route(EVERYONE_200),
    ("GET", "/api/v1/docs"): Route(EVERYONE_200),
    ("GET", "/docs/oauth2-redirect"): Route(EVERYONE_200),
    ("GET", "/health/live"): Route(EVERYONE_200),
    ("GET", "/health/ready"): Route(EVERYONE_200),
    ("GET", "/metrics"): Route(EVERYONE_200),
}
# A REST endpoint the default outbound policy refuses at once: browse and preview fail fast
# with 400 DCAAS-6002, a test with a failed step; nothing leaves the machine.
REFUSED_URL = "http://127.0.0.1:9/items"


def app_routes(app: Any) -> set[tuple[str, str]]:
    """(method, path) of every route the app serves (HEAD rides along with GET)."""
    out = set()
    for route in iter_route_contexts(app.routes):
        for method in route.methods or ():
            if method != "HEAD":
                out.add((method, route.path))
    return out


def _unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@dataclass
class Matrix:
    """The running app, a header per role, and helpers making objects of each kind."""

    api: Api
    headers: dict[str, dict[str, str]]
    team: str = ""
    shared: dict[tuple[str, str, str], dict[str, str]] = field(default_factory=dict)

    @property
    def client(self) -> httpx.AsyncClient:
        return self.api.client

    def owner_of(self, kind: str, role: str) -> str:
        """Who makes an object of this kind for this role."""
        return {"own": role, "team": "producer", "foreign": "dave"}[kind]

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
        spaces = await self.ok("GET", S, who)
        return next(s["ownerId"] for s in spaces["data"] if s["type"] == "personal")

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
            "callback": lambda: _params({"state": "not-a-state", "code": "x"}),
            "api_specs": lambda: _params({"dataSourceId": "rest"}),
            "settings": lambda: _json({"disabled": False}),
            "empty_object": lambda: _json({}),
            "credential_put": lambda: _json(
                {
                    "qName": _unique("q"),
                    "qType": "QvRestConnector.exe",
                    "qUsername": "u",
                    "qPassword": "p-Zq2",
                }
            ),
            "space_create": lambda: _json({"name": _unique("new")}),
            "space_rename": lambda: _json({"name": _unique("renamed")}),
            "assign": lambda: self.assign_body(role),
        }
        return await calls[route.call]()

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


def _outcome(res: httpx.Response) -> int:
    """The status; for a 207 bulk answer, its one item's status."""
    if res.status_code == 207:
        return int(res.json()["data"][0]["status"])
    return res.status_code


async def _roles(api: Api) -> dict[str, dict[str, str]]:
    state = api.app.state.dcaas  # type: ignore[attr-defined]
    carol = (await create_key(state.sessions, tenant="acme", user="carol", admin=False)).token
    dave = (await create_key(state.sessions, tenant="acme", user="dave", admin=False)).token
    probe = {"qName": "t", "datasourceID": "rest", "connectionProperties": {"url": REFUSED_URL}}
    made = await api.client.post(P, json=probe, headers=api.h(api.admin))
    claims = {"tenantId": made.json()["tenant"], "sub": "jwt-user", "exp": int(time.time()) + 3600}
    token = jwt.encode(claims, TEST_SECRET, algorithm="HS256")
    return {
        "admin": api.h(api.admin),
        "producer": api.h(api.alice),
        "consumer": api.h(api.bob),
        "nonmember": api.h(carol),
        "other_tenant": api.h(api.mallory),
        "jwt": {"Authorization": f"Bearer {token}"},
        "dave": api.h(dave),
    }


async def _run(matrix: Matrix) -> list[str]:
    wrong = []
    for (method, path), route in EXPECTED.items():
        kinds: tuple[str | None, ...] = route.kinds or (None,)
        for role, kind in itertools.product(ROLES, kinds):
            obj = await matrix.object(route, kind, role) if kind else {}
            url = path.format(dataSourceId="rest", **obj)
            res = await matrix.client.request(
                method, url, headers=matrix.headers[role], **await matrix.body(route, obj, role)
            )
            relation = RELATION[kind][role] if kind else role
            if _outcome(res) != route.expect[relation]:
                wrong.append(
                    f"{method} {path} as {role} on {kind or '-'} ({relation}): "
                    f"{_outcome(res)}, expected {route.expect[relation]}: {res.text[:160]}"
                )
    return wrong


def test_every_route_has_an_entry(tmp_path: Path) -> None:
    """The table and the app's route table name the same routes: a new route needs a row."""
    from dcaas.app import create_app  # noqa: PLC0415 - only here
    from dcaas.config import Settings  # noqa: PLC0415

    app = create_app(Settings(data_dir=tmp_path, env="development"))
    assert app_routes(app) == set(EXPECTED)


@pytest.mark.settings(outbound_allow="", rate_limit_enabled=False)
async def test_route_role_matrix(api: Api) -> None:
    """Each route, called by each role on each kind of object, answers what the table says."""
    matrix = Matrix(api, await _roles(api))
    matrix.team = await matrix.team_space()
    wrong = await _run(matrix)
    assert not wrong, "\n".join(wrong)
