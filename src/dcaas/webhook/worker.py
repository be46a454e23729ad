"""The delivery worker: claim, post with nothing held, record.

Each round: a short write claims due deliveries under a lease (``claim`` token, attempt
counted) and commits; the POSTs run with no transaction or connection held; each outcome is
recorded in a short write that only lands if the claim still holds. A worker that dies
mid-round leaves its claims to expire: another worker (or this one after a restart) retries
them, under the same event id. So a delivery is sent at least once, and two workers never
send the same attempt at once (the lease outlives the POST's timeout).

Retries back off exponentially with full jitter; a delivery out of attempts fails for good,
and a webhook whose deliveries keep failing is disabled, with a
``com.qlik.v1.webhook.disabled`` event for the tenant's other webhooks.
"""

from __future__ import annotations

import asyncio
import logging
import random
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx

from dcaas.connectors.drivers.http import outbound_client
from dcaas.kit.ids import new_uuid
from dcaas.kit.outbound import HostNotFound, OutboundRefused
from dcaas.kit.time import utcnow
from dcaas.webhook import signing, wake
from dcaas.webhook.catalog import WEBHOOK_DISABLED
from dcaas.webhook.models import Attempt, Delivery, Webhook
from dcaas.webhook.outbox import enqueue
from dcaas.webhook.repository import Outbox
from dcaas.webhook.vault import open_sealed

if TYPE_CHECKING:
    from dcaas.config import Settings
    from dcaas.kit.crypto import Envelope
    from dcaas.kit.db import Store

log = logging.getLogger("dcaas.webhook")
BODY_LIMIT = 2048  # characters of a receiver's answer kept with an attempt
BATCH = 16
PRUNE_EVERY = 3600.0  # seconds between two prunings of the delivery history


@dataclass(frozen=True)
class Outcome:
    ok: bool
    status_code: int | None
    body: str | None
    headers: dict[str, str]
    error: str | None
    duration_ms: int


@dataclass(frozen=True)
class Job:
    """What a claimed delivery needs once the database is released."""

    seq: int
    delivery_id: str
    url: str
    body: bytes
    headers: dict[str, str]
    shown_headers: dict[str, str]
    secrets: tuple[str, ...]  # scrubbed from whatever the receiver answers


@dataclass(frozen=True)
class DisabledEvent:
    """The event a webhook's disabling produces (a :class:`~.outbox.WebhookEvent`)."""

    id: str
    type: str
    time: datetime
    tenant_id: str
    object_type: str | None
    object_id: str | None
    outcome: str | None
    data: dict[str, Any] | None
    actor_id: str | None


def backoff(settings: Settings, attempt: int) -> float:
    """Seconds before attempt ``attempt + 1``: doubling from the base, capped, full jitter
    over the upper half (so retries of many deliveries spread out)."""
    delay = min(
        settings.webhook_backoff_max_seconds, settings.webhook_backoff_seconds * 2 ** (attempt - 1)
    )
    return random.uniform(delay / 2, delay)  # noqa: S311 - jitter, not a secret


