"""Every route x every role x own and foreign objects: the expected outcome, written once.

Roles: the tenant admin, a producer and a consumer of the shared space ``team``, a member of
the tenant in no space (non-member), a user of another tenant, a JWT user without roles, the
producer again through the web console's session cookie (with its CSRF token), and an
anonymous caller. Objects of each route's kind: the caller's ``own``, one in ``team`` (made
by the producer), and a ``foreign`` one (another user's, in no space the callers share).
:data:`RELATION` says what each role is to each object, once; :data:`EXPECTED` says, per
route, what each relation gets (a route called in several ways has a tuple of cases). A
route of the app missing from the table fails :func:`test_every_route_has_an_entry`.

To add a route: one row in :data:`EXPECTED` (an ``Expect`` below, the kinds of object it
takes, and a ``call`` when it needs a body, a query or headers of its own); ``url`` names
a concrete path for a route whose path cannot be formatted (a page's ``{rest:path}``).
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

import pytest
from tests.security.matrix import (
    C,
    D,
    Expect,
    G,
    K,
    L,
    Matrix,
    P,
    Route,
    S,
    W,
    app_routes,
    build_matrix,
    cases,
    outcome,
)

if TYPE_CHECKING:
    from pathlib import Path

    from tests.conftest import Api

ROLES = (
    "admin",
    "producer",
    "consumer",
    "nonmember",
    "other_tenant",
    "jwt",
    "session",
    "anonymous",
)
KINDS = ("own", "team", "foreign")
# What each role is to each kind of object (spaces: the team space is the admin's own).
RELATION: dict[str, dict[str, str]] = {
    "own": {**dict.fromkeys(ROLES, "owner"), "anonymous": "anonymous"},
    "team": {
        "admin": "admin",
        "producer": "manager",
        "consumer": "user",
        "nonmember": "none",
        "other_tenant": "stranger",
        "jwt": "none",
        "session": "manager",
        "anonymous": "anonymous",
    },
    "foreign": {
        "admin": "admin",
        "producer": "none",
        "consumer": "none",
        "nonmember": "none",
        "other_tenant": "stranger",
        "jwt": "none",
        "session": "none",
        "anonymous": "anonymous",
    },
}
CONN_READ: Expect = {
    "owner": 200,
    "admin": 200,
    "manager": 200,
    "user": 200,
    "none": 404,
    "stranger": 404,
    "anonymous": 401,
}
CONN_WRITE: Expect = {
    "owner": 204,
    "admin": 204,
    "manager": 204,
    "user": 403,
    "none": 404,
    "stranger": 404,
    "anonymous": 401,
}
CONN_MANAGE: Expect = {**CONN_READ, "user": 403}  # a manager's action that answers 200
SOURCE_CALL: Expect = {**CONN_READ, "owner": 400, "admin": 400, "manager": 400, "user": 400}
PRIVATE_READ: Expect = {
    "owner": 200,
    "admin": 200,
    "none": 404,
    "stranger": 404,
    "anonymous": 401,
}
PRIVATE_WRITE: Expect = {**PRIVATE_READ, "owner": 204, "admin": 204}
SPACE_MANAGE: Expect = {
    "owner": 200,
    "admin": 200,
    "manager": 403,
    "user": 403,
    "none": 404,
    "stranger": 404,
    "anonymous": 401,
}
# Every signed-in caller (the anonymous one is asked to authenticate), or truly everyone.
EVERYONE_200: Expect = {**dict.fromkeys(ROLES, 200), "anonymous": 401}
EVERYONE_201: Expect = {**dict.fromkeys(ROLES, 201), "anonymous": 401}
EVERYONE_404: Expect = {**dict.fromkeys(ROLES, 404), "anonymous": 401}
PUBLIC_200: Expect = dict.fromkeys(ROLES, 200)
ADMIN_ONLY: Expect = {**dict.fromkeys(ROLES, 403), "admin": 200, "anonymous": 401}
ADMIN_404: Expect = {**ADMIN_ONLY, "admin": 404}  # an admin's route on an id that does not exist
WH = "/api/v1/webhooks"
# The console's session endpoints: an API key signs in (a JWT is no key; nobody has none).
KEY_HOLDERS = ("admin", "producer", "consumer", "nonmember", "other_tenant", "session")


def with_a_key(status: int) -> Expect:
    """``status`` for whoever can sign in to the console with an API key, else 401."""
    return {**dict.fromkeys(ROLES, 401), **dict.fromkeys(KEY_HOLDERS, status)}


ALL, PRIVATE = KINDS, ("own", "foreign")
EXPECTED: dict[tuple[str, str], Route | tuple[Route, ...]] = {
    # connections
    ("GET", P): Route(EVERYONE_200),
    ("POST", P): Route(EVERYONE_201, call="create"),
    ("GET", f"{P}/{{qID}}"): Route(CONN_READ, ALL),
    ("PATCH", f"{P}/{{qID}}"): Route(CONN_WRITE, ALL, fresh=True, call="rename"),
    ("PUT", f"{P}/{{qID}}"): Route(CONN_WRITE, ALL, fresh=True, call="put"),
    ("DELETE", f"{P}/{{qID}}"): Route(CONN_WRITE, ALL, fresh=True),
    ("POST", f"{P}/actions/test"): Route(EVERYONE_200, call="create"),
    # As saved: anyone who may use it; as a patch would leave it: a manager's action.
    ("POST", f"{P}/{{qID}}/actions/test"): (
        Route(CONN_READ, ALL),
        Route(CONN_MANAGE, ALL, call="rename"),
    ),
    ("GET", f"{P}/{{qID}}/browse"): Route(SOURCE_CALL, ALL),
    ("GET", f"{P}/{{qID}}/preview"): Route(SOURCE_CALL, ALL),
    ("POST", f"{P}/{{qID}}/actions/authorize"): Route(
        {**CONN_WRITE, "owner": 400, "admin": 400, "manager": 400}, ALL
    ),
    ("POST", f"{P}/actions/delete"): Route(CONN_WRITE, ALL, fresh=True, call="bulk_delete"),
    ("POST", f"{P}/actions/update"): Route(CONN_WRITE, ALL, fresh=True, call="bulk_update"),
    # Into the source's own space (no spaceId): the right to write there; into the caller's
    # personal space: whoever may use the source (who cannot manage it gets no secret).
    ("POST", f"{P}/actions/duplicate"): (
        Route(
            {**CONN_WRITE, **dict.fromkeys(("owner", "admin", "manager"), 201)},
            ALL,
            call="duplicate",
        ),
        Route(
            {**CONN_WRITE, **dict.fromkeys(("owner", "admin", "manager", "user"), 201)},
            ALL,
            call="duplicate_personal",
        ),
    ),
    ("GET", "/api/v1/oauth/callback"): Route(dict.fromkeys(ROLES, 400), call="callback"),
    # the deprecated namespace
    ("POST", L): Route(EVERYONE_201, call="create"),
    ("GET", f"{L}/api-specs"): Route(EVERYONE_200, call="api_specs"),
    ("GET", f"{L}/{{connectionId}}"): Route(CONN_READ, ALL),
    # data sources
    ("GET", D): Route(EVERYONE_200),
    ("GET", f"{D}/{{dataSourceId}}/api-specs"): Route(EVERYONE_200),
    ("GET", f"{D}/{{dataSourceId}}/settings"): Route(EVERYONE_200),
    ("PUT", f"{D}/{{dataSourceId}}/settings"): Route(ADMIN_ONLY, call="settings"),
    # the engine endpoints: no role here holds the engine grant (tests/engine has those that
    # do), so nobody gets a secret, the owner and the tenant admin included
    ("POST", f"{D}/endpoints/actions/filter"): Route(
        {**dict.fromkeys(CONN_READ, 403), "anonymous": 401}, ALL, call="engine_filter"
    ),
    ("GET", f"{D}/endpoints"): Route(ADMIN_ONLY),
    ("POST", f"{D}/endpoints"): Route({**ADMIN_ONLY, "admin": 201}, call="engine_endpoint"),
    ("DELETE", f"{D}/endpoints/{{endpointId}}"): Route(
        {**ADMIN_ONLY, "admin": 404}, url=f"{D}/endpoints/no-such-endpoint"
    ),
    ("GET", f"{D}/endpoints/releases"): Route(ADMIN_ONLY),
    ("GET", f"{D}/{{dataSourceId}}/gateways"): (
        Route(EVERYONE_404),  # rest: not a Direct Access source
        Route(EVERYONE_200, url=f"{D}/DG_postgres/gateways"),
    ),
    # gateways: everyone reads, tenant admins register
    ("GET", G): Route(EVERYONE_200),
    ("POST", G): Route({**ADMIN_ONLY, "admin": 201}, call="gateway_create"),
    ("DELETE", f"{G}/{{gatewayId}}"): Route(
        {**ADMIN_ONLY, "admin": 404}, url=f"{G}/no-such-gateway"
    ),
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
    # webhooks: tenant admins only (the create's URL is refused by the outbound policy, so
    # the admin's answer is 400; ids that exist nowhere answer the admin 404)
    ("GET", WH): Route(ADMIN_ONLY),
    ("POST", WH): Route({**ADMIN_ONLY, "admin": 400}, call="webhook"),
    ("GET", f"{WH}/event-types"): Route(EVERYONE_200),
    ("GET", f"{WH}/{{id}}"): Route(ADMIN_404, url=f"{WH}/none"),
    ("PUT", f"{WH}/{{id}}"): Route(ADMIN_404, call="webhook", url=f"{WH}/none"),
    ("PATCH", f"{WH}/{{id}}"): Route(ADMIN_404, call="webhook_patch", url=f"{WH}/none"),
    ("DELETE", f"{WH}/{{id}}"): Route(ADMIN_404, url=f"{WH}/none"),
    ("GET", f"{WH}/{{id}}/deliveries"): Route(ADMIN_404, url=f"{WH}/none/deliveries"),
    ("GET", f"{WH}/{{id}}/deliveries/{{deliveryId}}"): Route(
        ADMIN_404, url=f"{WH}/none/deliveries/none"
    ),
    ("POST", f"{WH}/{{id}}/deliveries/{{deliveryId}}/actions/resend"): Route(
        ADMIN_404, url=f"{WH}/none/deliveries/none/actions/resend"
    ),
    # the console's session: signing in needs a key and a same-site request; the session
    # endpoints need the cookie (a bearer token is no session); signing out, its CSRF token
    ("GET", f"{W}/config"): Route(PUBLIC_200),
    ("POST", f"{W}/session"): (
        Route(with_a_key(201), call="sign_in"),
        Route(dict.fromkeys(ROLES, 403), call="sign_in_cross_site"),
    ),
    ("GET", f"{W}/session"): (
        Route(with_a_key(200), call="new_session"),
        Route({**dict.fromkeys(ROLES, 401), "session": 200}),
    ),
    ("DELETE", f"{W}/session"): (
        Route(with_a_key(204), call="new_session_csrf"),
        Route(with_a_key(403), call="new_session"),
    ),
    # single sign-on is not configured here; a callback without a code signs no one in
    ("GET", f"{W}/oidc/login"): Route(dict.fromkeys(ROLES, 404)),
    ("GET", f"{W}/oidc/callback"): Route(dict.fromkeys(ROLES, 401)),
    # the console's pages: the same app shell for anyone (data only ever comes from the API)
    ("GET", "/"): Route(PUBLIC_200),
    ("GET", "/sign-in"): Route(PUBLIC_200),
    ("GET", "/connections"): Route(PUBLIC_200),
    ("GET", "/connections/{rest:path}"): Route(PUBLIC_200, url="/connections/c-1/edit"),
    ("GET", "/admin"): Route(PUBLIC_200),
    ("GET", "/admin/{rest:path}"): Route(PUBLIC_200, url="/admin/api-keys"),
    ("GET", "/favicon.ico"): Route(PUBLIC_200),
    ("GET", "/assets/{path:path}"): (
        Route(PUBLIC_200, url="/assets/favicon.svg"),
        Route(dict.fromkeys(ROLES, 404), url="/assets/no-such-file.js"),
    ),
    # documents, probes and scrapes: no credentials needed
    ("GET", "/api/v1/openapi.json"): Route(PUBLIC_200),
    ("GET", "/api/v1/docs"): Route(PUBLIC_200),
    ("GET", "/docs"): Route(dict.fromkeys(ROLES, 308)),  # to /api/v1/docs
    ("GET", "/health/live"): Route(PUBLIC_200),
    ("GET", "/health/ready"): Route(PUBLIC_200),
    ("GET", "/metrics"): Route(PUBLIC_200),
}


async def _call(
    matrix: Matrix, key: tuple[str, str], route: Route, role: str, kind: str | None
) -> str | None:
    """One call; what was wrong about its answer, or None."""
    method, path = key
    obj = await matrix.object(route, kind, role) if kind else {}
    url = route.url or path.format(dataSourceId="rest", **obj)
    request = {"headers": matrix.headers[role], **await matrix.body(route, obj, role)}
    matrix.client.cookies.clear()  # only a call's own headers say who calls
    res = await matrix.client.request(method, url, **request)
    relation = RELATION[kind][role] if kind else role
    if outcome(res) == route.expect[relation]:
        return None
    return (
        f"{method} {path} ({route.call}) as {role} on {kind or '-'} ({relation}): "
        f"{outcome(res)}, expected {route.expect[relation]}: {res.text[:160]}"
    )


async def _run(matrix: Matrix) -> list[str]:
    wrong = []
    for key, entry in EXPECTED.items():
        for route in cases(entry):
            kinds: tuple[str | None, ...] = route.kinds or (None,)
            for role, kind in itertools.product(ROLES, kinds):
                found = await _call(matrix, key, route, role, kind)
                wrong += [found] if found else []
    return wrong


def test_every_route_has_an_entry(tmp_path: Path) -> None:
    """The table and the app's route table name the same routes: a new route needs a row."""
    from dcaas.app import create_app  # noqa: PLC0415 - only here
    from dcaas.config import Settings  # noqa: PLC0415

    app = create_app(Settings(data_dir=tmp_path, env="development"))
    assert app_routes(app) == set(EXPECTED)


