"""JWT subjects live in their issuer's namespace: never an API-key user, never demoting one."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import jwt
from sqlalchemy import select
from tests.conftest import TEST_SECRET, assert_error

from dcaas.kit.db import transaction
from dcaas.tenant.models import LEGACY_JWT_NAMESPACE, User

if TYPE_CHECKING:
    from tests.conftest import Api

URL = "/api/v1/data-connections"
SPACES = "/api/v1/spaces"


def token(tenant: str, sub: str, **claims: Any) -> dict[str, str]:
    """Authorization header with an HS256 token for ``sub`` in ``tenant``."""
    body = {"tenantId": tenant, "sub": sub, "exp": int(time.time()) + 600, **claims}
    return {"Authorization": "Bearer " + jwt.encode(body, TEST_SECRET, algorithm="HS256")}


async def acme_id(api: Api) -> str:
    """The id of the fixture's tenant acme (a JWT names tenants by id)."""
    body = {
        "qName": "probe",
        "datasourceID": "rest",
        "connectionProperties": {"url": "https://e.x"},
    }
    res = await api.client.post(URL, json=body, headers=api.h(api.admin))
    assert res.status_code == 201, res.text
    return str(res.json()["tenant"])


async def me(api: Api, headers: dict[str, str]) -> str:
    """The caller's user id (the owner of their personal space)."""
    res = await api.client.get(SPACES, headers=headers)
    assert res.status_code == 200, res.text
    personal = [s for s in res.json()["data"] if s["type"] == "personal"]
    return str(personal[0]["ownerId"])


async def is_admin(api: Api, headers: dict[str, str]) -> bool:
    """Whether the caller acts as tenant admin (only admins list by another userId)."""
    res = await api.client.get(URL, params={"userId": "someone"}, headers=headers)
    return res.status_code == 200


async def test_jwt_admin_subject_is_not_the_api_key_admin(api: Api) -> None:
    """A JWT with sub=admin and no roles is a new, non-admin user; the key's admin is intact."""
    tenant = await acme_id(api)
    jwt_admin = token(tenant, "admin")
    assert await me(api, jwt_admin) != await me(api, api.h(api.admin))
    assert not await is_admin(api, jwt_admin)
    assert await is_admin(api, api.h(api.admin))
    res = await api.client.post(SPACES, json={"name": "still-admin"}, headers=api.h(api.admin))
    assert res.status_code == 201, res.text


async def test_jwt_sees_nothing_of_the_api_key_user_of_the_same_name(api: Api) -> None:
    """sub=alice does not reach alice's personal connection."""
    tenant = await acme_id(api)
    body = {"qName": "mine", "datasourceID": "rest", "connectionProperties": {"url": "https://e.x"}}
    made = await api.client.post(URL, json=body, headers=api.h(api.alice))
    res = await api.client.get(f"{URL}/{made.json()['qID']}", headers=token(tenant, "alice"))
    assert_error(res, 404, "DCAAS-3001")


async def test_roles_of_a_token_apply_to_its_request_only(api: Api) -> None:
    """A TenantAdmin token acts as admin; the same subject's next token without roles does not,
    and the admin token is admin again (nothing was stored either way)."""
    tenant = await acme_id(api)
    assert await is_admin(api, token(tenant, "erin", roles=["TenantAdmin"]))
    assert not await is_admin(api, token(tenant, "erin"))
    assert await is_admin(api, token(tenant, "erin", roles=["TenantAdmin"]))
    assert await me(api, token(tenant, "erin")) == await me(
        api, token(tenant, "erin", roles="TenantAdmin")
    )


async def test_issuers_are_separate_namespaces(api: Api) -> None:
    """The same subject from two issuers is two users; without iss, a third."""
    tenant = await acme_id(api)
    one = await me(api, token(tenant, "frank", iss="https://idp-one.example"))
    two = await me(api, token(tenant, "frank", iss="https://idp-two.example"))
    none = await me(api, token(tenant, "frank"))
    assert len({one, two, none}) == 3
    assert one == await me(api, token(tenant, "frank", iss="https://idp-one.example"))


async def test_a_user_provisioned_before_namespaces_is_adopted(api: Api) -> None:
    """A JWT user from before migration 0004 (namespace jwt?) keeps its id and space."""
    tenant = await acme_id(api)
    first = await me(api, token(tenant, "gina"))
    async with transaction(api.app.state.dcaas.sessions) as session:  # type: ignore[attr-defined]
        user = await session.scalar(select(User).where(User.id == first))
        assert user is not None
        user.namespace = LEGACY_JWT_NAMESPACE
    assert await me(api, token(tenant, "gina", iss="https://idp.example")) == first
