"""Shared-space names are unique among the spaces a caller can see: a 409 never names a
space the caller may not know exists."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.conftest import assert_error
from tests.connection.test_access import user_id

if TYPE_CHECKING:
    from tests.conftest import Api

SPACES = "/api/v1/spaces"


async def _space(api: Api, key: str, name: str) -> str:
    res = await api.client.post(SPACES, json={"name": name}, headers=api.h(key))
    assert res.status_code == 201, res.text
    return str(res.json()["id"])


async def test_a_hidden_space_name_is_free_to_a_non_member(api: Api) -> None:
    """Alice cannot read the admin's hidden space (404) and creating its name is a 201, not
    409: the two answers say nothing about it."""
    hidden = await _space(api, api.admin, "layoffs-2027")
    assert_error(await api.client.get(f"{SPACES}/{hidden}", headers=api.h(api.alice)), 404)
    mine = await _space(api, api.alice, "layoffs-2027")
    assert mine != hidden


async def test_a_name_the_caller_can_see_is_a_409(api: Api) -> None:
    """A member of the space, its owner and a tenant admin get 409 DCAAS-5009 for its name."""
    team = await _space(api, api.admin, "team")
    bob = await user_id(api, api.bob)
    res = await api.client.post(
        f"{SPACES}/{team}/assignments",
        json={"assigneeId": bob, "roles": ["consumer"]},
        headers=api.h(api.admin),
    )
    assert res.status_code == 201, res.text
    for key in (api.bob, api.admin):
        res = await api.client.post(SPACES, json={"name": "team"}, headers=api.h(key))
        assert_error(res, 409, "DCAAS-5009")


async def test_renaming_to_a_hidden_name_is_allowed(api: Api) -> None:
    """Renaming her own space to a hidden space's name works for alice, as creating does."""
    await _space(api, api.admin, "board-only")
    mine = await _space(api, api.alice, "alices")
    res = await api.client.patch(
        f"{SPACES}/{mine}", json={"name": "board-only"}, headers=api.h(api.alice)
    )
    assert res.status_code == 200, res.text
    res = await api.client.patch(
        f"{SPACES}/{mine}", json={"name": "board-only"}, headers=api.h(api.admin)
    )
    assert res.status_code == 200, res.text  # its own name: nothing to refuse
