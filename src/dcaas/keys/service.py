"""Key rotation: add a key-encryption key, re-wrap every data key under it, retire the old.

Re-wrapping changes only the wrapped data key and key id of a record; its ciphertext stays.
It walks each sealed table in id order, in batches, each batch read in one short transaction
and written in another, selecting only records whose key is not the active one. Being
interrupted therefore loses nothing: records already moved stay moved and the next run
picks up the rest. A record updated by the API meanwhile is re-sealed by the server with a
fresh data key; the conditional write sees that and leaves the newer value alone.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dcaas.audit import types as events
from dcaas.audit.service import emit
from dcaas.credential.vault import record_aad
from dcaas.keys.repository import SEALED_TABLES, SealedRow, SealedRows, SealedTable
from dcaas.kit.crypto import DecryptionError, KeyAdmin, KeyProvider
from dcaas.kit.db import transaction
from dcaas.kit.keyfile import KeyAdminError, KeyRing

if TYPE_CHECKING:
    from collections.abc import Callable

Sessions = async_sessionmaker[AsyncSession]
_MAX_PASSES = 5


@dataclass(frozen=True)
class KeyStatus:
    """One key id: ``active``, ``available`` (readable), ``retired``, or ``missing`` (records
    point at it but the provider does not know it), and how many records it protects."""

    key_id: str
    state: str
    records: int


@dataclass
class RewrapProgress:
    moved: int = 0
    changed_meanwhile: int = 0
    failed: int = 0
    remaining: int = 0


@dataclass(frozen=True)
class RewrapOptions:
    batch_size: int = 200
    pause: float = 0.0
    on_batch: Callable[[RewrapProgress], None] | None = None
    # Called once before the walk with the number of records not on the active key.
    on_start: Callable[[int], None] | None = None


async def record_counts(sessions: Sessions) -> dict[str, int]:
    async with transaction(sessions) as session:
        return await SealedRows(session).counts()


async def status(sessions: Sessions, admin: KeyAdmin) -> list[KeyStatus]:
    """Every key the ring lists (active first), then key ids only the records know."""
    ring = admin.ring()
    counts = await record_counts(sessions)
    out = [KeyStatus(ring.active, "active", counts.pop(ring.active, 0))]
    out += [KeyStatus(k, "available", counts.pop(k, 0)) for k in ring.keys if k != ring.active]
    out += [KeyStatus(k, "retired", counts.pop(k, 0)) for k in ring.retired]
    out += [KeyStatus(k, "missing", n) for k, n in sorted(counts.items())]
    return out


async def pending(sessions: Sessions, active: str) -> int:
    """Records whose data key is not wrapped by the active key."""
    return sum(n for k, n in (await record_counts(sessions)).items() if k != active)


async def rotate(
    sessions: Sessions,
    provider: KeyProvider,
    admin: KeyAdmin,
    *,
    new_key: str | None = None,
    force: bool = False,
    options: RewrapOptions | None = None,
) -> tuple[str | None, RewrapProgress]:
    """Add a new active key unless an unfinished rotation is pending (then only resume it),
    then re-wrap. Returns the added key id (None when resumed) and the re-wrap tally."""
    added = None
    if force or new_key is not None or await pending(sessions, admin.ring().active) == 0:
        added = admin.add_key(new_key)
    progress = await rewrap(sessions, provider, options or RewrapOptions())
    data = {"keyId": admin.ring().active, "added": added is not None, "moved": progress.moved}
    await _record(sessions, events.KEY_ROTATED, admin.ring().active, data)
    return added, progress


async def _record(sessions: Sessions, type_: str, key_id: str, data: dict[str, object]) -> None:
    """The operator's key change in the audit trail (an event of the whole installation:
    no tenant). The key ring lives outside the store, so it follows the change."""
    async with transaction(sessions) as session:
        emit(session, type_, object_type="encryption-key", object_id=key_id, data=data)


async def rewrap(
    sessions: Sessions, provider: KeyProvider, options: RewrapOptions
) -> RewrapProgress:
    """Move every record onto the active key; repeat passes while they make progress."""
    progress = RewrapProgress()
    if options.on_start is not None:
        options.on_start(await pending(sessions, provider.active_key_id))
    for _ in range(_MAX_PASSES):
        before = progress.moved
        for table in SEALED_TABLES:
            await _rewrap_table(sessions, provider, table, progress, options)
        progress.remaining = await pending(sessions, provider.active_key_id)
        if progress.remaining == 0 or progress.moved == before:
            break
    return progress


async def _rewrap_table(
    sessions: Sessions,
    provider: KeyProvider,
    table: SealedTable,
    progress: RewrapProgress,
    options: RewrapOptions,
) -> None:
    after = ""
    while True:
        active = provider.active_key_id
        async with transaction(sessions) as session:
            rows = await SealedRows(session).not_on(
                table, active, after=after, limit=options.batch_size
            )
        if not rows:
            return
        rewrapped = [_rewrap_row(provider, row, progress) for row in rows]
        async with transaction(sessions) as session:
            repo = SealedRows(session)
            for row, new in zip(rows, rewrapped, strict=True):
                if new is None:
                    continue
                if await repo.swap_wrapped_key(row, *new):
                    progress.moved += 1
                else:
                    progress.changed_meanwhile += 1
        after = rows[-1].id
        if options.on_batch is not None:
            options.on_batch(progress)
        if options.pause:
            await asyncio.sleep(options.pause)


def _rewrap_row(
    provider: KeyProvider, row: SealedRow, progress: RewrapProgress
) -> tuple[str, bytes] | None:
    aad = record_aad(row.table.kind, row.tenant_id, row.id)
    try:
        return provider.rewrap(row.key_id, row.wrapped_key, aad=aad)
    except DecryptionError:
        # A record whose key is gone or whose wrapped key is damaged: counted, left as it is.
        progress.failed += 1
        return None


async def retire(sessions: Sessions, admin: KeyAdmin, key_id: str) -> None:
    """Retire a key no record uses any more; refuses the active key and keys still in use."""
    ring: KeyRing = admin.ring()
    if key_id == ring.active:
        raise KeyAdminError(f"key {key_id} is active; rotate to a new key first")
    in_use = (await record_counts(sessions)).get(key_id, 0)
    if in_use:
        raise KeyAdminError(
            f"key {key_id} still protects {in_use} records; run 'dcaas keys rewrap' first"
        )
    admin.retire(key_id)
    await _record(sessions, events.KEY_RETIRED, key_id, {"keyId": key_id})
