"""The one hook: every flush that creates, changes or deletes a row of an audited table
records the event describing it, in the same flush (so in the same transaction).

Whatever path changes such a row (an API route, the console, a bulk action, a CLI command,
a route added tomorrow) gets its event without calling anything. Changed columns are named
as the API names them (``qName``, ``connectionProperties.url``, ``qPassword``...), never with
their values. Statements that bypass the ORM (bulk ``UPDATE``/``DELETE``) are not seen here:
the code issuing them records its event with :func:`dcaas.audit.service.emit`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import event as orm_event
from sqlalchemy import inspect
from sqlalchemy.orm import Session

from dcaas.audit import types
from dcaas.audit.service import Actor, config_of, current_actor, emit

QUIET_KEY = "dcaas.audit.quiet"  # Session.info: this session's row changes are not audited
CREATED_KEY = "dcaas.audit.created"  # rows created in the open transaction (no "updated")


@dataclass(frozen=True)
class Audited:
    """How a table's changes are told: its object type, the event types, column names."""

    object_type: str
    created: str | None
    updated: str | None
    deleted: str | None
    names: dict[str, str] = field(default_factory=dict)  # column -> API name; "" = skip
    skip: frozenset[str] = frozenset({"version", "updated", "created"})


_SECRET = "secret"  # noqa: S105 - the name a changed secret is told by, not a secret
TABLES: dict[str, Audited] = {
    "connections": Audited(
        "data-connection",
        types.CONNECTION_CREATED,
        types.CONNECTION_UPDATED,
        types.CONNECTION_DELETED,
        {
            "name": "qName",
            "connect_statement": "qConnectStatement",
            "q_type": "qType",
            "data_source_id": "datasourceID",
            "space_id": "space",
            "owner_id": "owner",
            "log_on": "qLogOn",
            "architecture": "qArchitecture",
            "separate_credentials": "qSeparateCredentials",
            "credential_id": "qCredentialsID",
            "secret_ciphertext": "qConnectionSecret",
            "secret_wrapped_key": "qConnectionSecret",
            "secret_key_id": "qConnectionSecret",
        },
        frozenset({"version", "updated", "created", "auth_status"}),
    ),
    "credentials": Audited(
        "data-credential",
        types.CREDENTIAL_CREATED,
        types.CREDENTIAL_UPDATED,
        types.CREDENTIAL_DELETED,
        {
            "name": "qName",
            "ciphertext": _SECRET,
            "wrapped_key": _SECRET,
            "key_id": _SECRET,
        },
    ),
    "api_keys": Audited(
        "api-key",
        types.API_KEY_CREATED,
        types.API_KEY_UPDATED,
        types.API_KEY_DELETED,
        skip=frozenset({"last_used", "created"}),
    ),
    "spaces": Audited("space", types.SPACE_CREATED, types.SPACE_UPDATED, types.SPACE_DELETED),
    "space_members": Audited(
        "space-assignment",
        types.MEMBER_ADDED,
        types.MEMBER_CHANGED,
        types.MEMBER_REMOVED,
    ),
    "data_source_settings": Audited(
        "data-source",
        types.SETTINGS_CHANGED,
        types.SETTINGS_CHANGED,
        types.SETTINGS_CHANGED,
    ),
    "console_sessions": Audited(
        "console-session", types.SESSION_CREATED, None, types.SESSION_DELETED
    ),
    "oauth_authorizations": Audited(
        "data-connection", types.OAUTH_STARTED, None, None, skip=frozenset({"used_at"})
    ),
    "tenants": Audited("tenant", types.TENANT_CREATED, None, None),
    "webhooks": Audited(
        "webhook",
        types.WEBHOOK_CREATED,
        types.WEBHOOK_UPDATED,
        types.WEBHOOK_DELETED,
        {"sealed": _SECRET, "sealed_wrapped_key": _SECRET, "sealed_key_id": _SECRET},
        frozenset({"created_at", "updated_at", "updated_by_user_id", "failures"}),
    ),
    "webhook_deliveries": Audited("webhook-delivery", types.DELIVERY_RESENT, None, None),
    "engine_releases": Audited("data-connection", types.SECRET_RELEASED, None, None),
    "engine_endpoints": Audited(
        "data-source-endpoint", types.ENDPOINT_CREATED, None, types.ENDPOINT_DELETED
    ),
    "gateways": Audited(
        "gateway", types.GATEWAY_CREATED, types.GATEWAY_UPDATED, types.GATEWAY_DELETED
    ),
    "users": Audited("user", types.USER_CREATED, types.USER_UPDATED, None),
}


def _object_id(row: Any, table: str) -> str | None:
    if table == "data_source_settings":
        return str(row.data_source_id)
    if table in {"oauth_authorizations", "engine_releases"}:
        return row.connection_id or row.data_source_id  # type: ignore[no-any-return]
    value = getattr(row, "id", None)
    if value is None:  # not flushed yet: take the column default now, to name the object
        column = inspect(type(row)).columns["id"]
        if column.default is not None and callable(getattr(column.default, "arg", None)):
            value = column.default.arg(None)
            row.id = value
    return None if value is None else str(value)