@pytest.mark.settings(outbound_allow="", rate_limit_enabled=False, auth_failure_limit="")
async def test_route_role_matrix(api: Api) -> None:
    """Each route, called by each role on each kind of object, answers what the table says."""
    matrix = await build_matrix(api)
    matrix.team = await matrix.team_space()
    wrong = await _run(matrix)
    assert not wrong, "\n".join(wrong)


@pytest.mark.settings(rate_limit_enabled=False)
async def test_every_state_changing_api_route_needs_the_csrf_token(api: Api) -> None:
    """With the console's cookie, every API route that may change something refuses a call
    without the session's CSRF token (403 DCAAS-5020), before it looks at the request."""
    cookie = {"Cookie": (await build_matrix(api)).headers["session"]["Cookie"]}
    sign_in = ("POST", f"{W}/session")  # no session yet: a same-site check instead
    routes = sorted(
        (method, path)
        for method, path in app_routes(api.app)
        if method in {"POST", "PUT", "PATCH", "DELETE"}
        and path.startswith("/api/")
        and (method, path) != sign_in
    )
    wrong = []
    for method, path in routes:
        api.client.cookies.clear()
        res = await api.client.request(method, path.format_map(_Any()), headers=cookie, json={})
        code = res.json()["errors"][0]["code"] if res.status_code >= 400 else None
        if (res.status_code, code) != (403, "DCAAS-5020"):
            wrong.append(f"{method} {path}: {res.status_code} {res.text[:120]}")
    assert len(routes) > 20
    assert not wrong, "\n".join(wrong)


class _Any(dict[str, str]):
    """Any path parameter: ``x``."""

    def __missing__(self, key: str) -> str:
        return "x"
