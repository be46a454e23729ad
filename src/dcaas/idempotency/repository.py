from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, and_

from dcaas.idempotency.models import IdempotencyRecord
from dcaas.kit.repository import RepositoryBase

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncSession

    from dcaas.kit.crypto import Sealed


def _sealed(sealed: Sealed) -> dict[str, Any]:
    return {
        "ciphertext": sealed.ciphertext,
        "wrapped_key": sealed.wrapped_key,
        "key_id": sealed.key_id,
    }


class IdempotencyRepository(RepositoryBase[IdempotencyRecord]):
    """One user's keys: every query starts from the tenant scope and ``user_id``."""

    model = IdempotencyRecord

    def __init__(self, session: AsyncSession, tenant_id: str, user_id: str) -> None:
        super().__init__(session, tenant_id)
        self.user_id = user_id

    def readable_clause(self) -> ColumnElement[bool]:
        return and_(self.scope(), IdempotencyRecord.user_id == self.user_id)

    async def get(self, key: str) -> IdempotencyRecord | None:
        stmt = self.readable().where(IdempotencyRecord.key == key)
        # Polled while another request holds the key: always read the row afresh.
        found: IdempotencyRecord | None = await self.session.scalar(
            stmt.execution_options(populate_existing=True)
        )
        return found

    async def take_over(
        self,
        record_id: str,
        *,
        old_claim: str,
        new_claim: str,
        sealed: Sealed,
        now: datetime,
        expires_at: datetime,
    ) -> bool:
        """Claim an expired or abandoned record, unless someone else just did."""
        mine = (IdempotencyRecord.id == record_id, IdempotencyRecord.claim == old_claim)
        fresh = {"claim": new_claim, "done": False, "claimed_at": now, "expires_at": expires_at}
        stmt = (
            self.updating()
            .where(*mine)
            .values(**fresh, **_sealed(sealed))
            .execution_options(synchronize_session=False)
        )
        return bool((await self.session.execute(stmt)).rowcount)  # type: ignore[attr-defined]

    async def complete(self, record_id: str, claim: str, sealed: Sealed) -> bool:
        """Store the answer, if this attempt still holds the claim."""
        mine = (
            IdempotencyRecord.id == record_id,
            IdempotencyRecord.claim == claim,
            IdempotencyRecord.done.is_(False),
        )
        stmt = (
            self.updating()
            .where(*mine)
            .values(done=True, **_sealed(sealed))
            .execution_options(synchronize_session=False)
        )
        return bool((await self.session.execute(stmt)).rowcount)  # type: ignore[attr-defined]

    async def release(self, record_id: str, claim: str) -> None:
        mine = (
            IdempotencyRecord.id == record_id,
            IdempotencyRecord.claim == claim,
            IdempotencyRecord.done.is_(False),
        )
        stmt = self.deleting().where(*mine)
        await self.session.execute(stmt.execution_options(synchronize_session=False))

    async def purge_expired(self, now: datetime) -> None:
        stmt = self.deleting().where(IdempotencyRecord.expires_at < now)
        await self.session.execute(stmt.execution_options(synchronize_session=False))
