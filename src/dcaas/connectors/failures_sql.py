"""The SQL engines' rows of the one failure table (connectors/failures.py): a module of its own,
importing only leaves, so the table does not depend on the SQL layer that uses it.

Drivers are optional, so rows match their exceptions by module and class name, and by the
driver's own codes (SQLSTATE, vendor error numbers); details are written here, never copied
from a driver's message. Athena and BigQuery raise the same library exceptions as S3 and
GCS: their rows recognise them by the Athena operation or the BigQuery URL, and come first.
"""

from __future__ import annotations

import re
import ssl
from typing import TYPE_CHECKING, Any

from dcaas.connectors.rules import Rule, all_of, caused_by, named
from dcaas.connectors.source_failure import FailureClass
from dcaas.errors import Code

if TYPE_CHECKING:
    from collections.abc import Callable

F = FailureClass

_DRIVERS = (
    "snowflake.connector",
    "pymssql",
    "pyodbc",
    "redshift_connector",
    "oracledb",
    "teradatasql",
    "databricks.sql",
    "pyathena",
)


def _driver(exc: BaseException) -> bool:
    return any(c.__module__.startswith(_DRIVERS) for c in type(exc).__mro__)


def _driver_or_urllib3(exc: BaseException) -> bool:
    """Also urllib3 (Databricks' connector raises its errors unwrapped)."""
    return _driver(exc) or named("urllib3.exceptions", "MaxRetryError")(exc)


def _text(exc: BaseException) -> str:
    parts = [str(exc)]
    for arg in getattr(exc, "args", ()):
        if isinstance(arg, bytes):
            parts.append(arg.decode("utf-8", "replace"))
        elif isinstance(arg, dict):
            parts.append(str(arg.get("M", "")))
    return " ".join(parts)


def _says(*phrases: str) -> Callable[[BaseException], bool]:
    """The driver's message names the situation (matched here, never shown)."""
    lowered = tuple(p.lower() for p in phrases)
    return lambda exc: any(p in _text(exc).lower() for p in lowered)


def _sqlstate(exc: BaseException) -> str:
    """SQLSTATE from pyodbc (args[0]), redshift_connector (args[0]['C']) or snowflake."""
    state = getattr(exc, "sqlstate", None)
    if isinstance(state, str):
        return state
    args = getattr(exc, "args", ())
    if args and isinstance(args[0], dict):
        return str(args[0].get("C", ""))
    if args and isinstance(args[0], str) and re.fullmatch(r"[0-9A-Z]{5}", args[0]):
        return args[0]
    return ""


def _state(*states: str) -> Callable[[BaseException], bool]:
    return lambda exc: (
        _sqlstate(exc) in states
        or any(_sqlstate(exc).startswith(s[:-1]) for s in states if s.endswith("*"))
    )


def _number(exc: BaseException) -> int | None:
    """A vendor error number: pymssql's args[0], snowflake's errno, Teradata's [Error n]."""
    errno = getattr(exc, "errno", None)
    if isinstance(errno, int):
        return errno
    args = getattr(exc, "args", ())
    if args and isinstance(args[0], int):
        return args[0]
    found = re.search(r"\[Error (\d+)\]", _text(exc))
    return int(found.group(1)) if found else None


def _numbered(*numbers: int) -> Callable[[BaseException], bool]:
    return lambda exc: _number(exc) in numbers


def _oracle(*codes: str) -> Callable[[BaseException], bool]:
    def match(exc: BaseException) -> bool:
        args: tuple[Any, ...] = tuple(getattr(exc, "args", ()))
        return bool(args) and str(getattr(args[0], "full_code", "")) in codes

    return match


# -- Athena: botocore's ClientError of an Athena operation (or PyAthena's wrapper of it) ---
_ATHENA_OPERATIONS = {
    "GetWorkGroup",
    "GetDatabase",
    "ListDatabases",
    "ListTableMetadata",
    "GetTableMetadata",
    "StartQueryExecution",
    "GetQueryExecution",
    "GetQueryResults",
}


def _client_error(exc: BaseException) -> Any:
    seen: BaseException | None = exc
    for _ in range(5):
        if seen is None:
            return None
        if getattr(seen, "operation_name", None) in _ATHENA_OPERATIONS:
            return seen
        seen = seen.__cause__
    return None


def _athena(*codes: str) -> Callable[[BaseException], bool]:
    def match(exc: BaseException) -> bool:
        error = _client_error(exc)
        if error is None:
            return False
        code = str((getattr(error, "response", None) or {}).get("Error", {}).get("Code", ""))
        return not codes or code in codes

    return match


def _bigquery(exc: BaseException) -> bool:
    response = getattr(exc, "response", None)
    return "/bigquery/" in str(getattr(response, "url", ""))


_GAPI = "google.api_core.exceptions"
_SNOW = "snowflake.connector.errors"


def _row(
    code: Code,
    failure_class: FailureClass,
    detail: str,
    when: Callable[[BaseException], bool],
    http_status: int = 400,
) -> Rule:
    return Rule(Exception, code, failure_class, detail, when=when, http_status=http_status)


