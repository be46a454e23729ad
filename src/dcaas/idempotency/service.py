"""Idempotency-Key: a retried POST gets its first answer instead of doing the work twice.

The key is claimed first, in a short transaction of its own, so a concurrent duplicate on
any replica sees it; a failed request's claim is released in another. The answer is stored
in the request's own transaction, together with the work it answers for: either both commit
or neither does. So a claim whose request died (the process crashed) never hides committed
work, and may be taken over once it is stale. The answer is sealed with a data key wrapped
when the key is claimed: storing it calls no key provider inside the transaction.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import IntegrityError

from dcaas.errors import Code, Conflict, UnprocessableContent
from dcaas.idempotency.models import IdempotencyRecord
from dcaas.idempotency.repository import IdempotencyRepository
from dcaas.kit.crypto import DataKey, DecryptionError, Sealed
from dcaas.kit.ids import new_uuid
from dcaas.kit.time import utcnow

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from dcaas.auth.principal import Principal
    from dcaas.kit.crypto import Envelope
    from dcaas.kit.db import Store

WAIT_FOR_FIRST = 5.0  # seconds a duplicate waits for the first request to finish
_POLL = 0.1
STALE_CLAIM = timedelta(minutes=10)  # no request runs this long; its process died


@dataclass(frozen=True)
class StoredResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "headers": self.headers,
            "body": base64.b64encode(self.body).decode(),
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> StoredResponse:
        headers = [(str(k), str(v)) for k, v in doc["headers"]]
        return cls(int(doc["status"]), headers, base64.b64decode(doc["body"]))


@dataclass(frozen=True)
class Claim:
    """This request holds the key: it runs, then stores its answer under ``token``."""

    record_id: str
    token: str
    fingerprint: str
    answer_key: DataKey  # seals the answer, wrapped before the work starts


def fingerprint(method: str, path: str, query: str, body: bytes) -> str:
    """What makes a retry the same request: method, target and body bytes."""
    digest = hashlib.sha256(f"{method}\n{path}\n{query}\n".encode())
    digest.update(body)
    return digest.hexdigest()


class IdempotencyService:
    def __init__(
        self, store: Store, principal: Principal, envelope: Envelope, ttl: timedelta
    ) -> None:
        self.store = store
        self.principal = principal
        self.envelope = envelope
        self.ttl = ttl

    def _repo(self, session: AsyncSession) -> IdempotencyRepository:
        return IdempotencyRepository(session, self.principal.tenant_id, self.principal.user_id)

    def _aad(self, record_id: str) -> bytes:
        return f"dcaas:idempotency:{self.principal.tenant_id}:{record_id}".encode()

    def _seal(self, record_id: str, doc: dict[str, Any], key: DataKey | None = None) -> Sealed:
        return self.envelope.seal_json(doc, aad=self._aad(record_id), key=key)

    def _open(self, record: IdempotencyRecord) -> dict[str, Any] | None:
        sealed = Sealed(record.ciphertext, record.wrapped_key, record.key_id)
        try:
            doc: dict[str, Any] = self.envelope.open_json(sealed, aad=self._aad(record.id))
        except DecryptionError:
            return None  # sealed under a key we no longer hold: treat it as expired
        return doc

    def _claim(self, record_id: str, token: str, print_: str) -> Claim:
        return Claim(record_id, token, print_, self.envelope.data_key(aad=self._aad(record_id)))

    async def claim(self, key: str, print_: str) -> Claim | StoredResponse:
        """Hold the key (committed at once), or the first answer when there is one."""
        deadline = time.monotonic() + WAIT_FOR_FIRST
        while True:
            outcome = await self._try_claim(key, print_)
            if outcome is not None:
                return outcome
            if time.monotonic() >= deadline:
                raise Conflict(
                    "a request with this Idempotency-Key is still in progress; retry shortly",
                    code=Code.IDEMPOTENCY_KEY_IN_FLIGHT,
                    meta={"header": "Idempotency-Key"},
                    headers={"Retry-After": "1"},
                )
            await asyncio.sleep(_POLL)

    async def _try_claim(self, key: str, print_: str) -> Claim | StoredResponse | None:
        """One attempt, in a short write of its own; None while another request holds it."""
        async with self.store.read() as session:
            record = await self._repo(session).get(key)
        if record is None:
            return await self._insert(key, print_)
        doc = self._open(record)
        if doc is not None and record.expires_at > utcnow():
            if doc["fingerprint"] != print_:
                raise UnprocessableContent(
                    "this Idempotency-Key was used for a different request (method, path or "
                    "body); use a new key for a new request",
                    code=Code.IDEMPOTENCY_KEY_REUSED,
                    meta={"header": "Idempotency-Key"},
                )
            if record.done:
                return StoredResponse.from_json(doc["response"])
            if record.claimed_at > utcnow() - STALE_CLAIM:
                return None
        return await self._take_over(record, print_)

    async def _insert(self, key: str, print_: str) -> Claim | None:
        record_id, token = new_uuid(), new_uuid()
        sealed = self._seal(record_id, {"fingerprint": print_})
        claim = self._claim(record_id, token, print_)
        now = utcnow()
        record = IdempotencyRecord(
            id=record_id,
            tenant_id=self.principal.tenant_id,
            user_id=self.principal.user_id,
            key=key,
            claim=token,
            done=False,
            ciphertext=sealed.ciphertext,
            wrapped_key=sealed.wrapped_key,
            key_id=sealed.key_id,
            claimed_at=now,
            expires_at=now + self.ttl,
        )
        try:
            async with self.store.write() as session:
                repo = self._repo(session)
                await repo.purge_expired(now)
                await repo.add(record)
        except IntegrityError:
            return None  # another request claimed it first: look again
        return claim

    async def _take_over(self, record: IdempotencyRecord, print_: str) -> Claim | None:
        """An expired record, or a claim whose request died: start afresh under it."""
        token = new_uuid()
        sealed = self._seal(record.id, {"fingerprint": print_})
        claim = self._claim(record.id, token, print_)
        now = utcnow()
        async with self.store.write() as session:
            taken = await self._repo(session).take_over(
                record.id,
                old_claim=record.claim,
                new_claim=token,
                sealed=sealed,
                now=now,
                expires_at=now + self.ttl,
            )
        return claim if taken else None

    async def complete(self, session: AsyncSession, claim: Claim, response: StoredResponse) -> None:
        """Store the answer in the request's transaction (it commits with the work)."""
        doc = {"fingerprint": claim.fingerprint, "response": response.to_json()}
        sealed = self._seal(claim.record_id, doc, claim.answer_key)
        if not await self._repo(session).complete(claim.record_id, claim.token, sealed):
            raise Conflict(
                "this request took so long that a retry with its Idempotency-Key took over",
                code=Code.IDEMPOTENCY_KEY_IN_FLIGHT,
                meta={"header": "Idempotency-Key"},
            )

    async def forget(self, session: AsyncSession, claim: Claim) -> None:
        """Drop the claim with the request's transaction: a retry runs the request again."""
        await self._repo(session).release(claim.record_id, claim.token)

    async def release(self, claim: Claim) -> None:
        """The request failed and changed nothing: let a retry run it again (a short write)."""
        async with self.store.write() as session:
            await self._repo(session).release(claim.record_id, claim.token)
