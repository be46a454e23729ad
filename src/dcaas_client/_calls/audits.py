"""/api/v1/audits: the tenant's audit trail (tenant admins)."""

from __future__ import annotations

from typing import TypedDict

from dcaas_client._call import Call, model, query, seg
from dcaas_client.models.audits import AuditEvent, AuditEvents, AuditNames

AUDITS = "/api/v1/audits"


class AuditQuery(TypedDict, total=False):
    """Qlik's filters: ``eventTime`` is ``start/end`` (ISO 8601), ``sort`` ``-eventTime``..."""

    eventType: str
    eventTime: str
    source: str
    userId: str
    id: str
    sort: str
    limit: int


def list_(q: AuditQuery) -> Call[AuditEvents]:
    return Call("GET", AUDITS, model(AuditEvents), params=query(**q))


def get(event_id: str) -> Call[AuditEvent]:
    return Call("GET", f"{AUDITS}/{seg(event_id)}", model(AuditEvent))


def names(which: str) -> Call[AuditNames]:
    return Call("GET", f"{AUDITS}/{which}", model(AuditNames))
