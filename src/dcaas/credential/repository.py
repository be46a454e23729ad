from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, and_

from dcaas.credential.models import Credential
from dcaas.kit.listing import Keyset
from dcaas.kit.repository import RepositoryBase

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from sqlalchemy import Select
    from sqlalchemy.ext.asyncio import AsyncSession

    from dcaas.kit.crypto import Sealed

KEYSET = Keyset(
    {
        "qName": Credential.name,
        "created": Credential.created,
        "updated": Credential.updated,
        "_id": Credential.id,
    },
    Credential.id,
)
SORT_FIELDS = KEYSET.sort_fields


class CredentialRepository(RepositoryBase[Credential]):
    """Credentials of one tenant. ``owner_id`` narrows to one user's (None: all, for admins)."""

    model = Credential

    def __init__(self, session: AsyncSession, tenant_id: str, owner_id: str | None) -> None:
        super().__init__(session, tenant_id)
        self.owner_id = owner_id

    def readable_clause(self) -> ColumnElement[bool]:
        if self.owner_id is None:
            return self.scope()
        return and_(self.scope(), Credential.owner_id == self.owner_id)

    async def get(self, credential_id: str) -> Credential | None:
        return await self.one(self.readable().where(Credential.id == credential_id))

    async def by_name(self, name: str) -> Credential | None:
        stmt = self.readable().where(Credential.name == name)
        return await self.one(stmt.order_by(Credential.created).limit(1))

    async def get_any_owner(self, credential_id: str) -> Credential | None:
        """Tenant-scoped only: a shared connection's embedded credential, for its users."""
        return await self.one(self.scoped(Credential).where(Credential.id == credential_id))

    async def get_fresh(self, credential_id: str) -> Credential | None:
        """Tenant-scoped only, read anew (not the session's copy): a token refresh compares
        its ciphertext when it writes back (:meth:`replace_sealed`)."""
        stmt = self.scoped(Credential).where(Credential.id == credential_id)
        return await self.one(stmt.execution_options(populate_existing=True))

    async def replace_sealed(
        self, credential_id: str, *, read: bytes, sealed: Sealed, now: datetime
    ) -> bool:
        """Store a re-sealed payload, unless the credential changed since ``read`` was read."""
        result = await self.session.execute(
            self.updating()
            .where(Credential.id == credential_id, Credential.ciphertext == read)
            .values(
                ciphertext=sealed.ciphertext,
                wrapped_key=sealed.wrapped_key,
                key_id=sealed.key_id,
                updated=now,
            )
            .execution_options(synchronize_session=False)
        )
        return getattr(result, "rowcount", 0) == 1

    async def orphans(
        self,
        *,
        in_use: Select[tuple[str | None]],
        q_type: str | None,
        data_source_id: str | None,
        separated: bool | None,
    ) -> Sequence[Credential]:
        """The credentials whose id is not among ``in_use`` (from the connections' side)."""
        stmt = self.readable().where(Credential.id.not_in(in_use))
        if q_type:
            stmt = stmt.where(Credential.q_type == q_type)
        if data_source_id:
            stmt = stmt.where(Credential.data_source_id == data_source_id)
        if separated is not None:
            stmt = stmt.where(Credential.separated == separated)
        return await self.all(stmt.order_by(Credential.created, Credential.id))
