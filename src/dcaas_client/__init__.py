"""dcaas_client: the Python SDK of dcaas (sync and async, on httpx).

    from dcaas_client import Client, PropertiesConnectionCreate

    with Client("http://127.0.0.1:8080", token) as dcaas:   # or DCAAS_URL / DCAAS_TOKEN
        for conn in dcaas.connections.iter(filter='qName sw "sales"'):
            print(conn.qID, conn.qName)

Errors are one class per family (:mod:`dcaas_client.errors`), 429 and 503 are retried
honouring Retry-After, creates carry an Idempotency-Key, and list endpoints page with
``iter``.
"""

from dcaas_client._async import AsyncClient
from dcaas_client._retry import NO_RETRY, RetryPolicy
from dcaas_client._sync import Client
from dcaas_client.errors import (
    AuthenticationError,
    BadRequestError,
    ClientError,
    ConflictError,
    DcaasError,
    ForbiddenError,
    NotFoundError,
    PayloadTooLargeError,
    PreconditionFailedError,
    RateLimitedError,
    ServerError,
    ServiceUnavailableError,
    UnreachableError,
)
from dcaas_client.models import (
    ApiKeyCreate,
    ApiSpec,
    AssignmentCreate,
    AuthUrl,
    BulkUpdateItem,
    ConnectionCreate,
    ConnectionCreated,
    ConnectionGet,
    ConnectionUpdate,
    CredentialUpdate,
    DuplicateRequest,
    OrphanFilter,
    PatchOp,
    PropertiesConnectionCreate,
    SpaceCreate,
    SpaceUpdate,
    TestResult,
)

__all__ = [
    "NO_RETRY",
    "ApiKeyCreate",
    "ApiSpec",
    "AssignmentCreate",
    "AsyncClient",
    "AuthUrl",
    "AuthenticationError",
    "BadRequestError",
    "BulkUpdateItem",
    "Client",
    "ClientError",
    "ConflictError",
    "ConnectionCreate",
    "ConnectionCreated",
    "ConnectionGet",
    "ConnectionUpdate",
    "CredentialUpdate",
    "DcaasError",
    "DuplicateRequest",
    "ForbiddenError",
    "NotFoundError",
    "OrphanFilter",
    "PatchOp",
    "PayloadTooLargeError",
    "PreconditionFailedError",
    "PropertiesConnectionCreate",
    "RateLimitedError",
    "RetryPolicy",
    "ServerError",
    "ServiceUnavailableError",
    "SpaceCreate",
    "SpaceUpdate",
    "TestResult",
    "UnreachableError",
]