def _tenant_of(row: Any, table: str) -> str | None:
    tenant = row.id if table == "tenants" else getattr(row, "tenant_id", None)
    return None if tenant is None else str(tenant)


def changed_names(row: Any, how: Audited) -> list[str]:
    """The API names of the row's changed columns (and changed property keys), sorted."""
    names: set[str] = set()
    state = inspect(row)
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key in how.skip:
            continue
        history = state.attrs[key].history
        if not history.has_changes():
            continue
        if key == "properties":
            names |= _property_names(history)
        elif (name := how.names.get(key, key)) != "":
            names.add(name)
    return sorted(names)


def _property_names(history: Any) -> set[str]:
    old = history.deleted[0] if history.deleted else None
    new = history.added[0] if history.added else None
    if not isinstance(old, dict) or not isinstance(new, dict):
        return {"connectionProperties"}
    keys = {k for k in old.keys() | new.keys() if old.get(k) != new.get(k)}
    return {f"connectionProperties.{k}" for k in keys}


def _stamped(row: Any) -> bool:
    """The service stamped the row as edited (a PUT of the same values is still an edit)."""
    state = inspect(row)
    return "updated" in state.attrs and state.attrs["updated"].history.has_changes()


def _record_update(session: Session, row: Any, how: Audited, table: str) -> None:
    names = changed_names(row, how)
    if not names and not _stamped(row):
        return
    tenant, object_id = _tenant_of(row, table), _object_id(row, table)
    if table == "connections":
        for name, special in (("space", types.CONNECTION_MOVED), ("owner", types.OWNER_CHANGED)):
            if name in names:
                history = inspect(row).attrs[f"{name}_id"].history
                before = history.deleted[0] if history.deleted else None
                emit(
                    session,
                    special,
                    object_type=how.object_type,
                    object_id=object_id,
                    tenant_id=tenant,
                    data={"from": before, "to": getattr(row, f"{name}_id")},
                )
                names.remove(name)
                if not names:
                    return
    if table == "api_keys" and names == ["revoked_at"]:
        kind: str | None = types.API_KEY_REVOKED
        names = []
    else:
        kind = how.updated
    if kind is not None:
        emit(
            session,
            kind,
            object_type=how.object_type,
            object_id=object_id,
            tenant_id=tenant,
            data={"changed": names} if names else {},
        )


def _details(row: Any, table: str) -> dict[str, Any]:  # noqa: PLR0911 - one case per table
    """What a created or deleted row's event says besides its id (no secret, ever)."""
    if table == "space_members":
        return {"spaceId": row.space_id, "userId": row.user_id, "roles": list(row.roles or [])}
    if table in {"connections", "credentials"}:
        return {"name": row.name, "spaceId": getattr(row, "space_id", None)}
    if table == "data_source_settings":
        return {"disabled": row.disabled}
    if table == "oauth_authorizations":
        return {"dataSourceId": row.data_source_id}
    if table == "engine_releases":  # who asked and how it ended; never the secret
        found = {
            "releaseId": row.id,
            "result": row.outcome,
            "code": row.code,
            "reloadId": row.reload_id,
            "askedBy": row.asked_by,
        }
        return {k: v for k, v in found.items() if v is not None}
    if table == "engine_endpoints":
        return {"dataSourceId": row.data_source_id}
    if table in {"gateways", "webhooks"}:
        return {"name": row.name}
    if table == "webhook_deliveries":
        return {"webhookId": row.webhook_id, "eventId": row.event_id}
    return {}


def _actor_of(row: Any, table: str) -> Actor | None:
    """A console sign-in is made by the user it signs in (no caller is known yet)."""
    if table != "console_sessions":
        return None
    return replace(
        current_actor(), tenant_id=row.tenant_id, user_id=row.user_id, key_id=row.api_key_id
    )


@orm_event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    if not config_of(session).enabled or session.info.get(QUIET_KEY):
        return
    created: set[tuple[str, str | None]] = session.info.setdefault(CREATED_KEY, set())
    for row, kind in (
        *((r, "created") for r in list(session.new)),
        *((r, "updated") for r in list(session.dirty)),
        *((r, "deleted") for r in list(session.deleted)),
    ):
        table = getattr(row, "__tablename__", "")
        how = TABLES.get(table)
        if how is None:
            continue
        if kind == "updated":
            if (table, _object_id(row, table)) not in created and session.is_modified(row):
                _record_update(session, row, how, table)
            continue
        type_ = how.created if kind == "created" else how.deleted
        object_id = _object_id(row, table)
        if kind == "created":
            created.add((table, object_id))
        if type_ is not None:
            refused = table == "engine_releases" and row.outcome != "released"
            emit(
                session,
                type_,
                object_type=how.object_type,
                object_id=object_id,
                tenant_id=_tenant_of(row, table),
                outcome="failure" if refused else "success",
                data=_details(row, table),
                actor=_actor_of(row, table),
            )


@orm_event.listens_for(Session, "after_commit")
@orm_event.listens_for(Session, "after_soft_rollback")
def _transaction_ended(session: Session, *_: Any) -> None:
    session.info.pop(CREATED_KEY, None)
