"""Credential records: created with connections, read and managed through /data-credentials."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import IntegrityError

from dcaas.connection.repository import ConnectionRepository
from dcaas.connectors import DataSource, get_data_source
from dcaas.credential.models import Credential
from dcaas.credential.repository import KEYSET, CredentialRepository
from dcaas.credential.vault import open_credential, seal_into
from dcaas.errors import BadRequest, Code, Conflict, NotFound
from dcaas.kit.ids import new_uuid
from dcaas.kit.jsonpatch import PatchOp, apply
from dcaas.kit.paging import Cursor, Page, Sort
from dcaas.kit.scim import FieldKind, FilterField, filter_clause
from dcaas.kit.time import utcnow

if TYPE_CHECKING:
    import builtins

    from sqlalchemy import ColumnElement
    from sqlalchemy.ext.asyncio import AsyncSession

    from dcaas.auth.principal import Principal
    from dcaas.kit.crypto import Envelope

FILTER_FIELDS: dict[str, FilterField] = {
    "qName": FilterField(Credential.name),
    "qType": FilterField(Credential.q_type),
    "datasourceID": FilterField(Credential.data_source_id),
    "created": FilterField(Credential.created, FieldKind.DATETIME),
    "updated": FilterField(Credential.updated, FieldKind.DATETIME),
}


@dataclass(frozen=True)
class CredentialView:
    credential: Credential
    connection_count: int


def credential_payload(
    source: DataSource | None, username: str | None, password: str | None, secrets: dict[str, Any]
) -> dict[str, Any]:
    """Qlik's generic qUsername / qPassword, mapped onto the data source's own properties."""
    payload = dict(secrets)
    if username is not None:
        payload["qUsername"] = username
        if source and source.username_property:
            payload[source.username_property] = username
    if password is not None:
        payload["qPassword"] = password
        if source and source.password_property:
            payload[source.password_property] = password
    return payload


class CredentialService:
    def __init__(self, session: AsyncSession, principal: Principal, envelope: Envelope) -> None:
        self.session = session
        self.principal = principal
        self.envelope = envelope
        owner = None if principal.is_admin else principal.user_id
        self.repo = CredentialRepository(session, principal.tenant_id, owner)
        self.connections = ConnectionRepository(session, principal.tenant_id)

    async def create(
        self,
        *,
        data_source_id: str,
        q_type: str,
        payload: dict[str, Any],
        name: str | None,
        separated: bool,
    ) -> Credential:
        credential = Credential(
            id=new_uuid(),
            tenant_id=self.principal.tenant_id,
            owner_id=self.principal.user_id,
            data_source_id=data_source_id,
            q_type=q_type,
            separated=separated,
        )
        credential.name = name or credential.id
        seal_into(self.envelope, credential, payload)  # before the insert: see kit/db.py
        try:
            # No savepoint: a name conflict fails the request, and its unit of work rolls back.
            return await self.repo.add(credential)
        except IntegrityError:
            raise Conflict(
                f"a credential named {credential.name!r} exists", code=Code.CREDENTIAL_NAME_CONFLICT
            ) from None

    async def rename(self, credential: Credential, name: str) -> None:
        """Give one of the caller's records a new name (unique among their records)."""
        if name == credential.name:
            return
        taken = await self.repo.by_name(name)
        if taken is not None and taken.owner_id == credential.owner_id:
            raise Conflict(
                f"a credential named {name!r} exists", code=Code.CREDENTIAL_NAME_CONFLICT
            )
        credential.name = name
        credential.updated = utcnow()

    def open(self, credential: Credential) -> dict[str, Any]:
        return open_credential(self.envelope, credential)

    def reseal(self, credential: Credential, payload: dict[str, Any]) -> None:
        seal_into(self.envelope, credential, payload)
        credential.updated = utcnow()

    async def find(self, ref: str, *, by_name: bool) -> Credential:
        credential = await (self.repo.by_name(ref) if by_name else self.repo.get(ref))
        if credential is None:
            raise NotFound(f"credential {ref} not found", code=Code.CREDENTIAL_NOT_FOUND)
        return credential

    async def usable(self, credential_id: str) -> Credential:
        """An existing credential a connection may point at: the caller's own, admins included.

        A tenant admin may list and manage every credential, but pointing a connection at
        someone else's would send that user's secrets wherever the connection points.
        """
        credential = await self.repo.get(credential_id)
        if credential is None or credential.owner_id != self.principal.user_id:
            raise NotFound(
                f"credential {credential_id} not found",
                code=Code.CREDENTIAL_NOT_FOUND,
                meta={"field": "qCredentialsID"},
            )
        return credential

    async def view(self, credential: Credential) -> CredentialView:
        counts = await self.connections.credential_counts([credential.id])
        return CredentialView(credential, counts.get(credential.id, 0))

    async def get(self, ref: str, *, by_name: bool) -> CredentialView:
        return await self.view(await self.find(ref, by_name=by_name))

    async def list(
        self, *, filter_text: str | None, sort: Sort, cursor: Cursor | None, limit: int
    ) -> Page[CredentialView]:
        condition: ColumnElement[bool] | None = (
            filter_clause(filter_text, FILTER_FIELDS) if filter_text else None
        )
        rows = await self.repo.page_where(KEYSET, condition, sort=sort, cursor=cursor, limit=limit)
        count = await self.repo.count_where(condition)
        page = KEYSET.assemble(rows, sort=sort, cursor=cursor, limit=limit, count=count)
        counts = await self.connections.credential_counts([c.id for c in page.items])
        return Page(
            [CredentialView(c, counts.get(c.id, 0)) for c in page.items],
            page.next,
            page.prev,
            page.count,
        )

    async def patch(self, ref: str, *, by_name: bool, raw_ops: Any) -> None:
        credential = await self.find(ref, by_name=by_name)
        ops = PatchOp.parse_list(raw_ops)
        payload = self.open(credential)
        doc = {
            "qName": credential.name,
            "qUsername": payload.get("qUsername"),
            "qPassword": payload.get("qPassword"),
        }
        for op in ops:
            if op.tokens[0].lower() not in {"qname", "qusername", "qpassword"}:
                raise BadRequest(
                    f"{op.path} cannot be patched; patchable: /qName, /qUsername, /qPassword",
                    code=Code.INVALID_PATCH,
                    meta={"field": op.path},
                )
        new = apply(doc, ops)
        await self._replace(
            credential, payload, new.get("qName"), new.get("qUsername"), new.get("qPassword")
        )

    async def put(self, ref: str, *, by_name: bool, body: Any) -> None:
        credential = await self.find(ref, by_name=by_name)
        if body.qID and body.qID != credential.id:
            raise BadRequest("qID does not match the credential", meta={"field": "qID"})
        await self._replace(
            credential, self.open(credential), body.qName, body.qUsername, body.qPassword
        )

    async def _replace(
        self,
        credential: Credential,
        payload: dict[str, Any],
        name: Any,
        username: Any,
        password: Any,
    ) -> None:
        if not isinstance(name, str) or not name.strip() or len(name) > 256:  # noqa: PLR2004
            raise BadRequest(
                "qName must be a non-empty string of at most 256 characters",
                meta={"field": "qName"},
            )
        for field, value in (("qUsername", username), ("qPassword", password)):
            if value is not None and not isinstance(value, str):
                raise BadRequest(f"{field} must be a string", meta={"field": field})
        if name != credential.name and await self.repo.by_name(name) is not None:
            raise Conflict(
                f"a credential named {name!r} exists", code=Code.CREDENTIAL_NAME_CONFLICT
            )
        source = get_data_source(credential.data_source_id)
        new_payload = credential_payload(source, username, password, payload)
        credential.name = name
        self.reseal(credential, new_payload)
        await self.session.flush()

    async def delete(self, ref: str, *, by_name: bool) -> None:
        credential = await self.find(ref, by_name=by_name)
        counts = await self.connections.credential_counts([credential.id])
        if counts.get(credential.id):
            raise Conflict(
                f"credential {credential.id} is used by {counts[credential.id]} connection(s); "
                "delete them or give them other credentials first",
                code=Code.CREDENTIAL_IN_USE,
            )
        await self.repo.remove(credential)

    async def orphans(
        self, *, q_type: str | None, data_source_id: str | None, separated: int | None
    ) -> builtins.list[Credential]:
        self.principal.require_admin("filter-orphan (Qlik: 403 for others)")
        sep = None if separated is None else bool(separated)
        return list(
            await self.repo.orphans(
                in_use=self.connections.credential_ids_in_use(),
                q_type=q_type,
                data_source_id=data_source_id,
                separated=sep,
            )
        )
