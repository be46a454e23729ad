"""Google BigQuery through google-cloud-bigquery (sync: in a worker thread).

Two sign-ins, as Qlik's connector has them:

* ``OAuthMechanism`` 0, a service account: ``KeyFilePath`` holds a JSON key (its
  ``token_uri`` receives the signed assertion) or a P12 key (with ``Email`` and
  ``P12CustomPwd``, Google's token endpoint);
* ``OAuthMechanism`` 1, interactive OAuth: the connection is made through dcaas's OAuth
  flow (``authUrlOnly``, then ``authCode``), and its refreshed access token is used.

``Catalog`` is the project. ``authenticate`` exchanges the key for an access token (or
fetches the OAuth one); ``reach-database`` lists the project's datasets. Browse lists
datasets, tables and columns through the API; a preview reads rows with ``tabledata.list``
(no query, no cost). Every request, to the token endpoint too, resolves through the
outbound policy (:mod:`.worker`); the client's retries are off. ``apiEndpoint`` (dcaas's)
points at a Private Service Connect endpoint or a test server.
"""

from __future__ import annotations

import base64
import binascii
import importlib
import json
from typing import TYPE_CHECKING, Any, ClassVar, Literal
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from pydantic import Field, model_validator

from dcaas.connectors.base import Entry, FailureClass, SourceFailure
from dcaas.connectors.oauth import ACCESS_TOKEN
from dcaas.connectors.spec import (
    ConnectorProperties,
    Driver,
    FileItem,
    OAuthEndpoints,
    destination,
    file_list,
    secret,
)
from dcaas.connectors.sql.engine import Endpoint, Engine, Rows
from dcaas.connectors.sql.layer import connector_for, join_path, not_found, offset_of
from dcaas.connectors.sql.source import sql_source
from dcaas.connectors.sql.tls import https_tls
from dcaas.errors import Code

if TYPE_CHECKING:
    from collections.abc import Sequence

    from dcaas.connectors.sql.engine import Link
    from dcaas.connectors.sql.worker import Worker

SCOPE = "https://www.googleapis.com/auth/bigquery"
GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"  # noqa: S105 - a URL
API = "https://bigquery.googleapis.com"


class BigQueryProperties(ConnectorProperties):
    """Properties of a BigQuery connection (Qlik's names)."""

    OAuthMechanism: Literal["0", "1"] = Field(
        default="0", description="0: service-account key; 1: interactive OAuth (authUrlOnly)"
    )
    Catalog: str = Field(
        min_length=1, max_length=128, description="Project id", examples=["my-project"]
    )
    Email: str | None = Field(
        default=None, max_length=320, description="Service-account e-mail (for a P12 key)"
    )
    KeyFilePath: list[FileItem] | None = file_list(
        description="Service-account key file (.json, or .p12 with Email)", is_secret=True
    )
    P12CustomPwd: str | None = secret(description="Password of a .p12 key (Google's default)")
    clientId: str | None = Field(
        default=None, max_length=512, description="OAuth 1: your own OAuth app's client id"
    )
    clientSecret: str | None = secret(description="OAuth 1: your own OAuth app's client secret")
    apiEndpoint: str | None = destination(
        None,
        pattern=r"^https?://[^/\s]+/?$",
        description="dcaas: BigQuery API endpoint (Private Service Connect); empty for Google's",
    )

    required_credentials: ClassVar[tuple[tuple[str, ...], ...]] = ()

    @model_validator(mode="after")
    def _sign_in(self) -> BigQueryProperties:
        if self.OAuthMechanism == "1" or self.selectedCredentials or self.separateCredentials:
            return self
        if not self.KeyFilePath:
            raise ValueError("KeyFilePath is required with OAuthMechanism 0")
        if _is_p12(self.KeyFilePath[0]) and not self.Email:
            raise ValueError("Email is required with a .p12 key")
        return self


def _is_p12(item: FileItem) -> bool:
    return item.name.lower().endswith((".p12", ".pfx"))


def _bad_key(detail: str) -> SourceFailure:
    return SourceFailure(Code.SOURCE_AUTH_FAILED, FailureClass.CREDENTIALS, detail, http_status=400)


