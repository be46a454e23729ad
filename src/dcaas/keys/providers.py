"""Choosing the key provider from settings: the local key file (default) or AWS KMS."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dcaas.kit.crypto import KeyAdmin, KeyProvider, LocalKeyProvider
from dcaas.kit.keyfile import KeyAdminError

if TYPE_CHECKING:
    from dcaas.config import Settings


def build_provider(settings: Settings) -> KeyProvider:
    """The provider named by DCAAS_KEY_PROVIDER, ready to wrap and unwrap."""
    if settings.key_provider == "aws-kms":
        # Imported here so that boto3 is needed only by those who use KMS (the `aws` extra).
        from dcaas.kit.kms import AwsKmsProvider, kms_client  # noqa: PLC0415 - see above

        client = kms_client(region=settings.kms_region, endpoint_url=settings.kms_endpoint_url)
        return AwsKmsProvider.open(client, settings.kms_key_file, settings.kms_key_id)
    if settings.encryption_key is not None:
        return LocalKeyProvider.from_secret(settings.encryption_key.get_secret_value())
    return LocalKeyProvider.from_file(settings.key_file)


def key_admin(provider: KeyProvider) -> KeyAdmin:
    """The provider's key-management side; every built-in provider has one."""
    if not isinstance(provider, KeyAdmin):
        raise KeyAdminError(f"{type(provider).__name__} does not manage keys")
    return provider
