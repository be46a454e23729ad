"""Webhooks of a tenant, for its admins: validation, the keep-or-drop rule for sealed
headers, and the deliveries' history.

One rule about secrets lives here (:func:`sealed_after`): a webhook's ``encryptedHeaders``
are sent only to the URL they were entered for. A change of URL drops them unless the same
change enters them again (as Qlik documents); the ``secret`` only signs and stays.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from pydantic import ValidationError

from dcaas.errors import Code, Forbidden, NotFound, ValidationFailed
from dcaas.kit.ids import is_uuid, new_uuid
from dcaas.kit.outbound import HostNotFound, OutboundRefused
from dcaas.kit.time import utcnow
from dcaas.kit.validation import validation_failed
from dcaas.webhook.catalog import unknown
from dcaas.webhook.filtering import checked
from dcaas.webhook.models import Delivery, Webhook
from dcaas.webhook.repository import DeliveryRepository, WebhookRepository
from dcaas.webhook.schemas import MAX_HEADER_BYTES, WebhookIn
from dcaas.webhook.vault import open_sealed, seal_into

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy.ext.asyncio import AsyncSession

    from dcaas.auth.principal import Principal
    from dcaas.kit.crypto import Envelope
    from dcaas.kit.jsonpatch import PatchOp
    from dcaas.kit.outbound import OutboundPolicy
    from dcaas.kit.paging import Cursor, Sort
    from dcaas.webhook.models import Attempt

_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$")
_RESERVED = {"content-type", "content-length", "host", "qlik-signature", "transfer-encoding"}
PATCHABLE = {
    "/name": "name",
    "/description": "description",
    "/url": "url",
    "/eventTypes": "eventTypes",
    "/headers": "headers",
    "/enabled": "enabled",
    "/secret": "secret",
    "/encryptedHeaders": "encryptedHeaders",
    "/enableCloudEventDelivery": "enableCloudEventDelivery",
}


def require_admin(principal: Principal) -> None:
    if not principal.is_admin:
        raise Forbidden("managing webhooks needs the tenant admin role", code=Code.ADMIN_REQUIRED)


@dataclass(frozen=True)
class Draft:
    """A webhook as a create, PUT or PATCH would leave it. Sealed parts: ``secret`` (None
    with ``keep_secret``: as stored), new ``encrypted`` headers, and the names of stored
    ones to keep (kept only while the URL stays the same)."""

    fields: dict[str, Any]
    secret: str | None = None
    keep_secret: bool = False
    encrypted: dict[str, str] = field(default_factory=dict)
    keep_encrypted: tuple[str, ...] = ()

    @property
    def url(self) -> str:
        return str(self.fields["url"])


def _bad(detail: str, name: str) -> ValidationFailed:
    return ValidationFailed(detail, field=name, code=Code.WEBHOOK_INVALID)


def _check_url(url: str) -> None:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise _bad("url is not a valid URL", "url") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _bad("url must be an http(s) URL with a host", "url")
    if parts.username or parts.password:
        raise _bad("url must not carry credentials; use encryptedHeaders", "url")
    del port


def _check_headers(plain: dict[str, str], encrypted: dict[str, str] | list[str]) -> None:
    seen: set[str] = set()
    for where, names, size in (
        ("headers", list(plain), sum(len(k) + len(v) for k, v in plain.items())),
        (
            "encryptedHeaders",
            list(encrypted),
            sum(len(k) + len(v) for k, v in encrypted.items())
            if isinstance(encrypted, dict)
            else 0,
        ),
    ):
        if size > MAX_HEADER_BYTES:
            raise _bad(f"{where} may hold at most {MAX_HEADER_BYTES} bytes", where)
        for name in names:
            if not _TOKEN.match(name) or name.lower() in _RESERVED:
                raise _bad(f"{name!r} cannot be a header of a delivery", where)
            if name.lower() in seen:
                raise _bad(
                    f"the header {name!r} is given twice (names are case-insensitive)", where
                )
            seen.add(name.lower())
    values = list(plain.values()) + (
        list(encrypted.values()) if isinstance(encrypted, dict) else []
    )
    if any(set(v) & {"\r", "\n", "\0"} for v in values):
        raise _bad("a header value cannot contain line breaks", "headers")


def draft_of(body: WebhookIn, existing: Webhook | None = None) -> Draft:
    """Check a create or PUT body; PUT clears what it omits (Qlik's semantics), except that
    ``encryptedHeaders`` given as names (a GET answer sent back) keeps those values."""
    if bad := unknown(body.eventTypes):
        raise _bad("unknown event types: " + ", ".join(bad[:5]), "eventTypes")
    _check_url(body.url)
    if body.level != "tenant" or body.ownerId:
        raise _bad("dcaas webhooks are tenant-level, managed by tenant admins", "level")
    if body.checkCertificateRevocation:
        raise _bad(
            "checkCertificateRevocation is not supported; TLS certificates are verified "
            "against the system's trust store",
            "checkCertificateRevocation",
        )
    if body.filter:
        checked(body.filter)
    encrypted = body.encryptedHeaders or {}
    _check_headers(body.headers, encrypted)
    if existing is not None and existing.cloud_events and not body.enableCloudEventDelivery:
        raise _bad(
            "enableCloudEventDelivery cannot be turned off once on", "enableCloudEventDelivery"
        )
    fields = {
        "name": body.name,
        "description": body.description,
        "url": body.url,
        "event_types": list(dict.fromkeys(body.eventTypes)),
        "headers": dict(body.headers),
        "enabled": body.enabled,
        "cloud_events": body.enableCloudEventDelivery,
        "check_certificate_revocation": body.checkCertificateRevocation,
        "filter": body.filter,
        "level": body.level,
    }
    if existing is None:
        fields["origin"] = body.origin or "api"
    if isinstance(encrypted, list):
        return Draft(fields, secret=body.secret, keep_encrypted=tuple(encrypted))
    return Draft(fields, secret=body.secret, encrypted=dict(encrypted))


def patched(hook: Webhook, ops: list[PatchOp]) -> Draft:
    """A PATCH (Qlik's paths only) as a draft; what it does not touch stays as stored."""
    doc: dict[str, Any] = {
        "name": hook.name,
        "description": hook.description,
        "url": hook.url,
        "eventTypes": list(hook.event_types),
        "headers": dict(hook.headers),
        "enabled": hook.enabled,
        "enableCloudEventDelivery": hook.cloud_events,
        "checkCertificateRevocation": hook.check_certificate_revocation,
        "filter": hook.filter,
        "level": hook.level,
        "encryptedHeaders": list(hook.encrypted_header_names),
    }
    keep_secret = True
    for op in ops:
        name = PATCHABLE.get(op.path)
        if name is None:
            raise _bad(f"{op.path} cannot be patched; use one of {', '.join(PATCHABLE)}", "path")
        if name in ("name", "url", "enabled", "enableCloudEventDelivery") and op.op == "remove":
            raise _bad(f"{op.path} cannot be removed", name)
        if name == "secret":
            keep_secret = False
            doc["secret"] = None if op.op == "remove" else op.value
        elif name == "encryptedHeaders":
            doc[name] = {} if op.op == "remove" else op.value
        elif op.op == "remove":
            doc[name] = {"description": "", "eventTypes": [], "headers": {}}[name]
        else:
            doc[name] = op.value
    draft = draft_of(_parse(doc), hook)
    return replace(draft, keep_secret=keep_secret)


def _parse(doc: dict[str, Any]) -> WebhookIn:
    try:
        return WebhookIn.model_validate(doc)
    except ValidationError as exc:
        raise validation_failed(exc.errors(include_url=False, include_input=False)) from None


async def check_destination(policy: OutboundPolicy, url: str) -> None:
    """The URL's host through the connectors' outbound policy (a network call: run it with
    no transaction open). Refused or unknown hosts are a 400."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        await policy.resolve(host, parts.port or (443 if parts.scheme == "https" else 80))
    except OutboundRefused as exc:
        raise ValidationFailed(
            str(exc), field="url", code=Code.WEBHOOK_URL_REFUSED, title="URL refused"
        ) from None
    except HostNotFound as exc:
        raise ValidationFailed(
            str(exc), field="url", code=Code.WEBHOOK_URL_REFUSED, title="URL refused"
        ) from None


def sealed_after(old: dict[str, Any], draft: Draft, *, same_url: bool) -> dict[str, Any]:
    """What a webhook keeps sealed after a change (see the module docstring)."""
    secret = old.get("secret") if draft.keep_secret else draft.secret
    kept = {
        k: v
        for k, v in dict(old.get("encryptedHeaders") or {}).items()
        if same_url and k in draft.keep_encrypted
    }
    return {"secret": secret, "encryptedHeaders": {**kept, **draft.encrypted}}


class WebhookService:
    def __init__(self, session: AsyncSession, principal: Principal, envelope: Envelope) -> None:
        require_admin(principal)
        self.session = session
        self.principal = principal
        self.envelope = envelope
        self.repo = WebhookRepository(session, principal.tenant_id)
        self.deliveries = DeliveryRepository(session, principal.tenant_id)

    async def get(self, webhook_id: str) -> Webhook:
        hook = await self.repo.get(webhook_id) if is_uuid(webhook_id) else None
        if hook is None:
            raise NotFound(f"webhook {webhook_id} not found", code=Code.WEBHOOK_NOT_FOUND)
        return hook

    async def page(
        self, filters: dict[str, Any], *, sort: Sort, cursor: Cursor | None, limit: int
    ) -> Sequence[Webhook]:
        return await self.repo.page(filters, sort=sort, cursor=cursor, limit=limit)

    async def create(self, draft: Draft) -> Webhook:
        now = utcnow()
        hook = Webhook(
            tenant_id=self.principal.tenant_id,
            created_by_user_id=self.principal.user_id,
            updated_by_user_id=self.principal.user_id,
            created_at=now,
            updated_at=now,
            failures=0,
            **draft.fields,
        )
        hook.id = new_uuid()  # before sealing: the sealed parts are bound to it
        self._seal(hook, sealed_after({}, draft, same_url=False))
        return await self.repo.add(hook)

    async def update(self, webhook_id: str, draft: Draft) -> Webhook:
        hook = await self.get(webhook_id)
        old = open_sealed(self.envelope, hook)
        sealed = sealed_after(old, draft, same_url=hook.url == draft.url)
        was_enabled = hook.enabled
        for name, value in draft.fields.items():
            setattr(hook, name, value)
        if hook.enabled and not was_enabled:  # enabled again: a fresh count, no old reason
            hook.failures = 0
            hook.disabled_reason = hook.disabled_reason_code = None
        hook.updated_at = utcnow()
        hook.updated_by_user_id = self.principal.user_id
        self._seal(hook, sealed)
        await self.session.flush()
        return hook

    def _seal(self, hook: Webhook, sealed: dict[str, Any]) -> None:
        seal_into(self.envelope, hook, sealed)
        hook.secret_added = bool(sealed.get("secret"))
        hook.encrypted_header_names = sorted(sealed.get("encryptedHeaders") or {})

    async def delete(self, webhook_id: str) -> None:
        await self.repo.remove(await self.get(webhook_id))

    async def delivery_page(
        self,
        webhook_id: str,
        filters: dict[str, Any],
        *,
        sort: Sort,
        cursor: Cursor | None,
        limit: int,
    ) -> Sequence[Delivery]:
        await self.get(webhook_id)
        return await self.deliveries.page(
            webhook_id, filters, sort=sort, cursor=cursor, limit=limit
        )

    async def delivery(
        self, webhook_id: str, delivery_id: str
    ) -> tuple[Delivery, Sequence[Attempt]]:
        await self.get(webhook_id)
        found = await self.deliveries.get(webhook_id, delivery_id) if is_uuid(delivery_id) else None
        if found is None:
            raise NotFound(
                f"delivery {delivery_id} not found", code=Code.WEBHOOK_DELIVERY_NOT_FOUND
            )
        return found, await self.deliveries.attempts(found.id)

    async def resend(self, webhook_id: str, delivery_id: str) -> Delivery:
        """A new delivery of the same event (same event id and body) to the webhook."""
        original, _ = await self.delivery(webhook_id, delivery_id)
        now = utcnow()
        again = Delivery(
            tenant_id=original.tenant_id,
            webhook_id=original.webhook_id,
            event_id=original.event_id,
            event_type=original.event_type,
            object_key=original.object_key,
            event=original.event,
            status="pending",
            attempts=0,
            next_attempt_at=now,
            triggered_at=now,
        )
        return await self.deliveries.add(again)
