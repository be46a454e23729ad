"""A JWT that does not fit the configured key is refused in our words, never a Python repr."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from tests.conftest import assert_error

if TYPE_CHECKING:
    from tests.conftest import ApiFactory

URL = "/api/v1/data-connections"
CLAIMS = {"tenantId": "acme", "sub": "x"}


def _pem(key: rsa.RSAPrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


@pytest.mark.parametrize(
    ("algorithm", "signer"),
    [
        ("ES256", ec.generate_private_key(ec.SECP256R1())),
        ("EdDSA", ed25519.Ed25519PrivateKey.generate()),
    ],
)
async def test_token_of_another_key_type_is_401_without_repr(
    api_with: ApiFactory, algorithm: str, signer: object
) -> None:
    """An RSA key configured, an EC or Ed25519 token sent: 401 DCAAS-5002 saying why."""
    configured = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    async with api_with(jwt_public_key=_pem(configured), jwt_hs256_secret=None) as api:
        claims = {**CLAIMS, "exp": int(time.time()) + 60}
        token = jwt.encode(claims, signer, algorithm=algorithm)  # type: ignore[arg-type]
        res = await api.client.get(URL, headers={"Authorization": f"Bearer {token}"})
    error = assert_error(res, 401, "DCAAS-5002")
    assert error["detail"] == f"token algorithm {algorithm} does not fit the configured key"


async def test_bad_signature_is_named_in_our_words(api_with: ApiFactory) -> None:
    """A token signed by another RSA key: 'signature does not verify', no library text."""
    configured = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    async with api_with(jwt_public_key=_pem(configured), jwt_hs256_secret=None) as api:
        token = jwt.encode({**CLAIMS, "exp": int(time.time()) + 60}, other, algorithm="RS256")
        res = await api.client.get(URL, headers={"Authorization": f"Bearer {token}"})
    error = assert_error(res, 401, "DCAAS-5002")
    assert error["detail"] == "the bearer token's signature does not verify"
