"""PATCH of a data connection: JSON Patch over its full (unmasked) document, with Qlik's rules.

1. qConnectStatement and connectionProperties cannot be patched together.
2. Patching qConnectStatement of a connection with credentials needs the password in the
   same request (/qPassword, or the data source's password property).
3. Pointing host, server or url somewhere new needs credentials in the same request, so a
   stored password is never sent to a new host (separated credentials are detached instead).
4. /qPassword and the data source's password property cannot both be given.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import TypeAdapter, ValidationError

from dcaas.connection import statement
from dcaas.connection.schemas import LogOnIn
from dcaas.connectors import get_data_source
from dcaas.credential.service import credential_payload
from dcaas.errors import BadRequest, Code, ValidationFailed
from dcaas.kit.jsonpatch import PatchOp, apply, touched
from dcaas.kit.schemas import MAX_NAME, Tags

if TYPE_CHECKING:
    from dcaas.connection.models import Connection
    from dcaas.connection.service import ConnectionService

PATCHABLE = {
    "qname",
    "qconnectstatement",
    "tags",
    "qlogon",
    "qarchitecture",
    "space",
    "connectionproperties",
    "qusername",
    "qpassword",
    "qconnectionsecret",
    "qcredentialsid",
    "qseparatecredentials",
}
_TAGS: TypeAdapter[list[str]] = TypeAdapter(Tags)
_LOG_ON: TypeAdapter[str] = TypeAdapter(LogOnIn)


def _rule(detail: str, field: str, code: Code = Code.INVALID_PATCH) -> BadRequest:
    return BadRequest(detail, code=code, meta={"field": field})


async def apply_patch(service: ConnectionService, connection: Connection, raw_ops: Any) -> None:  # noqa: C901, PLR0912, PLR0915 - one ordered pass; splitting risks the rule order
    ops = PatchOp.parse_list(raw_ops)
    for op in ops:
        if op.tokens[0].lower() not in PATCHABLE:
            raise _rule(f"{op.path} cannot be patched", op.path)
    source = get_data_source(connection.data_source_id)
    stored: dict[str, Any] = {}
    if connection.credential_id:
        credential = await service.credentials.repo.get_any_owner(connection.credential_id)
        stored = service.credentials.open(credential) if credential else {}
    secret_names = source.properties.secret_fields() if source else frozenset()
    secrets = {
        k: v
        for k, v in stored.items()
        if k in secret_names or k in (source.properties.encryptable_fields() if source else ())
    }
    properties = (
        source.join(connection.properties, secrets) if source else dict(connection.properties)
    )
    doc: dict[str, Any] = {
        "qName": connection.name,
        "qConnectStatement": connection.connect_statement,
        "tags": list(connection.tags),
        "qLogOn": str(connection.log_on),
        "qArchitecture": connection.architecture,
        "space": connection.space_id,
        "connectionProperties": properties,
        "qUsername": stored.get("qUsername"),
        "qPassword": stored.get("qPassword"),
        "qConnectionSecret": None,
        "qCredentialsID": connection.credential_id,
        "qSeparateCredentials": connection.separate_credentials,
    }
    new = apply(doc, ops)
    t = touched(ops)
    password_prop = (source.password_property or "").lower() if source else ""
    _check_rules(t, password_prop, has_credential=connection.credential_id is not None)

    if "qname" in t.top:
        name = new.get("qName")
        if not isinstance(name, str) or not 0 < len(name) <= MAX_NAME:
            raise _rule(f"qName must be a string of 1 to {MAX_NAME} characters", "qName")
        connection.name = name
    if "tags" in t.top:
        connection.tags = _validated(_TAGS, new.get("tags") or [], "tags", Code.INVALID_TAGS)
    if "qlogon" in t.top:
        log_on = _validated(_LOG_ON, new.get("qLogOn"), "qLogOn", Code.VALIDATION)
        connection.log_on = 1 if log_on in ("1", "LOG_ON_CURRENT_USER") else 0
    if "qarchitecture" in t.top:
        if new.get("qArchitecture") not in (0, 1):
            raise _rule("qArchitecture must be 0 or 1", "qArchitecture")
        connection.architecture = new["qArchitecture"]
    if "qseparatecredentials" in t.top:
        if not isinstance(new.get("qSeparateCredentials"), bool):
            raise _rule("qSeparateCredentials must be a boolean", "qSeparateCredentials")
        connection.separate_credentials = new["qSeparateCredentials"]
    if "space" in t.top:
        connection.space_id = (await service.access.space_for_write(str(new.get("space") or ""))).id
    if "qcredentialsid" in t.top:
        ref = new.get("qCredentialsID")
        connection.credential_id = (await service.credentials.usable(str(ref))).id if ref else None

    new_secrets: dict[str, Any] = {}
    if "connectionproperties" in t.top:
        if source is None:
            raise _rule(
                "connectionProperties can be patched only for a known data source",
                "connectionProperties",
            )
        split = source.validate(new.get("connectionProperties"))
        require_credentials_on_host_change(
            connection.properties,
            split.public,
            t,
            secret_names,
            has_credential=connection.credential_id is not None,
            separated=connection.separate_credentials,
        )
        if _host_changed(connection.properties, split.public) and connection.separate_credentials:
            connection.credential_id = None  # rule 5: others' credentials stay behind
        connection.properties = split.public
        connection.connect_statement = statement.build(source.provider, source.id, split.public)
        if split.secrets != secrets:
            new_secrets.update(split.secrets)
    if "qconnectstatement" in t.top:
        text = new.get("qConnectStatement")
        if not isinstance(text, str) or not text.strip():
            raise _rule("qConnectStatement must be a non-empty string", "qConnectStatement")
        text, public, extracted = service._split_statement(text, source)  # noqa: SLF001
        connection.connect_statement, connection.properties = text, public
        new_secrets.update(extracted)
    username = _str_or_none(new, "qUsername") if "qusername" in t.top else None
    password = _str_or_none(new, "qPassword") if "qpassword" in t.top else None
    payload = credential_payload(source, username, password, new_secrets)
    if "qconnectionsecret" in t.top:  # sealed before replace_secrets may write (kit/db.py)
        service._seal_connection_secret(connection, _str_or_none(new, "qConnectionSecret"))  # noqa: SLF001
    if payload:
        await service.replace_secrets(connection, payload)
    await service._check_name(connection, exclude_id=connection.id)  # noqa: SLF001


def _check_rules(t: Any, password_prop: str, *, has_credential: bool) -> None:
    if "qconnectstatement" in t.top and "connectionproperties" in t.top:
        raise _rule(
            "a patch cannot change both qConnectStatement and connectionProperties",
            "qConnectStatement",
        )
    prop_password = bool(password_prop) and password_prop in t.properties
    if "qpassword" in t.top and prop_password:
        raise _rule(
            "give the password either as /qPassword or as a connection property, not both",
            "qPassword",
        )
    has_new_credentials = "qpassword" in t.top or prop_password
    if "qconnectstatement" in t.top and has_credential and not has_new_credentials:
        raise _rule(
            "patching qConnectStatement needs the credentials in the same request (/qPassword)",
            "qPassword",
            Code.CREDENTIALS_REQUIRED,
        )


def _host_changed(old: dict[str, Any], new: dict[str, Any]) -> bool:
    return any(old.get(k) != new.get(k) for k in _HOST_KEYS if k in old or k in new)


_HOST_KEYS = ("host", "server", "url")


def require_credentials_on_host_change(
    old: dict[str, Any],
    new: dict[str, Any],
    t: Any,
    secret_names: frozenset[str],
    *,
    has_credential: bool,
    separated: bool,
) -> None:
    """Rule 3: never send a stored secret to a host the user has just typed."""
    if not has_credential or separated or not _host_changed(old, new):
        return
    lowered = {s.lower() for s in secret_names}
    if "qpassword" in t.top or t.properties & lowered:
        return
    raise ValidationFailed(
        "changing host, server or url needs the credentials in the same request",
        field="connectionProperties",
        code=Code.CREDENTIALS_REQUIRED,
    )


def _validated(adapter: TypeAdapter[Any], value: Any, field: str, code: Code) -> Any:
    try:
        return adapter.validate_python(value)
    except ValidationError as exc:
        message = exc.errors(include_url=False, include_input=False)[0]["msg"]
        raise ValidationFailed(
            f"{field}: {message.removeprefix('Value error, ')}", field=field, code=code
        ) from None


def _str_or_none(doc: dict[str, Any], key: str) -> str | None:
    value = doc.get(key)
    if value is not None and not isinstance(value, str):
        raise _rule(f"{key} must be a string", key)
    return value
