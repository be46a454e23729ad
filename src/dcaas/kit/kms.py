"""AWS KMS as the key provider: data keys are wrapped by KMS keys that never leave KMS.

Each record's data key is sent to KMS ``Encrypt`` with an encryption context naming the
record (the same binding the local provider gets from AES-GCM associated data), so a wrapped
key copied onto another row does not decrypt. Rotation adds a new KMS key and makes it
active; re-wrapping uses ``ReEncrypt``, so the data key is never in this process in the clear.

Which KMS keys exist and which is active is kept in a key ring file beside the database
(``kms-keys.json``), so ``dcaas keys rotate`` run from the CLI reaches running servers: they
re-read it when it changes, as with the local key file. Record key ids are ``kms-<KeyId>``.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from dcaas.kit.crypto import DecryptionError, KeyProviderError
from dcaas.kit.keyfile import KeyAdminError, KeyFile, KeyRing

if TYPE_CHECKING:
    from pathlib import Path

    from mypy_boto3_kms.client import KMSClient

_PREFIX = "kms-"
_CONTEXT_KEY = "dcaas-record"
_BAD_CIPHERTEXT = {"InvalidCiphertextException", "IncorrectKeyException"}
# Short timeouts and one retry: a request that needs a key must fail fast, not hang.
_CLIENT_CONFIG = Config(connect_timeout=3, read_timeout=5, retries={"max_attempts": 2})


def kms_client(*, region: str | None, endpoint_url: str | None) -> KMSClient:
    """A KMS client from the usual AWS credential chain (environment, profile, role)."""
    return boto3.client("kms", region_name=region, endpoint_url=endpoint_url, config=_CLIENT_CONFIG)


def _context(aad: bytes) -> dict[str, str]:
    return {_CONTEXT_KEY: aad.decode()}


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


class AwsKmsProvider:
    """Wraps data keys with the active KMS key listed in the ring file."""

    def __init__(self, client: KMSClient, source: KeyFile) -> None:
        self._client = client
        self._source = source
        self._ring = source.read()

    @classmethod
    def open(cls, client: KMSClient, path: Path, initial_key: str | None) -> AwsKmsProvider:
        """The provider for a ring file, created from ``initial_key`` when it does not exist."""
        source = KeyFile(path)
        if not source.exists():
            if not initial_key:
                raise KeyProviderError("set DCAAS_KMS_KEY_ID to the KMS key to start with")
            kid, arn = _describe(client, initial_key)
            source.create(KeyRing(active=kid, keys={kid: arn}))
        return cls(client, source)

    def _refresh(self) -> KeyRing:
        if self._source.changed():
            self._ring = self._source.read()
        return self._ring

    @property
    def active_key_id(self) -> str:
        return self._refresh().active

    def key_ids(self) -> list[str]:
        return list(self._ring.keys)

    def _arn(self, key_id: str) -> str:
        ring = self._refresh()  # a stat: a key retired by another process stops working here
        arn = ring.keys.get(key_id)
        if arn is None:
            state = "retired" if key_id in ring.retired else "not available"
            raise DecryptionError(f"key {key_id} is {state}")
        return arn

    def holds(self, key_id: str) -> bool:
        return key_id in self._refresh().keys

    def wrap(self, dek: bytes, *, aad: bytes) -> tuple[str, bytes]:
        ring = self._refresh()
        out = self._call(
            "Encrypt", KeyId=ring.keys[ring.active], Plaintext=dek, EncryptionContext=_context(aad)
        )
        return ring.active, bytes(out["CiphertextBlob"])

    def unwrap(self, key_id: str, wrapped: bytes, *, aad: bytes) -> bytes:
        out = self._call(
            "Decrypt",
            KeyId=self._arn(key_id),
            CiphertextBlob=wrapped,
            EncryptionContext=_context(aad),
        )
        return bytes(out["Plaintext"])

    def rewrap(self, key_id: str, wrapped: bytes, *, aad: bytes) -> tuple[str, bytes]:
        """KMS ReEncrypt: the data key moves to the active key without leaving KMS."""
        source_arn = self._arn(key_id)
        ring = self._refresh()
        out = self._call(
            "ReEncrypt",
            CiphertextBlob=wrapped,
            SourceKeyId=source_arn,
            SourceEncryptionContext=_context(aad),
            DestinationKeyId=ring.keys[ring.active],
            DestinationEncryptionContext=_context(aad),
        )
        return ring.active, bytes(out["CiphertextBlob"])

    async def check(self) -> None:
        """Raises KeyProviderError unless the active KMS key is reachable and enabled."""
        ring = self._refresh()
        arn = ring.keys[ring.active]
        out = await asyncio.to_thread(self._call, "DescribeKey", KeyId=arn)
        if out["KeyMetadata"].get("KeyState") != "Enabled":
            raise KeyProviderError("the active KMS key is not enabled")

    def _call(self, operation: str, **params: Any) -> Any:
        method = getattr(self._client, _SNAKE[operation])
        try:
            return method(**params)
        except ClientError as exc:
            if _code(exc) in _BAD_CIPHERTEXT:
                raise DecryptionError("the wrapped key does not open with this KMS key") from None
            raise KeyProviderError(f"KMS {operation} failed: {_code(exc)}") from None
        except BotoCoreError as exc:
            raise KeyProviderError(f"KMS {operation} failed: {type(exc).__name__}") from None

    # -- KeyAdmin ---------------------------------------------------------------------------
    def ring(self) -> KeyRing:
        self._ring = self._source.read()
        return self._ring

    def add_key(self, spec: str | None) -> str:
        """Make a KMS key active: the one named by ``spec`` (id, ARN or alias), or a new one."""
        if spec is None:
            created = self._call(
                "CreateKey", Description="dcaas key-encryption key", KeyUsage="ENCRYPT_DECRYPT"
            )
            spec = str(created["KeyMetadata"]["Arn"])
        kid, arn = _describe(self._client, spec)
        with self._source.update() as ring:
            ring.keys[kid] = arn
            ring.active = kid
            ring.retired.pop(kid, None)
        self._ring = self._source.read()
        return kid

    def retire(self, key_id: str) -> None:
        """Stop using a KMS key here; the key itself stays in KMS for the operator to disable."""
        with self._source.update() as ring:
            ring.retire(key_id)
        self._ring = self._source.read()


_SNAKE = {
    "Encrypt": "encrypt",
    "Decrypt": "decrypt",
    "ReEncrypt": "re_encrypt",
    "DescribeKey": "describe_key",
    "CreateKey": "create_key",
}


def _describe(client: KMSClient, spec: str) -> tuple[str, str]:
    """(record key id, ARN) of a usable symmetric KMS key."""
    try:
        meta = client.describe_key(KeyId=spec)["KeyMetadata"]
    except ClientError as exc:
        raise KeyAdminError(f"KMS key {spec} cannot be used: {_code(exc)}") from None
    except BotoCoreError as exc:
        raise KeyProviderError(f"KMS is unreachable: {type(exc).__name__}") from None
    if (
        meta.get("KeyState") != "Enabled"
        or meta.get("KeyUsage", "ENCRYPT_DECRYPT") != "ENCRYPT_DECRYPT"
    ):
        raise KeyAdminError(f"KMS key {spec} is not an enabled encrypt/decrypt key")
    if meta.get("KeySpec", "SYMMETRIC_DEFAULT") != "SYMMETRIC_DEFAULT":
        raise KeyAdminError(f"KMS key {spec} is not a symmetric key")
    return _PREFIX + meta["KeyId"], meta["Arn"]
