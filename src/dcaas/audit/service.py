"""Recording audit events: :func:`record` is the one entry point every change path reaches.

An event is added to the session of the change it describes, so it is committed with that
change or rolled back with it: a committed change always has its event, a rolled-back one
never does. The events of a transaction are inserted by its commit's flush, all in one
statement (inside a savepoint: at once, so that rolling the savepoint back drops them).
Row changes of the audited tables reach :func:`record` through one hook
(:mod:`dcaas.audit.hook`, SQLAlchemy's ``before_flush``); what is not a row change (a test
run, a browse, an OAuth token refresh, a key rotation, a failed sign-in) is recorded by the
code that does it, through :func:`emit`.

Events of a request carry its actor from the request's context (the caller's user and API
key, client address, user agent and request id), so no service passes them around.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import event as orm_event
from sqlalchemy.orm import Session, SessionTransaction

from dcaas.audit.models import AuditEvent
from dcaas.audit.repository import KEYSET, AuditRepository
from dcaas.audit.types import BY_NAME
from dcaas.errors import Code, NotFound
from dcaas.kit.ids import new_uuid
from dcaas.kit.paging import Page
from dcaas.kit.time import utcnow
from dcaas.observability.context import current

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy import ColumnElement
    from sqlalchemy.ext.asyncio import AsyncSession

    from dcaas.auth.principal import Principal
    from dcaas.kit.paging import Cursor, Sort

log = logging.getLogger("dcaas.audit")

CONFIG_KEY = "dcaas.audit"  # a session's AuditConfig (Session.info), set by the Store
PENDING_KEY = "dcaas.audit.pending"  # events recorded in the session's open transaction
UNADDED_KEY = "dcaas.audit.unadded"  # of those, the ones the commit's flush will insert
COMMITTING_KEY = "dcaas.audit.committing"  # the session's commit has begun
CLIENT_KEY = "dcaas.audit.client"  # the request's (client address, user agent), in its state


@dataclass(frozen=True)
class AuditConfig:
    """``enabled``: record at all (``DCAAS_AUDIT``, off only to measure its cost);
    ``log``: also write each committed event to the log stream (``DCAAS_AUDIT_LOG``)."""

    enabled: bool = True
    log: bool = False


DEFAULT = AuditConfig()


@dataclass(frozen=True)
class Actor:
    """Who caused an event. Outside a request (a CLI command) all is None."""

    tenant_id: str | None = None
    user_id: str | None = None
    key_id: str | None = None
    client_ip: str | None = None
    user_agent: str | None = None
    request_id: str | None = None


def current_actor() -> Actor:
    """The caller of the request being served (as far as it is known yet)."""
    ctx = current()
    if ctx is None:
        return Actor()
    principal = ctx.state.get("principal")
    client = ctx.state.get(CLIENT_KEY) or (None, None)
    return Actor(
        tenant_id=getattr(principal, "tenant_id", None),
        user_id=getattr(principal, "user_id", None),
        key_id=getattr(principal, "key_id", None),
        client_ip=client[0],
        user_agent=client[1][:256] if client[1] else None,
        request_id=ctx.request_id,
    )


def new_event(
    type_: str,
    *,
    object_type: str,
    object_id: str | None = None,
    tenant_id: str | None = None,
    outcome: str = "success",
    data: dict[str, Any] | None = None,
    actor: Actor | None = None,
) -> AuditEvent:
    """An event of the current request's actor (or ``actor``); its tenant is the object's,
    else the actor's, else none (an event of the whole installation)."""
    who = actor or current_actor()
    return AuditEvent(
        id=new_uuid(),
        type=type_,
        source=BY_NAME[type_].source,
        time=utcnow(),
        tenant_id=tenant_id or who.tenant_id or "",
        actor_id=who.user_id,
        actor_key_id=who.key_id,
        client_ip=who.client_ip,
        user_agent=who.user_agent,
        object_type=object_type,
        object_id=object_id,
        outcome=outcome,
        request_id=who.request_id,
        data=data or {},
    )


def config_of(session: Session | AsyncSession) -> AuditConfig:
    found = session.info.get(CONFIG_KEY)
    return found if isinstance(found, AuditConfig) else DEFAULT


def record(session: Session | AsyncSession, event: AuditEvent) -> AuditEvent | None:
    """Add ``event`` to the session's transaction (the one entry point; no I/O, so the
    ``before_flush`` hook can call it too). Returns it, or None when auditing is off."""
    config = config_of(session)
    if not config.enabled:
        return None
    if session.in_nested_transaction() or session.info.get(COMMITTING_KEY):
        _add(session, [event])  # now: a savepoint rolled back takes it along
    else:  # inserted by the commit's flush: one INSERT for all of a transaction's events
        session.info.setdefault(UNADDED_KEY, []).append(event)
    session.info.setdefault(PENDING_KEY, []).append(event)
    return event