_AUTH = "the server refused the user name or password (or the key); check the credentials"
_DENIED = "the user may not use this database, schema or table; ask for the privilege"
_MISSING = "the database, schema or table does not exist, or this user cannot see it"

SQL_ENGINE_RULES: list[Rule] = [
    # Athena (before the S3 rows, which match the same ClientError).
    _row(
        Code.SOURCE_AUTH_FAILED,
        F.CREDENTIALS,
        "AWS refused the access key or the secret; check username (access key id) and "
        "password (secret access key)",
        _athena(
            "UnrecognizedClientException",
            "InvalidSignatureException",
            "InvalidClientTokenId",
            "SignatureDoesNotMatch",
            "ExpiredTokenException",
            "InvalidAccessKeyId",
        ),
    ),
    _row(  # an error body botocore could not read: only the status and the message
        Code.SOURCE_AUTH_FAILED,
        F.CREDENTIALS,
        "AWS refused the access key or the secret; check username (access key id) and "
        "password (secret access key)",
        all_of(_athena("403"), _says("signature", "security token", "access key id")),
    ),
    _row(
        Code.SOURCE_ACCESS_DENIED,
        F.CREDENTIALS,
        "the key may not use Athena, this workgroup or this catalog; grant it "
        "athena:GetWorkGroup, athena:*Metadata, athena:ListDatabases and query rights",
        _athena("AccessDeniedException", "AccessDenied", "403"),
        http_status=403,
    ),
    _row(
        Code.SOURCE_RATE_LIMITED,
        F.TRANSIENT,
        "Athena asks to slow down; retry later",
        _athena("ThrottlingException", "TooManyRequestsException"),
        http_status=503,
    ),
    _row(
        Code.SOURCE_NOT_FOUND,
        F.CONFIGURATION,
        "the workgroup, catalog, schema or table does not exist; check Workgroup, Catalog "
        "and Schema",
        _athena("MetadataException", "InvalidRequestException", "ResourceNotFoundException"),
        http_status=404,
    ),
    _row(
        Code.SOURCE_PROTOCOL_ERROR,
        F.CONFIGURATION,
        "Athena refused the request; check AwsRegion, Workgroup, Catalog and Schema",
        _athena(),
    ),
    _row(
        Code.SOURCE_NOT_FOUND,
        F.CONFIGURATION,
        "the query failed: the table or a column does not exist",
        all_of(named("pyathena", "OperationalError"), _says("not found", "does not exist")),
        http_status=404,
    ),
    _row(
        Code.SOURCE_SERVER_ERROR,
        F.TRANSIENT,
        "the Athena query failed; check S3OutputLocation and the workgroup's settings",
        named("pyathena", "OperationalError", "DatabaseError"),
        http_status=503,
    ),
    # BigQuery (before the GCS rows, which match the same google.api_core exceptions).
    _row(
        Code.SOURCE_AUTH_FAILED,
        F.CREDENTIALS,
        "BigQuery refused the access token; check the key file or authorize again",
        all_of(named(_GAPI, "Unauthorized"), _bigquery),
    ),
    _row(
        Code.SOURCE_ACCESS_DENIED,
        F.CREDENTIALS,
        "the account may not read this project or dataset; grant it BigQuery Data Viewer "
        "and BigQuery User (or Read Session User)",
        all_of(named(_GAPI, "Forbidden"), _bigquery),
        http_status=403,
    ),
    _row(
        Code.SOURCE_NOT_FOUND,
        F.CONFIGURATION,
        "the project, dataset or table does not exist; check Catalog and the path",
        all_of(named(_GAPI, "NotFound"), _bigquery),
        http_status=404,
    ),
    _row(
        Code.SOURCE_RATE_LIMITED,
        F.TRANSIENT,
        "BigQuery asks to slow down; retry later",
        all_of(named(_GAPI, "TooManyRequests"), _bigquery),
        http_status=503,
    ),
    _row(
        Code.SOURCE_SERVER_ERROR,
        F.TRANSIENT,
        "BigQuery could not answer; retry later",
        all_of(named(_GAPI, "ServerError"), _bigquery),
        http_status=503,
    ),
    _row(
        Code.SOURCE_PROTOCOL_ERROR,
        F.CONFIGURATION,
        "BigQuery refused the request; check Catalog and apiEndpoint",
        all_of(named(_GAPI, "ClientError"), _bigquery),
    ),
    # Snowflake.
    _row(
        Code.SOURCE_AUTH_FAILED,
        F.CREDENTIALS,
        _AUTH,
        all_of(named(_SNOW, "DatabaseError"), _numbered(390100, 390101, 390144, 390318)),
    ),
    _row(
        Code.SOURCE_ACCESS_DENIED,
        F.CREDENTIALS,
        "Snowflake refused access (a network policy, or a role the user does not have)",
        named(_SNOW, "ForbiddenError"),
        http_status=403,
    ),
    _row(
        Code.SOURCE_CONNECT_TIMEOUT,
        F.UNREACHABLE,
        "Snowflake did not answer the sign-in in time; check server and port",
        all_of(named(_SNOW, "OperationalError"), _says("could not connect to snowflake")),
        http_status=503,
    ),
    # SQLSTATEs (pyodbc, redshift_connector, snowflake) and vendor numbers.
    _row(
        Code.SOURCE_AUTH_FAILED,
        F.CREDENTIALS,
        _AUTH,
        all_of(
            _driver,
            lambda e: (
                _state("28000", "28P01")(e)
                or _says("password authentication failed", "access denied for user")(e)
                or _numbered(18456, 8017, 1045)(e)
                or _oracle("ORA-01017", "ORA-28000", "ORA-01005")(e)
            ),
        ),
    ),
    _row(
        Code.SOURCE_NOT_FOUND,
        F.CONFIGURATION,
        _MISSING,
        all_of(
            _driver,
            lambda e: (
                _state("3D000", "42S02", "42P01", "3F000", "42S22", "42704")(e)
                or _numbered(4060, 208, 3802, 3807, 2003, 2043, 1049, 1146)(e)
                or _oracle("ORA-00942", "ORA-12514", "ORA-12505", "DPY-6001", "DPY-6003")(e)
                or _says("table_or_view_not_found", "schema_not_found", "catalog_not_found")(e)
            ),
        ),
        http_status=404,
    ),
    _row(
        Code.SOURCE_ACCESS_DENIED,
        F.CREDENTIALS,
        _DENIED,
        all_of(
            _driver,
            lambda e: (
                _state("42501")(e)
                or _numbered(229, 230, 262, 297, 3523, 3524, 3001, 1044, 1142)(e)
                or _oracle("ORA-01031", "ORA-01045")(e)
                or _says("permission_denied", "insufficient_permissions")(e)
            ),
        ),
        http_status=403,
    ),
    _row(
        Code.SOURCE_AUTH_FAILED,
        F.CREDENTIALS,
        "the token was refused (HTTP 401 or 403); check the personal access token",
        all_of(named("databricks.sql.exc", "RequestError"), _says("401", "403", "invalid")),
    ),
    _row(
        Code.SOURCE_TLS_FAILED,
        F.CONFIGURATION,
        "the server's TLS certificate is not trusted; check the host name, or supply the "
        "root certificate",
        all_of(_driver_or_urllib3, caused_by(ssl.SSLCertVerificationError)),
    ),
    _row(
        Code.SOURCE_TLS_FAILED,
        F.CONFIGURATION,
        "the TLS session with the server failed; check that the port speaks TLS and the TLS "
        "settings",
        all_of(_driver_or_urllib3, caused_by(ssl.SSLError)),
    ),
    _row(
        Code.SOURCE_CONNECT_REFUSED,
        F.UNREACHABLE,
        "the server refused the connection; check the host and port, and that the service "
        "is running",
        all_of(
            _driver_or_urllib3,
            lambda e: (
                caused_by(ConnectionRefusedError)(e)
                or _says("connection refused", "can't connect to server", "failed to connect to")(e)
                or _oracle("DPY-6005", "ORA-12541")(e)
            ),
        ),
        http_status=503,
    ),
    _row(
        Code.SOURCE_TIMEOUT,
        F.UNREACHABLE,
        "the server accepted the connection but did not answer the sign-in in time; check "
        "that the port is the database's, and any firewall or proxy",
        all_of(
            _driver_or_urllib3,
            lambda e: (
                caused_by(TimeoutError)(e)
                or _state("HYT00", "HYT01")(e)
                or _says("timed out", "timeout expired", "max retry duration")(e)
                or _oracle("DPY-4024", "ORA-01013")(e)
            ),
        ),
        http_status=503,
    ),
    _row(
        Code.SOURCE_SERVER_ERROR,
        F.TRANSIENT,
        "the server cannot take a connection now; retry later",
        all_of(_driver, lambda e: _state("53300", "57P03")(e) or _numbered(1040, 1203)(e)),
        http_status=503,
    ),
    _row(
        Code.SOURCE_NOT_FOUND,
        F.CONFIGURATION,
        "the ODBC driver could not be loaded; ask the operator which drivers are installed",
        all_of(named("pyodbc", "Error"), _state("IM002", "IM003", "01000")),
    ),
    _row(
        Code.SOURCE_PROTOCOL_ERROR,
        F.CONFIGURATION,
        "the server closed the connection during the sign-in; check that the port is the "
        "database's and the TLS settings",
        all_of(
            _driver_or_urllib3,
            lambda e: (
                _says("unexpected eof", "connection closed", "dpy-4011")(e)
                or caused_by(ConnectionResetError)(e)  # http.client's RemoteDisconnected too
            ),
        ),
    ),
    _row(
        Code.SOURCE_SERVER_ERROR,
        F.TRANSIENT,
        "the database reported an error; retry, or check the connection's settings",
        _driver,
        http_status=503,
    ),
]