def service_account_credentials(props: BigQueryProperties) -> Any:
    """Credentials from the JSON or P12 key (not yet refreshed)."""
    from google.auth import crypt  # noqa: PLC0415 - drivers load on first use
    from google.oauth2 import service_account  # noqa: PLC0415 - the bigquery extra loads on first use

    item = (props.KeyFilePath or [])[0]
    if _is_p12(item):
        signer = crypt.RSASigner.from_string(_p12_pem(item.value, props.P12CustomPwd))
        return service_account.Credentials(
            signer, props.Email, GOOGLE_TOKEN_URI, scopes=[SCOPE], project_id=props.Catalog
        )
    try:
        text = item.value if item.value.lstrip().startswith("{") else _b64(item.value).decode()
        info = json.loads(text)
        return service_account.Credentials.from_service_account_info(info, scopes=[SCOPE])
    except (ValueError, KeyError, UnicodeDecodeError):
        raise _bad_key(
            "the key file is not a service-account JSON key; check KeyFilePath"
        ) from None


def _b64(value: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise _bad_key("the key file is neither JSON nor base64; check KeyFilePath") from None


def _p12_pem(value: str, password: str | None) -> bytes:

    try:
        key, _, _ = pkcs12.load_key_and_certificates(
            _b64(value), (password or "notasecret").encode()
        )
    except ValueError:
        raise _bad_key("the .p12 key could not be opened; check P12CustomPwd") from None
    if key is None:
        raise _bad_key("the .p12 file holds no private key; check KeyFilePath")
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def api_endpoint(props: BigQueryProperties) -> str:
    return (props.apiEndpoint or API).rstrip("/")


def _endpoint(props: BigQueryProperties) -> Endpoint:
    url = urlsplit(api_endpoint(props))
    host = url.hostname or ""
    https = url.scheme == "https"
    return Endpoint(host, url.port or (443 if https else 80), https_tls(host) if https else None)


class BigQuerySession:
    """A ``bigquery.Client``, used only from the worker thread."""

    def __init__(
        self, worker: Worker, client: Any, props: BigQueryProperties, seconds: float
    ) -> None:
        self.worker = worker
        self.client = client
        self.props = props
        self.seconds = seconds

    async def call(self, fn: Any) -> Any:
        return await self.worker.run(fn)

    async def query(
        self, sql: str, args: Sequence[Any] = (), *, max_rows: int | None = None
    ) -> Rows:
        raise NotImplementedError("BigQuery is read through its API here")

    async def use(self) -> None:
        """The project answers: its first page of datasets can be listed."""
        client, seconds = self.client, self.seconds
        await self.call(
            lambda: next(
                iter(
                    client.list_datasets(
                        self.props.Catalog, max_results=1, retry=None, timeout=seconds
                    ).pages
                ),
                None,
            )
        )

    async def close(self) -> None:
        self.worker.close(self.client.close)


class BigQueryCatalog:
    """Datasets, tables and columns through the API; previews through tabledata.list."""

    def __init__(self, props: BigQueryProperties, session: BigQuerySession) -> None:
        self.props = props
        self.session = session

    async def _page(self, listing: Any) -> tuple[list[Any], str | None]:
        def first_page() -> tuple[list[Any], str | None]:
            page = next(iter(listing.pages), None)
            return (list(page) if page is not None else []), listing.next_page_token

        result: tuple[list[Any], str | None] = await self.session.call(first_page)
        return result

    async def schemas(self, limit: int, token: str | None) -> tuple[list[Entry], str | None]:
        s = self.session
        items, nxt = await self._page(
            s.client.list_datasets(
                self.props.Catalog,
                max_results=limit,
                page_token=token,
                retry=None,
                timeout=s.seconds,
            )
        )
        names = [d.dataset_id for d in items]
        return [Entry(name=n, path=join_path(n), type="schema") for n in names], nxt

    async def tables(
        self, schema: str, limit: int, token: str | None
    ) -> tuple[list[Entry], str | None]:
        s = self.session
        dataset = f"{self.props.Catalog}.{schema}"
        items, nxt = await self._page(
            s.client.list_tables(
                dataset, max_results=limit, page_token=token, retry=None, timeout=s.seconds
            )
        )
        entries = [
            Entry(
                name=t.table_id,
                path=join_path(schema, t.table_id),
                type="view" if str(t.table_type).upper() == "VIEW" else "table",
            )
            for t in items
        ]
        return entries, nxt

    async def _table(self, schema: str, table: str) -> Any:
        s = self.session
        ref = f"{self.props.Catalog}.{schema}.{table}"
        found = await s.call(lambda: s.client.get_table(ref, retry=None, timeout=s.seconds))
        if found is None:
            raise not_found(f"the table {table!r} in {schema!r}")
        return found

    async def columns(
        self, schema: str, table: str, limit: int, token: str | None
    ) -> tuple[list[Entry], str | None]:
        fields = list((await self._table(schema, table)).schema)
        offset = offset_of(token)
        entries = [
            Entry(
                name=f.name,
                path=join_path(schema, table, f.name),
                type="column",
                extra={"dataType": f.field_type, "nullable": f.mode != "REQUIRED"},
            )
            for f in fields[offset : offset + limit]
        ]
        return entries, str(offset + limit) if len(fields) > offset + limit else None

    async def preview(self, schema: str, table: str, max_rows: int) -> Rows:
        s = self.session
        found = await self._table(schema, table)

        def rows() -> Rows:
            listing = s.client.list_rows(found, max_results=max_rows, retry=None, timeout=s.seconds)
            values = [tuple(r.values()) for r in listing]
            return Rows([f.name for f in found.schema], values)

        result: Rows = await s.call(rows)
        return result


def _timed_request(seconds: float) -> Any:
    from google.auth.transport.requests import Request  # noqa: PLC0415 - the bigquery extra loads on first use

    class TimedRequest(Request):
        """google-auth's transport with dcaas's timeout instead of two minutes."""

        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            kwargs["timeout"] = seconds
            return super().__call__(*args, **kwargs)

    return TimedRequest()


async def _credentials(props: BigQueryProperties, link: Link) -> Any:
    if props.OAuthMechanism == "1":
        from google.oauth2.credentials import Credentials  # noqa: PLC0415 - the bigquery extra loads on first use

        token_source = link.context.extra.get(ACCESS_TOKEN)
        if not callable(token_source):
            raise SourceFailure(
                Code.SOURCE_REAUTH_REQUIRED,
                FailureClass.REAUTHENTICATE,
                "this connection has no authorization yet; authorize it first",
                http_status=400,
            )
        return Credentials(token=await token_source())
    credentials = service_account_credentials(props)
    request = _timed_request(link.context.connect_timeout)
    await link.worker.run(credentials.refresh, request)  # the token exchange
    return credentials


async def _connect(props: BigQueryProperties, link: Link) -> BigQuerySession:
    # Imported by name: when mypy follows the typed google.cloud.bigquery, it reads the
    # google.cloud namespace as typed and loses the untyped google.cloud.storage (GCS).
    bigquery = importlib.import_module("google.cloud.bigquery")

    credentials = await _credentials(props, link)
    options = {"api_endpoint": api_endpoint(props)}
    client = await link.worker.run(
        lambda: bigquery.Client(
            project=props.Catalog, credentials=credentials, client_options=options
        )
    )
    return BigQuerySession(link.worker, client, props, link.context.total_timeout)


BIGQUERY_ENGINE = Engine(
    name="gbq",
    properties=BigQueryProperties,
    driver=Driver(
        extra="bigquery", modules=("google.cloud.bigquery",), package="google-cloud-bigquery"
    ),
    endpoint=_endpoint,
    connect=_connect,
    catalog=BigQueryCatalog,
    read_only_session=False,
)
BigQueryConnector = connector_for(BIGQUERY_ENGINE)
BIGQUERY = sql_source(
    BIGQUERY_ENGINE,
    source_id="gbq",
    name="Google BigQuery",
    connector="dcaas.connectors.sql.bigquery:BigQueryConnector",
    qri=("{Catalog}", ("Catalog",)),
    username_property=None,
    password_property=None,
    oauth=OAuthEndpoints(
        authorization_url="https://accounts.google.com/o/oauth2/v2/auth",
        token_url=GOOGLE_TOKEN_URI,
        default_scopes=SCOPE,
        authorize_params=(("access_type", "offline"), ("prompt", "consent")),
    ),
    oauth_selector=("OAuthMechanism", "1"),
)
