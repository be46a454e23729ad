"""How a data source declares its properties, and what follows from the declaration.

A data source is a pydantic model of its ``connectionProperties``. A field declared with
:func:`secret` is a credential: it is stored only in the encrypted credential record, never
in ``qConnectStatement``, never returned, and redacted from logs. A list of
``{name, value, encrypt}`` items (:class:`EncryptableItem`) holds per-item secrets: items
with ``encrypt: true`` are treated like secret fields.

A field declared with :func:`destination` decides where the connection's secrets are sent
or who can answer for them (a host, a port that changes the peer, a URL or endpoint, TLS
trust and verification, a pinned host key). Its JSON Schema carries ``x-destination``.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, ClassVar, cast

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from dcaas.connectors.values import is_boolean, strict_bool, validation_failed
from dcaas.errors import Code, ValidationFailed

if TYPE_CHECKING:
    from dcaas.connectors.base import Connector

SECRET_MARK = "x-secret"  # noqa: S105 - a JSON Schema keyword, not a secret
DESTINATION_MARK = "x-destination"


def secret(default: Any = None, *, description: str, **extra: Any) -> Any:
    """A credential property: encrypted at rest, write-only in the API."""
    return Field(
        default=default,
        description=description,
        json_schema_extra={SECRET_MARK: True, "writeOnly": True, **extra},
    )


def destination(default: Any = ..., *, description: str, **kwargs: Any) -> Any:
    """A property that decides where secrets go or who answers for them (host, URL, TLS trust).

    ``kwargs`` are pydantic ``Field`` arguments (``pattern``, ``ge``, ``max_length`` ...).
    """
    return Field(
        default, description=description, json_schema_extra={DESTINATION_MARK: True}, **kwargs
    )


def file_list(*, description: str, is_secret: bool = False, is_destination: bool = False) -> Any:
    """A ``[{name, value}]`` file property (key files, certificates)."""
    extra: dict[str, Any] = {"format": "file"}
    if is_secret:
        extra |= {SECRET_MARK: True, "writeOnly": True}
    if is_destination:
        extra |= {DESTINATION_MARK: True}
    return Field(default=None, description=description, json_schema_extra=extra)


class _Item(BaseModel):
    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True)


class FileItem(_Item):
    """One file: its name and its content (base64 or raw text)."""

    name: str = Field(min_length=1, max_length=255)
    value: str = Field(min_length=1, max_length=1_000_000)


class NameValue(_Item):
    """A key/value pair such as a query parameter."""

    name: str = Field(min_length=1, max_length=1024)
    value: str = Field(default="", max_length=65_536)


class EncryptableItem(NameValue):
    """A key/value pair whose value is a secret when ``encrypt`` is true (e.g. a header)."""

    encrypt: bool = False


class ConnectorProperties(BaseModel):
    """Base of every data source's ``connectionProperties``.

    Values may arrive as strings or JSON types, as Qlik's clients send them: pydantic's lax
    mode coerces numbers (``"22"`` -> ``22``), booleans are ``true``/``false`` or the text
    ``"true"``/``"false"`` and nothing else (:func:`strict_bool`: ``"yes"`` is refused, not
    taken as true), and list properties may arrive as JSON-encoded strings, as Qlik's own
    examples send them.
    """

    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True)

    # Cross-connector control properties (Qlik's): not connection settings, never stored
    # in the connect statement.
    separateCredentials: bool = Field(
        default=False, description="Each user brings their own credentials"
    )
    credentialsName: str | None = Field(
        default=None, max_length=256, description="Name of the credential record to create"
    )
    selectedCredentials: str | None = Field(
        default=None, description="Id of an existing credential record to use"
    )

    CONTROL: ClassVar[frozenset[str]] = frozenset(
        {"separateCredentials", "credentialsName", "selectedCredentials"}
    )
    # Groups of credential properties: from each group at least one must be given,
    # unless the connection uses an existing credential (selectedCredentials).
    required_credentials: ClassVar[tuple[tuple[str, ...], ...]] = ()

    @model_validator(mode="before")
    @classmethod
    def _decode_json_lists(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        out = dict(data)
        for name, value in data.items():
            info = cls.model_fields.get(name)
            if info is None or not isinstance(value, str):
                continue
            if "list" in str(info.annotation) and value.strip().startswith("["):
                try:
                    out[name] = json.loads(value)
                except json.JSONDecodeError:
                    continue  # left as is; validation names the property
        return out

    @field_validator("*", mode="before")
    @classmethod
    def _strict_booleans(cls, value: Any, info: ValidationInfo) -> Any:
        field_info = cls.model_fields.get(info.field_name or "")
        if field_info is None or not is_boolean(field_info.annotation):
            return value
        return strict_bool(value)

    @model_validator(mode="after")
    def _check_credentials(self) -> ConnectorProperties:
        if self.selectedCredentials or self.separateCredentials:
            return self
        for group in self.required_credentials:
            if not any(getattr(self, name) for name in group):
                names = " or ".join(group)
                raise ValueError(f"{names} is required")
        return self

    # The spec's markers, read once per properties class (they are asked on every write).
    @classmethod
    def secret_fields(cls) -> frozenset[str]:
        return _marked(cls, SECRET_MARK)

    @classmethod
    def destination_fields(cls) -> frozenset[str]:
        return _marked(cls, DESTINATION_MARK)

    @classmethod
    def encryptable_fields(cls) -> frozenset[str]:
        return _encryptable(cls)


@cache
def _marked(model: type[BaseModel], mark: str) -> frozenset[str]:
    """The fields of ``model`` whose schema carries ``mark``."""
    return frozenset(
        name
        for name, info in model.model_fields.items()
        if isinstance(info.json_schema_extra, dict) and info.json_schema_extra.get(mark)
    )


@cache
def _encryptable(model: type[BaseModel]) -> frozenset[str]:
    """The fields of ``model`` that are lists of header-like items with an ``encrypt`` flag."""
    return frozenset(
        name
        for name, info in model.model_fields.items()
        if "EncryptableItem" in str(info.annotation)
    )


@dataclass(frozen=True)
class SplitProperties:
    """Validated properties split by the spec into what may be shown and what may not."""

    public: dict[str, Any]
    secrets: dict[str, Any]
    control: dict[str, Any]


@dataclass(frozen=True)
class OAuthEndpoints:
    """An OAuth 2.0 authorization-code data source's provider defaults (operators override)."""

    authorization_url: str | None = None
    token_url: str | None = None
    default_scopes: str = ""
    # Extra authorization-request parameters, e.g. Google's access_type=offline.
    authorize_params: tuple[tuple[str, str], ...] = ()
    # How the client authenticates at the token endpoint: "client_secret_post" or "_basic".
    token_auth: str = "client_secret_post"  # noqa: S105 - a method name
    # When set, the two URLs above are paths under the base URL this property holds (a login
    # host the user chooses, e.g. Salesforce's production, sandbox or My Domain host).
    base_url_property: str | None = None
    # Hosts (exact, or a suffix starting with ".") of that base URL where the operator's app
    # may be used; any other base URL needs the connection's own clientId.
    trusted_hosts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Driver:
    """The library a data source's runtime needs, and how the operator installs it.

    ``extra`` is dcaas's pip extra that brings it (``snowflake``); a plugin's driver has
    none and names its ``package``.
    """

    modules: tuple[str, ...]
    package: str  # the distribution, for messages ("snowflake-connector-python")
    extra: str | None = None

    def missing(self) -> str | None:
        """The first module that cannot be found, or None when all are installed."""
        for name in self.modules:
            try:
                if importlib.util.find_spec(name) is None:
                    return name
            except (ImportError, ValueError):
                return name
        return None

    @property
    def install(self) -> str:
        return f"pip install 'dcaas[{self.extra}]'" if self.extra else f"pip install {self.package}"


