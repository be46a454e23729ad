"""/api/v1/data-sources, /data-credentials, /spaces and /api-keys."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dcaas_client._call import (
    Call,
    create_headers,
    etagged,
    model,
    nothing,
    query,
    seg,
    write_headers,
)
from dcaas_client.models.api_keys import ApiKeyCreate, ApiKeyCreated, ApiKeys
from dcaas_client.models.credentials import (
    Credential,
    Credentials,
    CredentialUpdate,
    OrphanCredentials,
    OrphanFilter,
)
from dcaas_client.models.datasources import (
    ApiSpec,
    DataSources,
    DataSourceSettings,
    QriItem,
    QriResults,
)
from dcaas_client.models.spaces import (
    Assignment,
    AssignmentCreate,
    Assignments,
    Space,
    SpaceCreate,
    Spaces,
    SpaceUpdate,
)
from dcaas_client.models.users import User, Users

if TYPE_CHECKING:
    from collections.abc import Sequence

    from dcaas_client.models.connections import PatchOp

SOURCES = "/api/v1/data-sources"
CREDENTIALS = "/api/v1/data-credentials"
SPACES = "/api/v1/spaces"
KEYS = "/api/v1/api-keys"


# -- data sources -------------------------------------------------------------------------
def sources_list(data_source_id: str | None, include_disabled: bool) -> Call[DataSources]:
    params = query(dataSourceId=data_source_id, includeDisabled=include_disabled or None)
    return Call("GET", SOURCES, model(DataSources), params=params)


def api_spec(data_source_id: str) -> Call[ApiSpec]:
    return Call("GET", f"{SOURCES}/{seg(data_source_id)}/api-specs", model(ApiSpec))


def settings_get(data_source_id: str) -> Call[DataSourceSettings]:
    return Call("GET", f"{SOURCES}/{seg(data_source_id)}/settings", model(DataSourceSettings))


def settings_put(data_source_id: str, disabled: bool) -> Call[DataSourceSettings]:
    return Call(
        "PUT",
        f"{SOURCES}/{seg(data_source_id)}/settings",
        model(DataSourceSettings),
        json={"disabled": disabled},
    )


def generate_qri(items: Sequence[QriItem], raw: bool) -> Call[QriResults]:
    body = {"data": [i.body() for i in items], "rawValues": raw}
    return Call("POST", f"{SOURCES}/actions/generate-qri", model(QriResults), json=body)


# -- credentials --------------------------------------------------------------------------
def credentials_list(limit: int | None, sort: str | None, filter_: str | None) -> Call[Credentials]:
    return Call(
        "GET", CREDENTIALS, model(Credentials), params=query(limit=limit, sort=sort, filter=filter_)
    )


def credential_get(qid: str, by_name: bool) -> Call[Credential]:
    return Call(
        "GET",
        f"{CREDENTIALS}/{seg(qid)}",
        etagged(Credential),
        params=query(byCredentialName=by_name or None),
    )


def credential_put(qid: str, body: CredentialUpdate, if_match: str | None) -> Call[None]:
    return Call(
        "PUT",
        f"{CREDENTIALS}/{seg(qid)}",
        nothing,
        json=body.body(),
        headers=write_headers(if_match),
    )


def credential_patch(qid: str, ops: Sequence[PatchOp], if_match: str | None) -> Call[None]:
    return Call(
        "PATCH",
        f"{CREDENTIALS}/{seg(qid)}",
        nothing,
        json=[o.body() for o in ops],
        headers=write_headers(if_match),
    )


def credential_delete(qid: str, by_name: bool, if_match: str | None) -> Call[None]:
    return Call(
        "DELETE",
        f"{CREDENTIALS}/{seg(qid)}",
        nothing,
        params=query(byCredentialName=by_name or None),
        headers=write_headers(if_match),
    )


def orphans(body: OrphanFilter) -> Call[OrphanCredentials]:
    return Call(
        "POST", f"{CREDENTIALS}/actions/filter-orphan", model(OrphanCredentials), json=body.body()
    )


# -- spaces -------------------------------------------------------------------------------
def spaces_list(limit: int | None) -> Call[Spaces]:
    return Call("GET", SPACES, model(Spaces), params=query(limit=limit))


def space_create(body: SpaceCreate, idempotency_key: str | None) -> Call[Space]:
    return Call(
        "POST", SPACES, etagged(Space), json=body.body(), headers=create_headers(idempotency_key)
    )


def space_get(space_id: str) -> Call[Space]:
    return Call("GET", f"{SPACES}/{seg(space_id)}", etagged(Space))


def space_update(space_id: str, body: SpaceUpdate, if_match: str | None) -> Call[Space]:
    return Call(
        "PATCH",
        f"{SPACES}/{seg(space_id)}",
        etagged(Space),
        json=body.body(),
        headers=write_headers(if_match),
    )


def space_delete(space_id: str, if_match: str | None) -> Call[None]:
    return Call("DELETE", f"{SPACES}/{seg(space_id)}", nothing, headers=write_headers(if_match))


def assignments_list(space_id: str) -> Call[Assignments]:
    return Call("GET", f"{SPACES}/{seg(space_id)}/assignments", model(Assignments))


def assignment_create(
    space_id: str, body: AssignmentCreate, idempotency_key: str | None
) -> Call[Assignment]:
    return Call(
        "POST",
        f"{SPACES}/{seg(space_id)}/assignments",
        model(Assignment),
        json=body.body(),
        headers=create_headers(idempotency_key),
    )


def assignment_delete(space_id: str, assignment_id: str) -> Call[None]:
    return Call("DELETE", f"{SPACES}/{seg(space_id)}/assignments/{seg(assignment_id)}", nothing)


# -- api keys -----------------------------------------------------------------------------
def keys_list(limit: int | None) -> Call[ApiKeys]:
    return Call("GET", KEYS, model(ApiKeys), params=query(limit=limit))


def key_create(body: ApiKeyCreate, idempotency_key: str | None) -> Call[ApiKeyCreated]:
    return Call(
        "POST",
        KEYS,
        model(ApiKeyCreated),
        json=body.body(),
        headers=create_headers(idempotency_key),
    )


def key_revoke(key_id: str) -> Call[None]:
    return Call("DELETE", f"{KEYS}/{seg(key_id)}", nothing)


# -- users --------------------------------------------------------------------------------
USERS = "/api/v1/users"


def users_list(
    limit: int | None, sort: str | None, filter_: str | None, total: bool | None
) -> Call[Users]:
    params = query(limit=limit, sort=sort, filter=filter_, totalResults="true" if total else None)
    return Call("GET", USERS, model(Users), params=params)


def user_get(user_id: str) -> Call[User]:
    return Call("GET", f"{USERS}/{seg(user_id)}", model(User))


def user_me() -> Call[User]:
    return Call("GET", f"{USERS}/me", model(User))
