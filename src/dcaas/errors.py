"""Every error dcaas answers with, and the one place they become the envelope.

Exception tree::

    DcaasError                      (status, code, title; detail and meta per instance)
    ├── BadRequest          400     DCAAS-1xxx request shape, query, filter, cursor, patch
    │   └── ValidationFailed        DCAAS-1001 with meta.field / meta.pointer
    ├── PayloadTooLarge     413
    ├── Unauthorized        401     DCAAS-5xxx
    ├── Forbidden           403
    ├── NotFound            404
    ├── Conflict            409     each names its own code (no default)
    ├── PreconditionFailed  412     DCAAS-1015 a stale If-Match
    ├── UnprocessableContent 422    DCAAS-8001 an Idempotency-Key reused for another request
    ├── TooManyRequests     429     HTTP-429
    ├── ServiceUnavailable  503
    └── InternalError       500

Codes are stable: clients and the SDK match on them. Add, never renumber.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any, ClassVar

# A Python repr ("<generator object f.<locals>.<genexpr> at 0x7f...>") says nothing to a
# client and tells an attacker about the code: the renderer replaces any that slipped in.
_REPR = re.compile(r"<[^<>\n]*(?:<[^<>\n]*>[^<>\n]*)* at 0x[0-9a-fA-F]+>")


class Code(StrEnum):
    """The catalog of stable error codes."""

    # 1xxx: the request itself
    VALIDATION = "DCAAS-1001"
    UNKNOWN_FIELD = "DCAAS-1002"
    BODY_TOO_LARGE = "DCAAS-1003"
    INVALID_QUERY = "DCAAS-1004"
    INVALID_FILTER = "DCAAS-1005"
    INVALID_CURSOR = "DCAAS-1006"
    INVALID_PATCH = "DCAAS-1007"
    INVALID_TAGS = "DCAAS-1008"
    INVALID_PROPERTIES = "DCAAS-1009"
    INVALID_JSON = "DCAAS-1010"
    UNSUPPORTED_MEDIA_TYPE = "DCAAS-1011"
    INVALID_ID = "DCAAS-1012"
    INVALID_CONNECT_STATEMENT = "DCAAS-1013"
    CREDENTIALS_REQUIRED = "DCAAS-1014"
    # 2xxx: data sources
    DATASOURCE_DISABLED = "DCAAS-2001"
    DATASOURCE_NOT_FOUND = "DCAAS-2002"
    ENGINE_ENDPOINT_NOT_FOUND = "DCAAS-2040"
    GATEWAY_NOT_FOUND = "DCAAS-2041"
    GATEWAY_REQUIRED = "DCAAS-2042"  # a DG_* connection names no gateway serving its source
    GATEWAY_NAME_CONFLICT = "DCAAS-2043"
    # 3xxx: data connections
    CONNECTION_NOT_FOUND = "DCAAS-3001"
    CONNECTION_NAME_CONFLICT = "DCAAS-3002"
    CONNECTION_ID_CONFLICT = "DCAAS-3003"
    CONNECTION_CHANGED = "DCAAS-3004"  # 409: changed by another request between read and write
    # 4xxx: credentials
    CREDENTIAL_NOT_FOUND = "DCAAS-4001"
    CREDENTIAL_NAME_CONFLICT = "DCAAS-4002"
    CREDENTIAL_DECRYPTION_FAILED = "DCAAS-4003"
    CREDENTIAL_IN_USE = "DCAAS-4004"
    SECRET_DOWNGRADE = "DCAAS-4005"  # noqa: S105 - an error code, not a secret
    # separated credentials: the caller has not brought their own for this connection yet
    PERSONAL_CREDENTIAL_MISSING = "DCAAS-4010"
    # 5xxx: identity and access
    UNAUTHENTICATED = "DCAAS-5001"
    TOKEN_INVALID = "DCAAS-5002"  # noqa: S105 - an error code, not a token
    TOKEN_EXPIRED = "DCAAS-5003"  # noqa: S105 - an error code, not a token
    TOKEN_REVOKED = "DCAAS-5004"  # noqa: S105 - an error code, not a token
    FORBIDDEN = "DCAAS-5005"
    SPACE_NOT_FOUND = "DCAAS-5006"
    USER_NOT_FOUND = "DCAAS-5007"
    API_KEY_NOT_FOUND = "DCAAS-5008"
    SPACE_NAME_CONFLICT = "DCAAS-5009"
    ASSIGNMENT_NOT_FOUND = "DCAAS-5010"
    ADMIN_REQUIRED = "DCAAS-5011"
    SPACE_NOT_EMPTY = "DCAAS-5012"
    ASSIGNMENT_CONFLICT = "DCAAS-5013"
    USER_AMBIGUOUS = "DCAAS-5014"
    ENGINE_GRANT_REQUIRED = "DCAAS-5040"  # the engine endpoints need an engine key or scope
    # the web console's session (issue 16)
    CSRF_TOKEN_INVALID = "DCAAS-5020"  # noqa: S105 - an error code, not a token
    SESSION_ENDED = "DCAAS-5021"
    OIDC_NOT_CONFIGURED = "DCAAS-5022"
    OIDC_SIGN_IN_FAILED = "DCAAS-5023"
    PRECONDITION_FAILED = "DCAAS-1015"
    JSON_TOO_DEEP = "DCAAS-1020"
    HOST_NOT_ALLOWED = "DCAAS-1021"
    # 6xxx: talking to a data source (connector test steps, browse, preview)
    SOURCE_HOST_NOT_FOUND = "DCAAS-6001"
    SOURCE_OUTBOUND_REFUSED = "DCAAS-6002"
    SOURCE_CONNECT_REFUSED = "DCAAS-6003"
    SOURCE_CONNECT_TIMEOUT = "DCAAS-6004"
    SOURCE_TLS_FAILED = "DCAAS-6005"
    SOURCE_AUTH_FAILED = "DCAAS-6006"
    SOURCE_ACCESS_DENIED = "DCAAS-6007"
    SOURCE_NOT_FOUND = "DCAAS-6008"
    SOURCE_HOST_KEY_MISMATCH = "DCAAS-6009"
    SOURCE_TIMEOUT = "DCAAS-6010"
    SOURCE_PROTOCOL_ERROR = "DCAAS-6011"
    SOURCE_REAUTH_REQUIRED = "DCAAS-6012"
    SOURCE_SERVER_ERROR = "DCAAS-6013"
    SOURCE_RATE_LIMITED = "DCAAS-6014"
    SOURCE_UNSUPPORTED = "DCAAS-6015"
    SOURCE_DRIVER_MISSING = "DCAAS-6016"  # the data source's driver extra is not installed
    SOURCE_RUNS_ON_GATEWAY = "DCAAS-6020"  # a DG_* connection is tested on its gateway
    SOURCE_INTERNAL = "DCAAS-6099"
    # 7xxx: OAuth authorization (issue 4)
    OAUTH_NOT_SUPPORTED = "DCAAS-7001"
    OAUTH_CLIENT_NOT_CONFIGURED = "DCAAS-7002"
    OAUTH_STATE_UNKNOWN = "DCAAS-7003"
    OAUTH_STATE_USED = "DCAAS-7004"
    OAUTH_STATE_EXPIRED = "DCAAS-7005"
    OAUTH_NO_PENDING = "DCAAS-7006"
    OAUTH_CODE_REJECTED = "DCAAS-7007"
    OAUTH_TOKEN_ENDPOINT_FAILED = "DCAAS-7008"  # noqa: S105 - an error code, not a token
    OAUTH_AUTHORIZATION_REQUIRED = "DCAAS-7009"
    OAUTH_PROVIDER_DENIED = "DCAAS-7010"
    OAUTH_SETTINGS_MISMATCH = "DCAAS-7011"
    # 8xxx: safe writes and limits (issue 5)
    IDEMPOTENCY_KEY_REUSED = "DCAAS-8001"
    IDEMPOTENCY_KEY_IN_FLIGHT = "DCAAS-8002"
    IDEMPOTENCY_KEY_INVALID = "DCAAS-8003"
    STORE_BUSY = "DCAAS-8004"

    AUDIT_EVENT_NOT_FOUND = "DCAAS-8201"
    # 9xxx: the service
    INTERNAL = "DCAAS-9001"
    UNAVAILABLE = "DCAAS-9002"
    # 75xx: webhooks
    WEBHOOK_NOT_FOUND = "DCAAS-7501"
    WEBHOOK_DELIVERY_NOT_FOUND = "DCAAS-7502"
    WEBHOOK_URL_REFUSED = "DCAAS-7503"
    WEBHOOK_INVALID = "DCAAS-7504"

    # generic HTTP-level answers (routing, rate limits)
    HTTP_NOT_FOUND = "HTTP-404"
    HTTP_METHOD_NOT_ALLOWED = "HTTP-405"
    HTTP_TOO_MANY_REQUESTS = "HTTP-429"


class DcaasError(Exception):
    """Base of every error answered to a client; rendered by :func:`envelope`."""

    status: ClassVar[int] = 500
    default_code: ClassVar[Code] = Code.INTERNAL
    default_title: ClassVar[str] = "Internal error."

    def __init__(
        self,
        detail: str | None = None,
        *,
        code: Code | None = None,
        title: str | None = None,
        meta: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.code = code or self.default_code
        self.title = title or self.default_title
        self.detail = detail or self.title
        self.meta = meta or {}
        self.headers = headers or {}
        super().__init__(f"{self.code}: {self.detail}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": str(self.code),
            "title": self.title,
            "detail": without_reprs(self.detail),
            "status": self.status,
            "meta": self.meta,
        }


class BadRequest(DcaasError):
    status = 400
    default_code = Code.VALIDATION
    default_title = "Bad or invalid request."


class ValidationFailed(BadRequest):
    """A field failed validation; ``meta.field`` names it and ``meta.pointer`` locates it."""

    def __init__(
        self,
        detail: str,
        *,
        field: str,
        code: Code = Code.VALIDATION,
        title: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        pointer = "/" + field.replace(".", "/") if field else ""
        meta: dict[str, Any] = {"field": field, "pointer": pointer, **(extra or {})}
        super().__init__(detail, code=code, title=title, meta=meta)


class PayloadTooLarge(DcaasError):
    status = 413
    default_code = Code.BODY_TOO_LARGE
    default_title = "Request body too large."


class UnsupportedMediaType(DcaasError):
    status = 415
    default_code = Code.UNSUPPORTED_MEDIA_TYPE
    default_title = "Unsupported media type."


class Unauthorized(DcaasError):
    status = 401
    default_code = Code.UNAUTHENTICATED
    default_title = "Unauthorized."

    def __init__(self, detail: str | None = None, *, code: Code | None = None) -> None:
        super().__init__(detail, code=code, headers={"WWW-Authenticate": "Bearer"})


class Forbidden(DcaasError):
    status = 403
    default_code = Code.FORBIDDEN
    default_title = "Access forbidden."


class NotFound(DcaasError):
    status = 404
    default_code = Code.HTTP_NOT_FOUND
    default_title = "Not found."


class MethodNotAllowed(DcaasError):
    status = 405
    default_code = Code.HTTP_METHOD_NOT_ALLOWED
    default_title = "Method not allowed."


class Conflict(DcaasError):
    """A 409. There is no generic conflict: every one names its code (a name taken, a key in
    flight, a row changed meanwhile), so the code is required."""

    status = 409
    default_title = "Conflict."

    def __init__(
        self,
        detail: str,
        *,
        code: Code,
        meta: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail, code=code, meta=meta, headers=headers)


class PreconditionFailed(DcaasError):
    status = 412
    default_code = Code.PRECONDITION_FAILED
    default_title = "Precondition failed."


class UnprocessableContent(DcaasError):
    status = 422
    default_code = Code.IDEMPOTENCY_KEY_REUSED
    default_title = "Unprocessable content."


class TooManyRequests(DcaasError):
    status = 429
    default_code = Code.HTTP_TOO_MANY_REQUESTS
    default_title = "API rate limit reached."


class ServiceUnavailable(DcaasError):
    status = 503
    default_code = Code.UNAVAILABLE
    default_title = "Service unavailable."


class InternalError(DcaasError):
    status = 500
    default_code = Code.INTERNAL
    default_title = "Internal error."


def without_reprs(text: str) -> str:
    """``text`` with any Python object repr replaced by a neutral phrase."""
    return _REPR.sub("(an internal value)", text)


def envelope(*errors: DcaasError) -> dict[str, Any]:
    """The one renderer: ``{"errors": [{code, title, detail, status, meta}]}``."""
    return {"errors": [e.to_dict() for e in errors]}
