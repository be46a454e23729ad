"""The one table that turns driver and library errors into classified failures.

Each row matches an exception (by type, and optionally by a predicate on it) and says which
stable code, failure class, HTTP status (for browse and preview) and user-facing detail it
becomes. Details are written here, not copied from driver messages, so that no secret a
driver echoes (a URL with a password, a key id) reaches a response or a log line.

Rows are checked in order; the first match wins. Connector modules add no ``except``
blocks of their own for classification: they add rows here, in their section.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from typing import TYPE_CHECKING

import asyncpg
import httpx
import pymysql

from dcaas.connectors.failures_sql import SQL_ENGINE_RULES
from dcaas.connectors.rules import Rule
from dcaas.connectors.rules import all_of as _all
from dcaas.connectors.rules import caused_by as _caused_by
from dcaas.connectors.rules import named as _named
from dcaas.connectors.source_failure import FailureClass, SourceFailure
from dcaas.errors import Code
from dcaas.kit.outbound import HostNotFound, OutboundRefused

if TYPE_CHECKING:
    from collections.abc import Callable

F = FailureClass


# -- generic network rows (every connector) ------------------------------------------------
_GENERIC: list[Rule] = [
    Rule(OutboundRefused, Code.SOURCE_OUTBOUND_REFUSED, F.CONFIGURATION, str, http_status=400),
    Rule(
        HostNotFound,
        Code.SOURCE_HOST_NOT_FOUND,
        F.CONFIGURATION,
        lambda e: f"{e}; check the host name",
        http_status=400,
    ),
    Rule(
        socket.gaierror,
        Code.SOURCE_HOST_NOT_FOUND,
        F.CONFIGURATION,
        "the host name does not resolve; check the host name",
        http_status=400,
    ),
    Rule(
        ConnectionRefusedError,
        Code.SOURCE_CONNECT_REFUSED,
        F.UNREACHABLE,
        "the server refused the connection; check the host and port, and that the service "
        "is running",
    ),
    Rule(
        (TimeoutError, asyncio.TimeoutError),
        Code.SOURCE_CONNECT_TIMEOUT,
        F.UNREACHABLE,
        "the server did not answer in time; check the host, port and any firewall",
    ),
    Rule(
        ssl.SSLCertVerificationError,
        Code.SOURCE_TLS_FAILED,
        F.CONFIGURATION,
        "the server's TLS certificate is not trusted; check the host name, or supply the "
        "root certificate",
        http_status=400,
    ),
    Rule(
        ssl.SSLError,
        Code.SOURCE_TLS_FAILED,
        F.CONFIGURATION,
        "the TLS handshake failed; check that the port speaks TLS and the TLS settings",
        http_status=400,
    ),
    Rule(
        OSError,
        Code.SOURCE_CONNECT_REFUSED,
        F.UNREACHABLE,
        "the connection to the server failed; check the host and port",
    ),
]


def _status(*codes: int) -> Callable[[BaseException], bool]:
    def check(exc: BaseException) -> bool:
        return isinstance(exc, httpx.HTTPStatusError) and exc.response.status_code in codes

    return check


def _code(exc: BaseException) -> int:
    return exc.response.status_code if isinstance(exc, httpx.HTTPStatusError) else 0


def _status_detail(exc: BaseException) -> str:
    return f"the server answered HTTP {_code(exc)}; check the URL, method and parameters"


# -- per-connector sections: each connector module's authors add their rows here ----------
_REST: list[Rule] = [
    Rule(
        httpx.HTTPStatusError,
        Code.SOURCE_AUTH_FAILED,
        F.CREDENTIALS,
        "the server refused the credentials (HTTP 401); check the user name and password, "
        "the token or the authorization header",
        when=_status(401),
        http_status=400,
    ),
    Rule(
        httpx.HTTPStatusError,
        Code.SOURCE_ACCESS_DENIED,
        F.CREDENTIALS,
        "the server denied access (HTTP 403); the credentials are valid but may not use "
        "this endpoint",
        when=_status(403),
        http_status=400,
    ),
    Rule(
        httpx.HTTPStatusError,
        Code.SOURCE_NOT_FOUND,
        F.CONFIGURATION,
        "the endpoint was not found (HTTP 404 or 410); check the URL",
        when=_status(404, 410),
        http_status=404,
    ),
    Rule(
        httpx.HTTPStatusError,
        Code.SOURCE_RATE_LIMITED,
        F.TRANSIENT,
        "the server is limiting requests (HTTP 429); retry later",
        when=_status(429),
    ),
    Rule(
        httpx.HTTPStatusError,
        Code.SOURCE_SERVER_ERROR,
        F.TRANSIENT,
        lambda e: f"the server failed (HTTP {_code(e)}); retry later, or ask the API's owner",
        when=_status(*range(500, 600)),
    ),
    Rule(
        httpx.HTTPStatusError,
        Code.SOURCE_PROTOCOL_ERROR,
        F.CONFIGURATION,
        _status_detail,
        http_status=400,
    ),
    Rule(
        httpx.TooManyRedirects,
        Code.SOURCE_PROTOCOL_ERROR,
        F.CONFIGURATION,
        "the server redirected too many times; check the URL",
        http_status=400,
    ),
    Rule(
        httpx.UnsupportedProtocol,
        Code.SOURCE_PROTOCOL_ERROR,
        F.CONFIGURATION,
        "the URL (or a redirect) is not http or https",
        http_status=400,
    ),
    Rule(
        httpx.ConnectTimeout,
        Code.SOURCE_CONNECT_TIMEOUT,
        F.UNREACHABLE,
        "the server did not accept the connection in time; check the host, port and any firewall",
    ),
    Rule(
        httpx.TimeoutException,
        Code.SOURCE_TIMEOUT,
        F.TRANSIENT,
        "the server did not answer in time; retry, or raise the connection's timeout",
    ),
    Rule(
        httpx.ConnectError,
        Code.SOURCE_TLS_FAILED,
        F.CONFIGURATION,
        "the server's TLS certificate is not trusted; check the host name, or supply the "
        "root certificate",
        when=_caused_by(ssl.SSLCertVerificationError),
        http_status=400,
    ),
    Rule(
        httpx.ConnectError,
        Code.SOURCE_TLS_FAILED,
        F.CONFIGURATION,
        "the TLS handshake failed; check that the port speaks TLS and the TLS settings",
        when=_caused_by(ssl.SSLError),
        http_status=400,
    ),
    Rule(
        httpx.ConnectError,
        Code.SOURCE_CONNECT_REFUSED,
        F.UNREACHABLE,
        "the connection to the server failed; check the host and port, and that the service "
        "is running",
    ),
    Rule(
        (httpx.RemoteProtocolError, httpx.DecodingError),
        Code.SOURCE_PROTOCOL_ERROR,
        F.CONFIGURATION,
        "the server's answer is not valid HTTP; check the scheme and port",
        http_status=400,
    ),
    Rule(
        httpx.NetworkError,
        Code.SOURCE_CONNECT_REFUSED,
        F.UNREACHABLE,
        "the connection to the server broke; retry, and check the host and port",
    ),
    Rule(
        ssl.SSLError,
        Code.SOURCE_TLS_FAILED,
        F.CONFIGURATION,
        "the root certificates could not be read; give PEM certificates",
        when=lambda e: getattr(e, "library", None) in ("PEM", "X509"),
        http_status=400,
    ),
]


# botocore wraps what urllib3 raised (HTTPClientError(error=...)); the pinned connections of
# dcaas.connectors.drivers.pinning raise the outbound policy's own errors inside it.
def _wrapped(exc: BaseException) -> BaseException | None:
    inner = getattr(exc, "kwargs", {}).get("error")
    return inner if isinstance(inner, BaseException) else None


def _s3_error(*codes: str) -> Callable[[BaseException], bool]:
    def match(exc: BaseException) -> bool:
        response = getattr(exc, "response", None) or {}
        code = str(response.get("Error", {}).get("Code", ""))
        status = str(response.get("ResponseMetadata", {}).get("HTTPStatusCode", ""))
        return code in codes or (not code and status in codes)

    return _all(_named("botocore.exceptions", "ClientError"), match)


def _s3_status(low: int, high: int) -> Callable[[BaseException], bool]:
    def match(exc: BaseException) -> bool:
        response = getattr(exc, "response", None) or {}
        status = int(response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
        return low <= status <= high

    return _all(_named("botocore.exceptions", "ClientError"), match)


_BOTO = "botocore.exceptions"
_S3: list[Rule] = [
    Rule(
        Exception,
        Code.SOURCE_OUTBOUND_REFUSED,
        F.CONFIGURATION,
        lambda e: str(_wrapped(e)),
        when=lambda e: isinstance(_wrapped(e), OutboundRefused),
        http_status=400,
    ),
    Rule(
        Exception,
        Code.SOURCE_HOST_NOT_FOUND,
        F.CONFIGURATION,
        lambda e: f"{_wrapped(e)}; check the endpoint",
        http_status=400,
        when=lambda e: isinstance(_wrapped(e), HostNotFound),
    ),
    Rule(
        Exception,
        Code.SOURCE_AUTH_FAILED,
        F.CREDENTIALS,
        "the store refused the access key or the secret key; check accessKey and secretKey",
        when=_s3_error(
            "InvalidAccessKeyId",
            "SignatureDoesNotMatch",
            "InvalidToken",
            "ExpiredToken",
            "InvalidClientTokenId",
        ),
        http_status=400,
    ),
    Rule(
        Exception,
        Code.SOURCE_AUTH_FAILED,
        F.CREDENTIALS,
        "no access key and secret key were given; add accessKey and secretKey",
        when=_named(_BOTO, "NoCredentialsError", "PartialCredentialsError"),
        http_status=400,
    ),
    Rule(
        Exception,
        Code.SOURCE_NOT_FOUND,
        F.CONFIGURATION,
        "the bucket is in another region; check region (and endpointUrl)",
        when=_s3_error(
            "PermanentRedirect",
            "AuthorizationHeaderMalformed",
            "301",
            "IllegalLocationConstraintException",
        ),
        http_status=400,
    ),
    Rule(
        Exception,
        Code.SOURCE_ACCESS_DENIED,
        F.CREDENTIALS,
        "the key has no permission for this; grant it access to the bucket (s3:ListBucket, "
        "s3:GetObject)",
        when=_s3_error("AccessDenied", "AllAccessDisabled", "403"),
        http_status=403,
    ),
    Rule(
        Exception,
        Code.SOURCE_NOT_FOUND,
        F.CONFIGURATION,
        "the bucket does not exist; check bucketName",
        when=_s3_error("NoSuchBucket"),
        http_status=400,
    ),
    Rule(
        Exception,
        Code.SOURCE_NOT_FOUND,
        F.CONFIGURATION,
        "the bucket or the object does not exist; check bucketName and the path",
        when=_s3_error("NoSuchKey", "NotFound", "404"),
        http_status=404,
    ),
    Rule(
        Exception,
        Code.SOURCE_RATE_LIMITED,
        F.TRANSIENT,
        "the store asks to slow down; try again later",
        when=_s3_error("SlowDown", "Throttling", "RequestLimitExceeded", "429"),
    ),
    Rule(
        Exception,
        Code.SOURCE_SERVER_ERROR,
        F.TRANSIENT,
        "the store failed to answer; try again later",
        when=_s3_status(500, 599),
    ),
    Rule(
        Exception,
        Code.SOURCE_PROTOCOL_ERROR,
        F.CONFIGURATION,
        "the store refused the request; check endpointUrl and forcePathStyle",
        when=_s3_status(400, 499),
        http_status=400,
    ),
    Rule(
        Exception,
        Code.SOURCE_CONNECT_TIMEOUT,
        F.UNREACHABLE,
        "the store did not answer in time; check endpointUrl and any firewall",
        when=_named(_BOTO, "ConnectTimeoutError"),
    ),
    Rule(
        Exception,
        Code.SOURCE_TIMEOUT,
        F.TRANSIENT,
        "the store stopped answering; try again later",
        when=_named(_BOTO, "ReadTimeoutError"),
    ),
    Rule(
        Exception,
        Code.SOURCE_TLS_FAILED,
        F.CONFIGURATION,
        "the TLS handshake with the store failed; check endpointUrl and its certificate",
        when=_named(_BOTO, "SSLError"),
        http_status=400,
    ),
    Rule(
        Exception,
        Code.SOURCE_CONNECT_REFUSED,
        F.UNREACHABLE,
        "the connection to the store failed; check endpointUrl and that the store is running",
        when=_named(_BOTO, "EndpointConnectionError", "ConnectionClosedError", "HTTPClientError"),
    ),
]
_GAUTH, _GAPI, _REQ = "google.auth.exceptions", "google.api_core.exceptions", "requests.exceptions"
_GCS: list[Rule] = [
    Rule(
        Exception,
        Code.SOURCE_AUTH_FAILED,
        F.CREDENTIALS,
        "the token endpoint refused the service-account key; check that the key file is "
        "current and not revoked",
        when=_named(_GAUTH, "RefreshError"),
        http_status=400,
    ),
    Rule(
        Exception,
        Code.SOURCE_CONNECT_REFUSED,
        F.UNREACHABLE,
        "the token endpoint (the key file's token_uri) could not be reached",
        when=_named(_GAUTH, "TransportError"),
    ),
    Rule(
        Exception,
        Code.SOURCE_AUTH_FAILED,
        F.CREDENTIALS,
        "the store refused the access token; check the service-account key",
        when=_named(_GAPI, "Unauthorized"),
        http_status=400,
    ),
    Rule(
        Exception,
        Code.SOURCE_ACCESS_DENIED,
        F.CREDENTIALS,
        "the service account has no permission for this; grant it read access to the bucket "
        "(roles/storage.objectViewer)",
        when=_named(_GAPI, "Forbidden"),
        http_status=403,
    ),
    Rule(
        Exception,
        Code.SOURCE_NOT_FOUND,
        F.CONFIGURATION,
        "the bucket or the object does not exist; check bucketName and the path",
        when=_named(_GAPI, "NotFound"),
        http_status=404,
    ),
    Rule(
        Exception,
        Code.SOURCE_RATE_LIMITED,
        F.TRANSIENT,
        "the store asks to slow down; try again later",
        when=_named(_GAPI, "TooManyRequests"),
    ),
    Rule(
        Exception,
        Code.SOURCE_SERVER_ERROR,
        F.TRANSIENT,
        "the store failed to answer; try again later",
        when=_named(_GAPI, "ServerError"),
    ),
    Rule(
        Exception,
        Code.SOURCE_PROTOCOL_ERROR,
        F.CONFIGURATION,
        "the store refused the request; check endpointUrl and bucketName",
        when=_named(_GAPI, "ClientError"),
        http_status=400,
    ),
    Rule(
        Exception,
        Code.SOURCE_CONNECT_TIMEOUT,
        F.UNREACHABLE,
        "the store did not answer in time; check endpointUrl and any firewall",
        when=_named(_REQ, "ConnectTimeout"),
    ),
    Rule(
        Exception,
        Code.SOURCE_TIMEOUT,
        F.TRANSIENT,
        "the store stopped answering; try again later",
        when=_named(_REQ, "ReadTimeout"),
    ),
    Rule(
        Exception,
        Code.SOURCE_TLS_FAILED,
        F.CONFIGURATION,
        "the TLS handshake with the store failed; check endpointUrl and its certificate",
        when=_named(_REQ, "SSLError"),
        http_status=400,
    ),
    Rule(
        Exception,
        Code.SOURCE_CONNECT_REFUSED,
        F.UNREACHABLE,
        "the connection to the store failed; check endpointUrl and that the store is running",
        when=_named(_REQ, "ConnectionError"),
    ),
]
_SSH, _SFTP_MOD = "asyncssh.misc", "asyncssh.sftp"
_SFTP: list[Rule] = [
    Rule(
        Exception,
        Code.SOURCE_AUTH_FAILED,
        F.CREDENTIALS,
        "the server refused the user name, password or key; check them",
        when=_named(_SSH, "PermissionDenied"),
        http_status=400,
    ),
    Rule(
        Exception,
        Code.SOURCE_AUTH_FAILED,
        F.CREDENTIALS,
        "the private key could not be read; check privateKey and privateKeyPassphrase",
        when=_named("asyncssh.public_key", "KeyImportError"),
        http_status=400,
    ),
    Rule(
        Exception,
        Code.SOURCE_AUTH_FAILED,
        F.CREDENTIALS,
        "the private key could not be decrypted; check privateKeyPassphrase",
        when=_named("asyncssh.pbe", "KeyEncryptionError"),
        http_status=400,
    ),
    Rule(
        Exception,
        Code.SOURCE_HOST_KEY_MISMATCH,
        F.CONFIGURATION,
        "the server's host key was not accepted; check publicKey and publicKeyFingerprint",
        when=_named(_SSH, "HostKeyNotVerifiable"),
        http_status=400,
    ),
    Rule(
        Exception,
        Code.SOURCE_NOT_FOUND,
        F.CONFIGURATION,
        "the path does not exist on the server; check the path",
        when=_named(_SFTP_MOD, "SFTPNoSuchFile", "SFTPNoSuchPath"),
        http_status=404,
    ),
    Rule(
        Exception,
        Code.SOURCE_ACCESS_DENIED,
        F.CREDENTIALS,
        "the user may not read this path; check its permissions on the server",
        when=_named(_SFTP_MOD, "SFTPPermissionDenied"),
        http_status=403,
    ),
    Rule(
        Exception,
        Code.SOURCE_CONNECT_REFUSED,
        F.UNREACHABLE,
        "the server closed the connection; check the host and port, and that SSH runs there",
        when=_named(_SSH, "ConnectionLost"),
    ),
    Rule(
        Exception,
        Code.SOURCE_PROTOCOL_ERROR,
        F.CONFIGURATION,
        "the SSH session failed; check that the port speaks SSH and allows SFTP",
        when=_named(_SSH, "DisconnectError", "ChannelOpenError"),
        http_status=400,
    ),
    Rule(
        Exception,
        Code.SOURCE_SERVER_ERROR,
        F.TRANSIENT,
        "the SFTP server failed the request; try again later",
        when=_named(_SFTP_MOD, "SFTPError"),
    ),
]


# -- Azure Blob Storage and ADLS Gen2 (azure-core, azure-storage-blob, azure-identity) --------
_AZ = "azure.core.exceptions"


def _cause(exc: BaseException, kind: type[BaseException]) -> BaseException | None:
    seen: BaseException | None = exc
    for _ in range(10):
        if seen is None or isinstance(seen, kind):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _azure_status(low: int, high: int) -> Callable[[BaseException], bool]:
    def match(exc: BaseException) -> bool:
        return low <= int(getattr(exc, "status_code", None) or 0) <= high

    return _all(_named(_AZ, "HttpResponseError"), match)


def _azure_code(*codes: str) -> Callable[[BaseException], bool]:
    return lambda exc: getattr(exc, "error_code", None) in codes


_AZURE: list[Rule] = [
    Rule(
        Exception,
        Code.SOURCE_OUTBOUND_REFUSED,
        F.CONFIGURATION,
        lambda e: str(_cause(e, OutboundRefused)),
        when=_all(_named(_AZ, "AzureError"), _caused_by(OutboundRefused)),
        http_status=400,
    ),
    Rule(
        Exception,
        Code.SOURCE_HOST_NOT_FOUND,
        F.CONFIGURATION,
        lambda e: f"{_cause(e, HostNotFound)}; check accountName and endpointUrl",
        when=_all(_named(_AZ, "AzureError"), _caused_by(HostNotFound)),
        http_status=400,
    ),
    Rule(
        Exception,
        Code.SOURCE_AUTH_FAILED,
        F.CREDENTIALS,
        "the store or the login host refused the credential; check the account key, the SAS "
        "token (and its expiry), or the service principal's tenantId, clientId and clientSecret",
        when=_named(_AZ, "ClientAuthenticationError"),
        http_status=400,
    ),
    Rule(
        Exception,
        Code.SOURCE_AUTH_FAILED,
        F.CREDENTIALS,
        "the store refused the request's authorization: a wrong account key or SAS signature, "
        "or the account's network rules do not let dcaas in",
        when=_all(_azure_status(403, 403), _azure_code("AuthorizationFailure")),
        http_status=400,
    ),
    Rule(
        Exception,
        Code.SOURCE_NOT_FOUND,
        F.CONFIGURATION,
        "the container (file system) does not exist; check containerName or fileSystem",
        when=_all(_named(_AZ, "ResourceNotFoundError"), _azure_code("ContainerNotFound")),
        http_status=400,
    ),
    Rule(
        Exception,
        Code.SOURCE_NOT_FOUND,
        F.CONFIGURATION,
        "the blob or the container does not exist; check the path",
        when=_named(_AZ, "ResourceNotFoundError"),
        http_status=404,
    ),
    Rule(
        Exception,
        Code.SOURCE_ACCESS_DENIED,
        F.CREDENTIALS,
        "the credential may not do this; grant it read and list on the container (for a "
        "service principal, the Storage Blob Data Reader role; for a SAS, r and l)",
        when=_azure_status(403, 403),
        http_status=403,
    ),
    Rule(
        Exception,
        Code.SOURCE_RATE_LIMITED,
        F.TRANSIENT,
        "the store asks to slow down; try again later",
        when=_all(_named(_AZ, "HttpResponseError"), _azure_code("ServerBusy")),
    ),
    Rule(
        Exception,
        Code.SOURCE_SERVER_ERROR,
        F.TRANSIENT,
        "the store failed to answer; try again later",
        when=_azure_status(500, 599),
    ),
    Rule(
        Exception,
        Code.SOURCE_PROTOCOL_ERROR,
        F.CONFIGURATION,
        "the store refused the request; check endpointUrl and accountName",
        when=_azure_status(400, 499),
        http_status=400,
    ),
    Rule(
        Exception,
        Code.SOURCE_TLS_FAILED,
        F.CONFIGURATION,
        "the TLS handshake with the store or the login host failed; check endpointUrl, "
        "loginUrl and rootCertificates",
        when=_all(_named(_AZ, "ServiceRequestError"), _caused_by(ssl.SSLError)),
        http_status=400,
    ),
    Rule(
        Exception,
        Code.SOURCE_CONNECT_TIMEOUT,
        F.UNREACHABLE,
        "the store did not answer in time; check endpointUrl and any firewall",
        when=_named(_AZ, "ServiceRequestTimeoutError"),
    ),
    Rule(
        Exception,
        Code.SOURCE_TIMEOUT,
        F.TRANSIENT,
        "the store stopped answering; try again later",
        when=_named(_AZ, "ServiceResponseTimeoutError"),
    ),
    Rule(
        Exception,
        Code.SOURCE_CONNECT_REFUSED,
        F.UNREACHABLE,
        "the connection to the store (or the login host) failed; check endpointUrl and that "
        "the store is running",
        when=_named(_AZ, "ServiceRequestError", "ServiceResponseError"),
    ),
]


def _mysql(*codes: int) -> Callable[[BaseException], bool]:
    def check(exc: BaseException) -> bool:
        return bool(exc.args) and exc.args[0] in codes

    return check


_SQL: list[Rule] = [
    Rule(
        (asyncpg.InvalidPasswordError, asyncpg.InvalidAuthorizationSpecificationError),
        Code.SOURCE_AUTH_FAILED,
        F.CREDENTIALS,
        "the server refused the user name or password (or no server rule lets this user in "
        "from here); check the credentials",
        http_status=400,
    ),
    Rule(
        asyncpg.InvalidCatalogNameError,
        Code.SOURCE_NOT_FOUND,
        F.CONFIGURATION,
        "the database does not exist; check the database name",
        http_status=404,
    ),
    Rule(
        asyncpg.InsufficientPrivilegeError,
        Code.SOURCE_ACCESS_DENIED,
        F.CREDENTIALS,
        "the user may not read this; ask for the privilege or use another user",
        http_status=403,
    ),
    Rule(
        (asyncpg.UndefinedTableError, asyncpg.InvalidSchemaNameError),
        Code.SOURCE_NOT_FOUND,
        F.CONFIGURATION,
        "the table or schema does not exist",
        http_status=404,
    ),
    Rule(
        (asyncpg.TooManyConnectionsError, asyncpg.CannotConnectNowError),
        Code.SOURCE_SERVER_ERROR,
        F.TRANSIENT,
        "the server cannot take a connection now; retry later",
    ),
    Rule(
        asyncpg.QueryCanceledError,
        Code.SOURCE_TIMEOUT,
        F.TRANSIENT,
        "the database cancelled the query (statement timeout); retry later",
    ),
    Rule(
        ConnectionError,
        Code.SOURCE_TLS_FAILED,
        F.CONFIGURATION,
        "the server does not offer TLS, which the sslMode needs; enable TLS on the server "
        "or change sslMode",
        when=lambda e: "SSL" in str(e),
        http_status=400,
    ),
    Rule(
        asyncpg.PostgresError,
        Code.SOURCE_SERVER_ERROR,
        F.TRANSIENT,
        lambda e: f"the database reported an error (SQLSTATE {getattr(e, 'sqlstate', '?')})",
    ),
    Rule(
        pymysql.err.MySQLError,
        Code.SOURCE_AUTH_FAILED,
        F.CREDENTIALS,
        "the server refused the user name or password; check the credentials",
        when=_mysql(1045, 1698),
        http_status=400,
    ),
    Rule(
        pymysql.err.MySQLError,
        Code.SOURCE_ACCESS_DENIED,
        F.CREDENTIALS,
        "the user may not use this database or table (or connect from here); ask for the "
        "privilege or use another user",
        when=_mysql(1044, 1130, 1142, 1143),
        http_status=403,
    ),
    Rule(
        pymysql.err.MySQLError,
        Code.SOURCE_NOT_FOUND,
        F.CONFIGURATION,
        "the database or table does not exist; check the name",
        when=_mysql(1049, 1146),
        http_status=404,
    ),
    Rule(
        pymysql.err.MySQLError,
        Code.SOURCE_CONNECT_REFUSED,
        F.UNREACHABLE,
        "the connection to the server failed or broke; check the host and port, and that "
        "the service is running",
        when=_mysql(2003, 2006, 2013),
    ),
    Rule(
        pymysql.err.MySQLError,
        Code.SOURCE_SERVER_ERROR,
        F.TRANSIENT,
        "the server cannot take a connection now; retry later",
        when=_mysql(1040, 1203),
    ),
    Rule(
        pymysql.err.MySQLError,
        Code.SOURCE_SERVER_ERROR,
        F.TRANSIENT,
        lambda e: f"the database reported an error ({e.args[0] if e.args else '?'})",
    ),
    Rule(
        asyncio.IncompleteReadError,
        Code.SOURCE_PROTOCOL_ERROR,
        F.CONFIGURATION,
        "the server closed the connection mid-handshake; check the port and the protocol",
        http_status=400,
    ),
]
# The OAuth REST connector uses the REST rows above for HTTP; this catches the rest.
_OAUTH: list[Rule] = [
    Rule(
        httpx.HTTPError,
        Code.SOURCE_PROTOCOL_ERROR,
        F.TRANSIENT,
        "the API's answer could not be read; retry later",
    ),
]

# Specific rows first; the generic network rows (OSError is broad) last. The SQL engines'
# rows come before S3's and GCS's: Athena and BigQuery raise the same library exceptions.
TABLE: list[Rule] = [
    *_REST,
    *SQL_ENGINE_RULES,
    *_S3,
    *_GCS,
    *_SFTP,
    *_AZURE,
    *_SQL,
    *_OAUTH,
    *_GENERIC,
]


def classify(exc: BaseException) -> SourceFailure:
    """The classified failure for ``exc`` (an internal failure when no row matches)."""
    if isinstance(exc, SourceFailure):
        return exc
    for rule in TABLE:
        if rule.matches(exc):
            return rule.failure(exc)
    return SourceFailure(
        Code.SOURCE_INTERNAL,
        F.INTERNAL,
        f"the connector failed unexpectedly ({type(exc).__name__}); this has been logged",
        http_status=503,
    )
