"""Settings, read from ``DCAAS_*`` environment variables."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from dcaas.kit.outbound import OutboundPolicy
from dcaas.profile import DEVELOPMENT_NETWORKS, is_development
from dcaas.store import default_data_dir

_PLACEHOLDERS = {"change-me", "changeme", "secret", "dev", "test", "password"}


class ConfigurationError(RuntimeError):
    """The settings cannot serve requests as they are (the message says what to set)."""


class OAuthClient(BaseModel):
    """The operator's OAuth app for one data source (``DCAAS_OAUTH_CLIENTS``)."""

    model_config = ConfigDict(extra="forbid")

    clientId: str = Field(min_length=1)
    clientSecret: SecretStr | None = None
    authorizationUrl: str | None = None
    tokenUrl: str | None = None
    redirectUri: str | None = Field(
        default=None, description="Registered redirect URI; defaults to dcaas's callback"
    )


class Settings(BaseSettings):
    """Every operator setting. Secrets are ``SecretStr`` so they never print."""

    model_config = SettingsConfigDict(env_prefix="DCAAS_", extra="ignore")

    env: str = Field(default="production", description="production or development")
    data_dir: Path = Field(
        default_factory=default_data_dir,
        description="SQLite file and key file; default $XDG_DATA_HOME/dcaas, not the cwd",
    )
    database_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 8080
    public_url: str | None = Field(
        default=None,
        description="External base URL (https://dcaas.example.com) of links and the OAuth "
        "redirect URI; required outside development unless allowed_hosts is set",
    )
    allowed_hosts: str = Field(
        default="",
        description="Comma-separated Host names requests may carry (a leading dot allows "
        "subdomains: .example.com); others get 400. Links then follow the request's Host",
    )
    auto_migrate: bool = True
    bootstrap: bool = True
    encryption_key: SecretStr | None = Field(
        default=None, description="base64 of 32 bytes; otherwise a key file under data_dir"
    )
    key_provider: Literal["local", "aws-kms"] = Field(
        default="local",
        description="Who holds the key-encryption keys: the local key file, or AWS KMS",
    )
    kms_key_id: str | None = Field(
        default=None, description="The KMS key (id, ARN or alias) to start with (aws-kms)"
    )
    kms_region: str | None = Field(default=None, description="AWS region of the KMS keys")
    kms_endpoint_url: str | None = Field(
        default=None, description="A KMS endpoint other than AWS's (a VPC endpoint, a test server)"
    )
    keys_rewrap_batch: int = Field(
        default=200, gt=0, description="Records re-wrapped per transaction by dcaas keys rotate"
    )
    keys_rewrap_pause: float = Field(
        default=0.0, ge=0, description="Seconds to pause between re-wrap batches (eases load)"
    )
    data_key_cache_seconds: float = Field(
        default=30.0,
        ge=0,
        le=3600,
        description="Seconds an unwrapped data key stays in memory (0: none); a retired key's "
        "end at once",
    )
    jwt_public_key: str | None = Field(default=None, description="PEM text or a path to a PEM file")
    jwt_jwks_file: Path | None = None
    jwt_hs256_secret: SecretStr | None = None
    jwt_issuer: str | None = None
    jwt_audience: str | None = None
    jwt_tenant_claim: str = "tenantId"
    jwt_user_claim: str = "sub"
    jwt_admin_claim: str = "roles"
    jwt_scope_claim: str = Field(
        default="scope",
        description="JWT claim holding the token's scopes (a space-separated string or a list)",
    )
    engine_scope: str = Field(
        default="dcaas:engine",
        min_length=1,
        description="The scope that grants a JWT the engine endpoints (connection secrets)",
    )
    max_body_bytes: int = 1_048_576
    auth_cache_seconds: float = Field(
        default=5.0,
        ge=0,
        description="Seconds an authenticated key or token is remembered "
        "in-process; a key revoked on another replica stops working within this time",
    )
    outbound_allow: str = Field(
        default="",
        description="Comma-separated networks connectors may reach although they are loopback, "
        "private, link-local or metadata addresses (refused by default), e.g. 127.0.0.1/32; "
        "in development, loopback and private networks unless set",
    )
    connector_connect_timeout: float = Field(default=5.0, gt=0, description="Seconds to connect")
    connector_total_timeout: float = Field(
        default=30.0, gt=0, description="Seconds for a whole connector call (test, browse, preview)"
    )
    preview_max_bytes: int = Field(
        default=1_048_576, gt=0, description="Most bytes a preview reads from a source"
    )
    oauth_clients: dict[str, OAuthClient] = Field(
        default_factory=dict,
        description='JSON {"<dataSourceId>": {"clientId", "clientSecret", "authorizationUrl"?, '
        '"tokenUrl"?, "redirectUri"?}}: the operator\'s OAuth apps',
    )
    oauth_pending_ttl: int = Field(
        default=600, gt=0, description="Seconds an OAuth authorization request stays valid"
    )
    oauth_refresh_margin: int = Field(
        default=60, ge=0, description="Refresh an access token this many seconds before expiry"
    )
    rate_limit_enabled: bool = Field(
        default=True, description="Qlik's per-tier request limits; false turns them off"
    )
    rate_limit_tier1: str = Field(
        default="1000/minute", description="Tier 1 (GET, HEAD), limits notation, per user"
    )
    rate_limit_tier2: str = Field(
        default="100/minute", description="Tier 2 (POST, PUT, PATCH, DELETE), per user"
    )
    auth_failure_limit: str = Field(
        default="20/minute",
        description="Failed authentications allowed per client address (limits notation; "
        "counted in Redis when configured); over it, 429 with Retry-After. Empty: no limit",
    )
    redis_url: str | None = Field(
        default=None,
        description="redis://host:port/db; when set, replicas count rate limits together there",
    )
    rate_limit_prefix: str = Field(
        default="dcaas", description="Prefix of the rate-limit keys in Redis"
    )
    idempotency_ttl_hours: float = Field(
        default=24.0, gt=0, description="How long an Idempotency-Key's first answer is kept"
    )
    log_level: str = "INFO"
    log_format: Literal["json", "text"] | None = Field(
        default=None, description="json (the default) or text (the default in development)"
    )
    sql_echo: bool = False
    metrics_token: SecretStr | None = Field(
        default=None, description="When set, GET /metrics needs Authorization: Bearer <token>"
    )
    health_timeout: float = Field(default=2.0, gt=0, description="Seconds per readiness check")
    # Webhooks (dcaas.webhook): the outbox worker in each replica's lifespan
    webhook_worker: bool = Field(
        default=True, description="Run the webhook delivery worker in this process"
    )
    webhook_poll_seconds: float = Field(
        default=1.0, gt=0, description="Seconds between the worker's looks for due deliveries"
    )
    webhook_timeout: float = Field(default=10.0, gt=0, description="Seconds per delivery POST")
    webhook_lease_seconds: float = Field(
        default=60.0,
        gt=0,
        description="Seconds a claimed delivery stays with its worker; after that (a crash) "
        "another worker retries it. Keep it above DCAAS_WEBHOOK_TIMEOUT",
    )
    webhook_max_attempts: int = Field(
        default=8, ge=1, description="Attempts per delivery before it fails for good"
    )
    webhook_backoff_seconds: float = Field(
        default=5.0, gt=0, description="First retry delay; doubles per attempt, with jitter"
    )
    webhook_backoff_max_seconds: float = Field(
        default=3600.0, gt=0, description="Longest delay between two attempts"
    )
    webhook_history_days: float = Field(
        default=7.0, gt=0, description="Days finished deliveries are kept (Qlik keeps a week)"
    )
    webhook_disable_after: int = Field(
        default=3,
        ge=1,
        description="Deliveries failed for good in a row after which a webhook is disabled",
    )
    # The web console (dcaas.console)
    console_session_hours: float = Field(
        default=8.0, gt=0, description="Hours a console sign-in lasts (never past its key's expiry)"
    )
    oidc_issuer: str | None = Field(
        default=None, description="OpenID Connect issuer URL; set it to offer single sign-on"
    )
    oidc_client_id: str | None = None
    oidc_client_secret: SecretStr | None = None
    oidc_scopes: str = "openid profile email"
    oidc_name: str = Field(default="single sign-on", description="Shown on the sign-in button")
    oidc_tenant_claim: str | None = Field(
        default=None,
        description="ID-token claim naming the tenant (default: DCAAS_JWT_TENANT_CLAIM)",
    )
    oidc_user_claim: str | None = Field(
        default=None, description="ID-token claim naming the user (default: DCAAS_JWT_USER_CLAIM)"
    )
    oidc_admin_claim: str | None = Field(
        default=None,
        description="ID-token claim with the admin role (default: DCAAS_JWT_ADMIN_CLAIM)",
    )

    @field_validator("public_url")
    @classmethod
    def _check_public_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
            msg = "DCAAS_PUBLIC_URL must be an http(s) URL without a query, e.g. https://dcaas.example.com"
            raise ValueError(msg)
        return value.rstrip("/")

    @field_validator("outbound_allow")
    @classmethod
    def _check_outbound_allow(cls, value: str) -> str:
        OutboundPolicy.parse(value)  # a bad network fails at startup, not on the first test
        return value

    @field_validator("rate_limit_tier1", "rate_limit_tier2", "auth_failure_limit")
    @classmethod
    def _limits_notation(cls, value: str, info: ValidationInfo) -> str:
        from limits import parse  # noqa: PLC0415 - only needed to validate

        if value or info.field_name != "auth_failure_limit":
            parse(value)  # ValueError names the notation it could not read
        return value

    @model_validator(mode="after")
    def _development_defaults(self) -> Settings:
        if is_development(self) and "outbound_allow" not in self.model_fields_set:
            self.outbound_allow = DEVELOPMENT_NETWORKS
        return self

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> Settings:
        secret = self.jwt_hs256_secret
        if secret is not None and self.env != "development":
            value = secret.get_secret_value()
            if value.lower() in _PLACEHOLDERS or len(value) < 32:  # noqa: PLR2004
                msg = "DCAAS_JWT_HS256_SECRET must be at least 32 characters and not a placeholder"
                raise ValueError(msg)
        return self

    @property
    def is_development(self) -> bool:
        return self.env == "development"

    @cached_property
    def host_names(self) -> tuple[str, ...]:
        """``DCAAS_ALLOWED_HOSTS`` as lower-case names (``.example.com`` for subdomains)."""
        return tuple(h.strip().lower() for h in self.allowed_hosts.split(",") if h.strip())

    def serving_problems(self) -> list[str]:
        """What keeps this configuration from serving requests (outside development)."""
        if self.is_development or self.public_url or self.host_names:
            return []
        problem = (
            "set DCAAS_PUBLIC_URL (the external base URL of links and the OAuth redirect URI) "
            "or DCAAS_ALLOWED_HOSTS (the Host names requests may carry); outside development "
            "(DCAAS_ENV=development) dcaas does not trust the request's Host header"
        )
        return [problem]

    @cached_property
    def async_database_url(self) -> str:
        """The SQLAlchemy URL with an async driver: aiosqlite by default, asyncpg for PostgreSQL."""
        url = self.database_url
        if not url:
            return f"sqlite+aiosqlite:///{(self.data_dir / 'dcaas.db').resolve()}"
        for prefix in ("postgresql+asyncpg://", "postgresql://", "postgres://"):
            if url.startswith(prefix):
                return "postgresql+asyncpg://" + url.removeprefix(prefix)
        if url.startswith("sqlite:///"):
            return "sqlite+aiosqlite:///" + url.removeprefix("sqlite:///")
        return url

    @cached_property
    def outbound(self) -> OutboundPolicy:
        """Where connectors may connect (DCAAS_OUTBOUND_ALLOW on top of public addresses)."""
        return OutboundPolicy.parse(self.outbound_allow)

    @property
    def is_sqlite(self) -> bool:
        return self.async_database_url.startswith("sqlite")

    @property
    def key_file(self) -> Path:
        return self.data_dir / "keys.json"

    @property
    def kms_key_file(self) -> Path:
        """The ring of KMS keys in use (ids only, no key material)."""
        return self.data_dir / "kms-keys.json"
