"""JWT bearer tokens, verified against a public key, a JWKS file, or (development) HS256."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeGuard

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
from jwt import PyJWK, PyJWKSet

from dcaas.errors import Code, Unauthorized

if TYPE_CHECKING:
    from dcaas.config import Settings

_ASYMMETRIC = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA"]
_ADMIN_ROLES = {"TenantAdmin", "admin", "tenant_admin"}


@dataclass(frozen=True)
class Claims:
    tenant: str
    subject: str
    is_admin: bool
    expires: float = 0.0  # the exp claim, seconds since the epoch
    issuer: str = ""  # the iss claim (signed with the token); "" when the token has none
    engine: bool = False  # the token carries the engine scope (DCAAS_ENGINE_SCOPE)


class JwtVerifier:
    """Verifies signature, expiry and (when configured) issuer and audience."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._public_key = _load_pem(settings.jwt_public_key)
        self._jwks = (
            PyJWKSet.from_json(settings.jwt_jwks_file.read_text())
            if settings.jwt_jwks_file
            else None
        )
        secret = settings.jwt_hs256_secret
        self._hs_secret = secret.get_secret_value() if secret else None

    @property
    def enabled(self) -> bool:
        return bool(self._public_key or self._jwks or self._hs_secret)

    def _key_for(self, token: str) -> tuple[Any, list[str]]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise Unauthorized("malformed bearer token", code=Code.TOKEN_INVALID) from exc
        alg = header.get("alg")
        if alg == "HS256" and self._hs_secret:
            return self._hs_secret, ["HS256"]
        if alg not in _ASYMMETRIC:
            raise Unauthorized("token algorithm not accepted", code=Code.TOKEN_INVALID)
        key: Any = self._public_key
        if self._jwks is not None:
            kid = header.get("kid")
            matches: list[PyJWK] = [k for k in self._jwks.keys if kid is None or k.key_id == kid]
            if not matches:
                raise Unauthorized("token signed by an unknown key", code=Code.TOKEN_INVALID)
            key = matches[0].key
        if not key or not _fits(key, alg):
            raise Unauthorized(
                f"token algorithm {alg} does not fit the configured key", code=Code.TOKEN_INVALID
            )
        return key, [alg]

    def verify(self, token: str) -> Claims:
        if not self.enabled:
            raise Unauthorized(
                "this server accepts no JWT bearer tokens (none of DCAAS_JWT_PUBLIC_KEY, "
                "DCAAS_JWT_JWKS_FILE, DCAAS_JWT_HS256_SECRET is set); use a dcaas API key "
                "(it starts with 'dcaas_')",
                code=Code.TOKEN_INVALID,
            )
        key, algorithms = self._key_for(token)
        s = self.settings
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=algorithms,
                issuer=s.jwt_issuer,
                audience=s.jwt_audience,
                options={"require": ["exp", "sub"], "verify_aud": s.jwt_audience is not None},
                leeway=30,
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("the bearer token has expired", code=Code.TOKEN_EXPIRED) from exc
        except jwt.PyJWTError as exc:
            # Our words, not the library's: its messages can hold Python reprs.
            raise Unauthorized(_why(exc), code=Code.TOKEN_INVALID) from exc
        tenant = claims.get(s.jwt_tenant_claim)
        subject = claims.get(s.jwt_user_claim)
        issuer = claims.get("iss", "")
        if not _usable(tenant, 64) or not _usable(subject, 256) or not _issuer_ok(issuer):
            raise Unauthorized(
                f"the token lacks a usable {s.jwt_tenant_claim!r} or {s.jwt_user_claim!r} claim "
                "(or its iss claim is not text of at most 296 characters)",
                code=Code.TOKEN_INVALID,
            )
        return Claims(
            tenant=tenant,
            subject=subject,
            is_admin=_is_admin(claims, s.jwt_admin_claim),
            expires=float(claims["exp"]),
            issuer=issuer,
            engine=s.engine_scope in _scopes(claims.get(s.jwt_scope_claim)),
        )


def _usable(value: object, max_length: int) -> TypeGuard[str]:
    """A claim we can store as an id: a non-empty string without NUL, within the column."""
    return isinstance(value, str) and 0 < len(value) <= max_length and "\x00" not in value


def _issuer_ok(value: object) -> bool:
    """The iss claim, when present, is text that fits the users' namespace column."""
    return value == "" or _usable(value, 296)


def _scopes(value: object) -> set[str]:
    """OAuth's ``scope`` (space-separated text) or a list of scopes (``scp``)."""
    if isinstance(value, str):
        return set(value.split())
    if isinstance(value, list):
        return {v for v in value if isinstance(v, str)}
    return set()


def _is_admin(claims: dict[str, Any], claim: str) -> bool:
    value = claims.get(claim)
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value in _ADMIN_ROLES
    if isinstance(value, list):
        return any(isinstance(v, str) and v in _ADMIN_ROLES for v in value)
    return False


# What each kind of verification failure tells the caller (most specific class first).
_WHY: tuple[tuple[type[jwt.PyJWTError], str], ...] = (
    (jwt.InvalidSignatureError, "the bearer token's signature does not verify"),
    (jwt.InvalidIssuerError, "the bearer token's issuer is not accepted"),
    (jwt.InvalidAudienceError, "the bearer token's audience is not accepted"),
    (jwt.ImmatureSignatureError, "the bearer token is not valid yet"),
    (jwt.InvalidAlgorithmError, "the bearer token's algorithm is not accepted"),
    (jwt.InvalidKeyError, "the bearer token does not fit the configured key"),
    (jwt.DecodeError, "the bearer token is malformed"),
)
# Signature algorithms by the family of key that verifies them.
_FAMILIES: tuple[tuple[tuple[type, ...], tuple[str, ...]], ...] = (
    ((rsa.RSAPublicKey,), ("RS", "PS")),
    ((ec.EllipticCurvePublicKey,), ("ES",)),
    ((ed25519.Ed25519PublicKey, ed448.Ed448PublicKey), ("EdDSA",)),
)


def _why(exc: jwt.PyJWTError) -> str:
    if isinstance(exc, jwt.MissingRequiredClaimError):
        return f"the bearer token lacks the {exc.claim!r} claim"
    return next((text for kind, text in _WHY if isinstance(exc, kind)), "invalid bearer token")


def _fits(key: Any, alg: str) -> bool:
    """Whether a key of this type can verify ``alg`` (a key we could not parse: let PyJWT say)."""
    for types, prefixes in _FAMILIES:
        if isinstance(key, types):
            return alg.startswith(prefixes)
    return isinstance(key, str)


def _load_pem(value: str | None) -> Any:
    """The configured public key as a key object (its text when it does not parse)."""
    if not value:
        return None
    text = value if "-----BEGIN" in value else Path(value).read_text()
    try:
        return serialization.load_pem_public_key(text.encode())
    except ValueError:
        return text
