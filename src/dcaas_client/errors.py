"""Every error the SDK raises, one class per family, built from the server's envelope.

Exception tree::

    DcaasError                      code, title, detail, status, meta (first envelope item)
    ├── ClientError         4xx     any other 4xx (405, 415 ...)
    │   ├── BadRequestError     400  request shape, validation (meta.field / meta.pointer)
    │   ├── AuthenticationError 401  missing, invalid, expired or revoked token
    │   ├── ForbiddenError      403
    │   ├── NotFoundError       404
    │   ├── ConflictError       409
    │   ├── PreconditionFailedError 412  If-Match did not match
    │   ├── PayloadTooLargeError    413
    │   └── RateLimitedError    429  (after the retries ran out)
    ├── ServerError         5xx
    │   └── ServiceUnavailableError 503  (after the retries ran out)
    └── UnreachableError            no answer: refused, timed out, DNS (status 0)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx

_MAX_DETAIL = 500


class DcaasError(Exception):
    """Base of every SDK error; carries the first item of the error envelope."""

    def __init__(
        self,
        detail: str,
        *,
        code: str,
        title: str,
        status: int,
        meta: dict[str, Any] | None = None,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.code = code
        self.title = title
        self.detail = detail
        self.status = status
        self.meta = meta or {}
        self.errors = errors or []
        self.headers = headers or {}
        super().__init__(f"{status} {code}: {detail}")


class ClientError(DcaasError):
    """A 4xx answer without a more specific family."""


class BadRequestError(ClientError):
    """400: the request is malformed or a field is invalid."""


class AuthenticationError(ClientError):
    """401: no token, or the token is invalid, expired or revoked."""


class ForbiddenError(ClientError):
    """403: authenticated, but not allowed."""


class NotFoundError(ClientError):
    """404: no such resource (or not visible to the caller)."""


class ConflictError(ClientError):
    """409: a name or id is taken, or the resource is in use."""


class PreconditionFailedError(ClientError):
    """412: the resource changed since the ETag passed as ``if_match``."""


class PayloadTooLargeError(ClientError):
    """413: the request body is over the server's limit."""


class RateLimitedError(ClientError):
    """429: still rate limited after the allowed retries."""


class ServerError(DcaasError):
    """5xx: the server failed."""


class ServiceUnavailableError(ServerError):
    """503: the server or a data source is unavailable (after the allowed retries)."""


class UnreachableError(DcaasError):
    """No HTTP answer at all: connection refused, timeout, name resolution."""


_FAMILIES: dict[int, type[DcaasError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: ForbiddenError,
    404: NotFoundError,
    409: ConflictError,
    412: PreconditionFailedError,
    413: PayloadTooLargeError,
    429: RateLimitedError,
    503: ServiceUnavailableError,
}


def error_class(status: int) -> type[DcaasError]:
    """The family of an HTTP status."""
    if status in _FAMILIES:
        return _FAMILIES[status]
    return ServerError if status >= 500 else ClientError  # noqa: PLR2004


def from_response(response: httpx.Response) -> DcaasError:
    """The error for a non-2xx answer; tolerant of bodies that are not the envelope."""
    items = _envelope_items(response)
    first = items[0] if items else {}
    status = response.status_code
    cls = error_class(status)
    detail = str(first.get("detail") or _text(response) or response.reason_phrase)
    if status == 401 and not _sent_token(response):  # noqa: PLR2004
        detail += f"; {ANONYMOUS_HINT}"
    return cls(
        detail,
        code=str(first.get("code") or f"HTTP-{status}"),
        title=str(first.get("title") or response.reason_phrase),
        status=status,
        meta=first.get("meta") if isinstance(first.get("meta"), dict) else {},
        errors=items,
        headers=dict(response.headers),
    )


ANONYMOUS_HINT = (
    "no token was sent: pass one to Client(url, token) or set DCAAS_TOKEN "
    "(an API key is printed by `dcaas serve` on first start, or made by `dcaas apikey create`)"
)


def _sent_token(response: httpx.Response) -> bool:
    try:
        return "authorization" in response.request.headers
    except RuntimeError:  # a response built without a request (tests)
        return True


def unreachable(exc: httpx.TransportError, url: str) -> UnreachableError:
    """The error for a request that got no answer."""
    kind = type(exc).__name__
    return UnreachableError(
        f"no answer from {url}: {kind}",
        code="CLIENT-UNREACHABLE",
        title="Server unreachable.",
        status=0,
    )


def _envelope_items(response: httpx.Response) -> list[dict[str, Any]]:
    try:
        body = response.json()
    except ValueError:
        return []
    errors = body.get("errors") if isinstance(body, dict) else None
    if not isinstance(errors, list):
        return []
    return [e for e in errors if isinstance(e, dict)]


def _text(response: httpx.Response) -> str:
    try:
        return response.text[:_MAX_DETAIL].strip()
    except UnicodeDecodeError:
        return ""