class Worker:
    """Delivers the outbox of one store; one per process (``run`` in the app's lifespan)."""

    def __init__(
        self,
        store: Store,
        envelope: Envelope,
        settings: Settings,
        *,
        name: str | None = None,
    ) -> None:
        self.store = store
        self.envelope = envelope
        self.settings = settings
        self.name = name or secrets.token_hex(4)
        self.sent = 0  # attempts this worker made (for tests and logs)

    def _client(self) -> httpx.AsyncClient:
        timeout = self.settings.webhook_timeout
        return outbound_client(
            self.settings.outbound,
            connect_timeout=min(timeout, self.settings.connector_connect_timeout),
            total_timeout=timeout,
            follow_redirects=False,
        )

    async def run(self, stop: asyncio.Event) -> None:
        """Rounds until ``stop`` is set; a round that fails (the database is down) is logged
        and the next one tries again."""
        pruned_at = 0.0
        async with self._client() as client:
            while not stop.is_set():
                try:
                    if time.monotonic() - pruned_at > PRUNE_EVERY:
                        pruned_at = time.monotonic()
                        await self.prune()
                    busy = await self.round(client)
                except Exception:
                    log.exception("webhook worker round failed; retrying")
                    busy = 0
                if busy:
                    continue
                await _idle(stop, self.settings.webhook_poll_seconds)

    async def prune(self) -> int:
        """Forget finished deliveries older than ``DCAAS_WEBHOOK_HISTORY_DAYS``."""
        before = utcnow() - timedelta(days=self.settings.webhook_history_days)
        async with self.store.write() as session:
            return await Outbox(session).prune(before)

    async def run_once(self) -> int:
        """One round with a client of its own (tests, commands)."""
        async with self._client() as client:
            return await self.round(client)

    async def round(self, client: httpx.AsyncClient) -> int:
        claim = f"{self.name}:{new_uuid()}"
        jobs = await self._claim(claim)
        if not jobs:
            return 0
        outcomes = await asyncio.gather(*(self._post(client, job) for job in jobs))
        self.sent += len(jobs)
        await self._record_all(claim, jobs, outcomes)
        return len(jobs)

    async def _claim(self, claim: str) -> list[Job]:
        now = utcnow()
        lease = now + timedelta(seconds=self.settings.webhook_lease_seconds)
        async with self.store.read() as session:
            if not await Outbox(session).any_due(now):
                return []
        async with self.store.write() as session:
            claimed = await Outbox(session).claim(
                now=now, lease_until=lease, claim=claim, limit=BATCH
            )
            prepared = [(d.seq, d.id, d.event, w) for d, w in claimed]
        # The database is released: open the sealed secrets (a KMS may be called) and build.
        return [self._job(seq, did, event, hook) for seq, did, event, hook in prepared]

    def _job(self, seq: int, delivery_id: str, event: dict[str, Any], hook: Webhook) -> Job:
        body, kind = signing.body_of(event, cloud_events=hook.cloud_events)
        sealed = open_sealed(self.envelope, hook)
        sent, shown = signing.request_headers(
            content_type=kind, body=body, plain=dict(hook.headers or {}), sealed=sealed
        )
        return Job(seq, delivery_id, hook.url, body, sent, shown, signing.secrets_of(sealed))

    async def _record_all(self, claim: str, jobs: list[Job], outcomes: list[Outcome]) -> None:
        """The round's outcomes in one short write, each only while its claim holds."""
        async with self.store.write() as session:
            outbox = Outbox(session)
            for job, outcome in zip(jobs, outcomes, strict=True):
                held = await outbox.held(job.seq, claim)
                if held is None:  # the lease ran out and another worker took it over
                    log.warning("delivery %s: claim lost before its outcome", job.delivery_id)
                    continue
                delivery, hook = held
                await self._record(session, delivery, hook, job, _scrubbed(outcome, job.secrets))

    async def _post(self, client: httpx.AsyncClient, job: Job) -> Outcome:
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self.settings.webhook_timeout):
                res = await client.post(job.url, content=job.body, headers=job.headers)
                text = (await res.aread())[: BODY_LIMIT * 4].decode("utf-8", "replace")
        except (OutboundRefused, HostNotFound) as exc:
            return Outcome(
                ok=False,
                status_code=None,
                body=None,
                headers={},
                error=str(exc)[:500],
                duration_ms=_ms(started),
            )
        except (httpx.HTTPError, TimeoutError, OSError) as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
            return Outcome(
                ok=False,
                status_code=None,
                body=None,
                headers={},
                error=error,
                duration_ms=_ms(started),
            )
        return Outcome(
            200 <= res.status_code < 300,  # noqa: PLR2004
            res.status_code,
            text[:BODY_LIMIT],
            {k: v for k, v in res.headers.items() if k.lower() != "set-cookie"},
            None,
            _ms(started),
        )

    async def _record(
        self, session: Any, delivery: Delivery, hook: Webhook, job: Job, outcome: Outcome
    ) -> None:
        now = utcnow()
        session.add(
            Attempt(
                tenant_id=delivery.tenant_id,
                delivery_id=delivery.id,
                number=delivery.attempts,
                attempted_at=now,
                outcome="success" if outcome.ok else "fail",
                status_code=outcome.status_code,
                response_body=outcome.body,
                error=outcome.error,
                duration_ms=outcome.duration_ms,
            )
        )
        delivery.url = job.url
        delivery.request_headers = job.shown_headers
        delivery.request_body = job.body.decode()
        delivery.response_status = outcome.status_code
        delivery.response_headers = outcome.headers
        delivery.response_body = outcome.body
        delivery.lease_until = None
        delivery.claim = None
        if outcome.ok:
            delivery.status = "success"
            delivery.status_message = f"delivered on attempt {delivery.attempts}"
            hook.failures = 0
        elif delivery.attempts >= self.settings.webhook_max_attempts:
            delivery.status = "fail"
            delivery.status_message = _failure(outcome, final=True)
            await self._failed_for_good(session, hook, now)
        else:
            delivery.status_message = _failure(outcome, final=False)
            delivery.next_attempt_at = now + timedelta(
                seconds=backoff(self.settings, delivery.attempts)
            )
        await session.flush()

    async def _failed_for_good(self, session: Any, hook: Webhook, now: datetime) -> None:
        hook.failures += 1
        if not hook.enabled or hook.failures < self.settings.webhook_disable_after:
            return
        hook.enabled = False
        hook.disabled_reason_code = "DELIVERY_FAILED"
        hook.disabled_reason = (
            f"{hook.failures} deliveries in a row failed after "
            f"{self.settings.webhook_max_attempts} attempts each"
        )
        hook.updated_at = now
        await session.flush()
        log.warning("webhook %s disabled: %s", hook.id, hook.disabled_reason)
        await enqueue(
            session,
            DisabledEvent(
                id=new_uuid(),
                type=WEBHOOK_DISABLED,
                time=now,
                tenant_id=hook.tenant_id,
                object_type="webhook",
                object_id=hook.id,
                outcome="disabled",
                data={"name": hook.name, "reasonCode": hook.disabled_reason_code},
                actor_id=None,
            ),
        )


async def _idle(stop: asyncio.Event, seconds: float) -> None:
    """Until the poll interval ends, ``stop`` is set, or this process commits new
    deliveries (:mod:`.wake`): then the next round starts at once."""
    stopping = asyncio.ensure_future(stop.wait())
    with wake.listening() as woken:
        waking = asyncio.ensure_future(woken.wait())
        try:
            await asyncio.wait({stopping, waking}, timeout=seconds, return_when="FIRST_COMPLETED")
        finally:
            stopping.cancel()
            waking.cancel()


def _scrubbed(outcome: Outcome, secrets: tuple[str, ...]) -> Outcome:
    """The outcome as recorded: a receiver that echoes a header or the secret back does not
    get it stored."""
    return Outcome(
        ok=outcome.ok,
        status_code=outcome.status_code,
        body=signing.scrub(outcome.body, secrets),
        headers={k: signing.scrub(v, secrets) or "" for k, v in outcome.headers.items()},
        error=signing.scrub(outcome.error, secrets),
        duration_ms=outcome.duration_ms,
    )


def _failure(outcome: Outcome, *, final: bool) -> str:
    what = f"HTTP {outcome.status_code}" if outcome.status_code is not None else outcome.error
    return f"{what}; {'no attempts left' if final else 'will retry'}"[:512]


def _ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)