@dataclass(frozen=True)
class Availability:
    """Whether this deployment can test, browse and preview a data source's connections."""

    available: bool
    reason: str | None = None
    extra: str | None = None
    install: str | None = None


@dataclass(frozen=True)
class DataSource:
    """A data source in the catalog."""

    id: str
    name: str
    provider: str
    provider_name: str
    properties: type[ConnectorProperties]
    version: str = "1.0.0"
    capabilities: tuple[str, ...] = ()
    qri_prefix: str = ""
    qri_connection_template: str = ""
    qri_properties: tuple[str, ...] = field(default_factory=tuple)
    # Where Qlik's generic qUsername / qPassword land among this source's properties.
    username_property: str | None = None
    password_property: str | None = None
    # The runtime: "module:Class" implementing dcaas.connectors.base.Connector, imported
    # on first use so that the catalog loads without the connector libraries.
    connector: str | None = None
    # Set for OAuth 2.0 authorization-code sources: create goes through dcaas.oauth.
    oauth: OAuthEndpoints | None = None
    # The key naming the source inside qConnectStatement (Qlik's dataSourcePropertyName):
    # "sourceType", or "driver" for the ODBC connector package (driver=snowflake).
    source_property: str = "sourceType"
    # The driver library the runtime imports; None when it ships with dcaas.
    driver: Driver | None = None
    # For sources with OAuth and other sign-ins (gbq): the property and value that select
    # the OAuth flow; None means every connection of an OAuth source uses it.
    oauth_selector: tuple[str, str] | None = None

    def availability(self) -> Availability:
        if self.driver is None:
            return Availability(available=True)
        missing = self.driver.missing()
        if missing is None:
            return Availability(available=True, extra=self.driver.extra)
        return Availability(
            available=False,
            reason=f"the driver module {missing!r} is not installed",
            extra=self.driver.extra,
            install=self.driver.install,
        )

    def uses_oauth(self, properties: Any) -> bool:
        """Whether connections with these properties are made through the OAuth flow."""
        if self.oauth is None:
            return False
        if self.oauth_selector is None:
            return True
        name, value = self.oauth_selector
        return isinstance(properties, dict) and str(properties.get(name, "")) == value

    def connector_class(self) -> type[Connector] | None:
        if self.connector is None:
            return None
        module_name, _, attr = self.connector.partition(":")
        cls: type[Connector] = getattr(importlib.import_module(module_name), attr)
        return cls

    # -- validation ---------------------------------------------------------------------
    def validate(self, raw: Any, *, prefix: str = "connectionProperties") -> SplitProperties:
        """Validate and coerce properties; split them into public, secret and control parts."""
        if not isinstance(raw, dict):
            raise ValidationFailed(f"{prefix} must be an object", field=prefix)
        self._refuse_unknown(raw, prefix)
        try:
            model = self.properties.model_validate(raw)
        except ValidationError as exc:
            raise validation_failed(exc, prefix, self, raw) from None
        return self.split(model)

    def _refuse_unknown(self, raw: dict[str, Any], prefix: str) -> None:
        unknown = sorted(k for k in raw if k not in self.properties.model_fields)
        if unknown:
            raise ValidationFailed(
                f"unknown connection properties for data source '{self.id}': "
                + ", ".join(unknown)
                + f". See GET /api/v1/data-sources/{self.id}/api-specs for its properties.",
                field=f"{prefix}.{unknown[0]}",
                code=Code.UNKNOWN_FIELD,
                extra={"fields": [f"{prefix}.{k}" for k in unknown]},
            )

    def split(self, model: ConnectorProperties) -> SplitProperties:
        data = model.model_dump(mode="json", exclude_none=True, exclude_unset=True)
        secret_names = self.properties.secret_fields()
        public: dict[str, Any] = {}
        secrets: dict[str, Any] = {}
        control: dict[str, Any] = {}
        for name, value in data.items():
            if name in ConnectorProperties.CONTROL:
                control[name] = value
            elif name in secret_names:
                secrets[name] = value
            elif name in self.properties.encryptable_fields():
                public[name] = [_without_value(i) if i.get("encrypt") else i for i in value]
                hidden = {i["name"]: i.get("value", "") for i in value if i.get("encrypt")}
                if hidden:
                    secrets[name] = hidden
            else:
                public[name] = value
        return SplitProperties(public=public, secrets=secrets, control=control)

    def join(self, public: dict[str, Any], secrets: dict[str, Any]) -> dict[str, Any]:
        """The full properties (for a connector or a PATCH): public values plus secrets."""
        full = dict(public)
        for name, value in secrets.items():
            if name in self.properties.encryptable_fields() and isinstance(value, dict):
                full[name] = [
                    {**item, "value": value.get(item["name"], item.get("value", ""))}
                    if item.get("encrypt")
                    else item
                    for item in public.get(name, [])
                ]
            else:
                full[name] = value
        return full

    # -- the api-spec ---------------------------------------------------------------------
    def api_spec(self) -> dict[str, Any]:
        """The ``connectionProperties`` JSON Schema, with ``required`` and secret markers."""
        schema = self.properties.model_json_schema(mode="validation")
        schema = cast("dict[str, Any]", _inline_refs(schema, schema.pop("$defs", {})))
        _strip_titles(schema)
        required = set(schema.get("required", []))
        groups = self.properties.required_credentials
        required |= {g[0] for g in groups if len(g) == 1}
        schema["required"] = sorted(required)
        alternatives = [g for g in groups if len(g) > 1]
        if alternatives:
            schema["allOf"] = [{"anyOf": [{"required": [n]} for n in g]} for g in alternatives]
        schema["additionalProperties"] = False
        schema["description"] = (
            "Properties marked x-secret are credentials: stored encrypted, never returned. "
            "Credentials are not required when selectedCredentials names an existing credential."
        )
        return schema


def _without_value(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k != "value"}


def _inline_refs(node: Any, defs: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            target = _inline_refs(defs[ref.removeprefix("#/$defs/")], defs)
            rest = {k: _inline_refs(v, defs) for k, v in node.items() if k != "$ref"}
            return {**target, **rest}
        return {k: _inline_refs(v, defs) for k, v in node.items()}
    if isinstance(node, list):
        return [_inline_refs(v, defs) for v in node]
    return node


def _strip_titles(node: Any) -> None:
    if isinstance(node, dict):
        node.pop("title", None)
        for key, value in node.items():
            if key != "properties":
                _strip_titles(value)
            elif isinstance(value, dict):
                for prop in value.values():
                    _strip_titles(prop)
    elif isinstance(node, list):
        for value in node:
            _strip_titles(value)