def _add(session: Session | AsyncSession, events: list[AuditEvent]) -> None:
    """Put events into the session's transaction: the one place every event passes, in
    the flush that inserts it (the commit's, or a savepoint's)."""
    session.add_all(events)
    # Subscribers (webhooks) get the transaction's events just before it commits, through
    # the Store's before-commit hooks (dcaas.webhook.outbox.publish): they need a query.


def emit(
    session: Session | AsyncSession,
    type_: str,
    *,
    object_type: str,
    object_id: str | None = None,
    tenant_id: str | None = None,
    outcome: str = "success",
    data: dict[str, Any] | None = None,
    actor: Actor | None = None,
) -> AuditEvent | None:
    """:func:`record` a :func:`new_event`: what code that changes no audited row calls."""
    if not config_of(session).enabled:
        return None
    made = new_event(
        type_,
        object_type=object_type,
        object_id=object_id,
        tenant_id=tenant_id,
        outcome=outcome,
        data=data,
        actor=actor,
    )
    return record(session, made)


def as_log_fields(event: AuditEvent) -> dict[str, Any]:
    """The event as the API shows it (``audit`` field of a log line, a line of an export)."""
    return {
        "id": event.id,
        "eventId": event.id,
        "eventType": event.type,
        "source": event.source,
        "eventTime": event.time.isoformat().replace("+00:00", "Z"),
        "tenantId": event.tenant_id,
        "userId": event.actor_id,
        "apiKeyId": event.actor_key_id,
        "clientIp": event.client_ip,
        "userAgent": event.user_agent,
        "objectType": event.object_type,
        "objectId": event.object_id,
        "outcome": event.outcome,
        "requestId": event.request_id,
        "data": event.data,
    }


@orm_event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint is released (SQLAlchemy calls this hook for those too)
    # From here on the commit's flush runs: events the hook records in it are added at once.
    session.info[COMMITTING_KEY] = True
    unadded: list[AuditEvent] = session.info.pop(UNADDED_KEY, [])
    if unadded:
        _add(session, unadded)  # flushed by this commit, in its transaction


@orm_event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint was released: its events wait for the transaction's commit
    session.info.pop(COMMITTING_KEY, None)
    pending: list[AuditEvent] = session.info.pop(PENDING_KEY, [])
    if pending and config_of(session).log:
        for event in pending:
            log.info("audit %s", event.type, extra={"audit": as_log_fields(event)})


@orm_event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous: SessionTransaction) -> None:
    if previous.parent is None:  # the whole transaction, not a savepoint
        session.info.pop(PENDING_KEY, None)
        session.info.pop(UNADDED_KEY, None)
        session.info.pop(COMMITTING_KEY, None)


# -- reading the trail (the audit API) ---------------------------------------------------------


@dataclass(frozen=True)
class AuditQuery:
    """``GET /api/v1/audits``'s filters (Qlik's names), parsed."""

    sort: Sort
    limit: int
    cursor: Cursor | None = None
    ids: tuple[str, ...] = ()
    event_type: str | None = None
    source: str | None = None
    user_id: str | None = None
    time_from: datetime | None = None
    time_to: datetime | None = None


class AuditService:
    """A tenant admin's view of the tenant's trail; anyone else's is empty (as in Qlik,
    whose audits API answers no 403: a caller without the right sees no events)."""

    def __init__(self, session: AsyncSession, principal: Principal) -> None:
        self.principal = principal
        self.repo = AuditRepository(session, principal.tenant_id)

    async def list(self, query: AuditQuery) -> Page[AuditEvent]:
        if not self.principal.is_admin:
            return Page(items=[], next=None, prev=None, count=0)
        conditions: list[ColumnElement[bool]] = []
        if query.ids:
            conditions.append(AuditEvent.id.in_(query.ids))
        if query.event_type is not None:
            conditions.append(AuditEvent.type == query.event_type)
        if query.source is not None:
            conditions.append(AuditEvent.source == query.source)
        if query.user_id is not None:
            conditions.append(AuditEvent.actor_id == query.user_id)
        if query.time_from is not None:
            conditions.append(AuditEvent.time >= query.time_from)
        if query.time_to is not None:
            conditions.append(AuditEvent.time <= query.time_to)
        rows = await self.repo.page(
            conditions, sort=query.sort, cursor=query.cursor, limit=query.limit
        )
        return KEYSET.assemble(
            rows, sort=query.sort, cursor=query.cursor, limit=query.limit, count=-1
        )

    async def get(self, event_id: str) -> AuditEvent:
        found = await self.repo.get(event_id) if self.principal.is_admin else None
        if found is None:
            raise NotFound(f"audit event {event_id} not found", code=Code.AUDIT_EVENT_NOT_FOUND)
        return found
