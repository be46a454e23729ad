"""Opening every sealed record of a store with a provider read afresh from its key ring."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from dcaas.connection.models import Connection
from dcaas.credential.models import Credential
from dcaas.credential.vault import CONNECTION_SECRET, open_credential, record_aad
from dcaas.keys import build_provider
from dcaas.keys.service import record_counts
from dcaas.kit.crypto import Envelope, Sealed
from dcaas.kit.db import create_engine, session_factory

if TYPE_CHECKING:
    from dcaas.config import Settings


async def open_all(settings: Settings) -> dict[str, dict[str, Any]]:
    """Connection name -> {"credential": payload or None, "secret": qConnectionSecret or None}."""
    envelope = Envelope(build_provider(settings))
    engine = create_engine(settings.async_database_url)
    try:
        async with session_factory(engine)() as session:
            rows = (
                (
                    await session.execute(
                        select(Connection, Credential).outerjoin(
                            Credential, Credential.id == Connection.credential_id
                        )
                    )
                )
                .tuples()
                .all()
            )
            return {conn.name: _open(envelope, conn, cred) for conn, cred in rows}
    finally:
        await engine.dispose()


def _open(envelope: Envelope, conn: Connection, cred: Credential | None) -> dict[str, Any]:
    secret = None
    if conn.secret_ciphertext is not None:
        assert conn.secret_wrapped_key is not None
        assert conn.secret_key_id is not None
        sealed = Sealed(conn.secret_ciphertext, conn.secret_wrapped_key, conn.secret_key_id)
        aad = record_aad(CONNECTION_SECRET, conn.tenant_id, conn.id)
        secret = envelope.open_json(sealed, aad=aad)
    return {"credential": open_credential(envelope, cred) if cred else None, "secret": secret}


async def counts(settings: Settings) -> dict[str, int]:
    """Records per key id, straight from the store."""
    engine = create_engine(settings.async_database_url)
    try:
        return await record_counts(session_factory(engine))
    finally:
        await engine.dispose()


async def open_credentials(settings: Settings) -> dict[str, dict[str, Any]]:
    """Credential name -> its opened payload, for every credential of every tenant."""
    envelope = Envelope(build_provider(settings))
    engine = create_engine(settings.async_database_url)
    try:
        async with session_factory(engine)() as session:
            creds = (await session.scalars(select(Credential))).all()
            return {cred.name: open_credential(envelope, cred) for cred in creds}
    finally:
        await engine.dispose()
