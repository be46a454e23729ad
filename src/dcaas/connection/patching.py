"""PATCH of a data connection: JSON Patch over its document, with Qlik's rules.

The document holds the connection's properties with each stored secret standing as a
:class:`~dcaas.connection.boundary.Kept` (never its value), so what the patch gives anew and
what it leaves in place are told apart exactly; the result goes through the secret boundary
(:meth:`ConnectionService.rewrite`), which decides what it keeps. Qlik's documented rules:

1. qConnectStatement and connectionProperties cannot be patched together.
2. Patching qConnectStatement of a connection with credentials needs the password in the
   same request (/qPassword, or the data source's password property).
3. A new destination needs credentials in the same request; separated credentials are
   detached instead. The boundary enforces it, for every destination the spec declares.
4. /qPassword and the data source's password property cannot both be given.

As Qlik documents for connections, ``replace`` of a property the data source's spec knows
but the connection has not set yet (``/connectionProperties/separateCredentials`` on a
connection that never had it) behaves as ``add``; every other path keeps RFC 6902's rules
(``remove`` of a missing member stays an error).

On a connection with separated credentials a user who may only use it may still bring their
own credential (:func:`credential_only`): such a patch touches nothing but the caller's own
record, which the boundary builds on instead of anyone else's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import TypeAdapter, ValidationError

from dcaas.connection.boundary import (
    CONNECTION_SECRET,
    PASSWORD,
    STORED_CREDENTIAL,
    USERNAME,
    Change,
    Kept,
    masked,
    statement_properties,
)
from dcaas.connection.schemas import LogOnIn
from dcaas.connectors import get_data_source
from dcaas.errors import BadRequest, Code, ValidationFailed
from dcaas.kit.jsonpatch import PatchOp, Touched, apply, touched
from dcaas.kit.schemas import MAX_NAME, Tags

if TYPE_CHECKING:
    from dcaas.connection.boundary import Stored, Verdict
    from dcaas.connection.models import Connection
    from dcaas.connection.service import ConnectionService
    from dcaas.connectors import DataSource

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


@dataclass(frozen=True)
class Patched:
    """A patch read against a connection: its document after the patch, and the change."""

    stored: Stored
    new: dict[str, Any]
    touched: Touched
    change: Change


async def read_patch(service: ConnectionService, connection: Connection, raw_ops: Any) -> Patched:
    """Check ``raw_ops`` against Qlik's rules and say what they propose; nothing changes."""
    ops = PatchOp.parse_list(raw_ops)
    for op in ops:
        if op.tokens[0].lower() not in PATCHABLE:
            raise _rule(f"{op.path} cannot be patched", op.path)
    source = get_data_source(connection.data_source_id)
    _refuse_value_removal(ops, source)
    stored = await service.stored_state(connection)
    document = _document(source, connection, stored)
    ops = _replace_unset(ops, source, document["connectionProperties"])
    new = apply(document, ops)
    t = touched(ops)
    password_prop = (source.password_property or "").lower() if source else ""
    _check_rules(t, password_prop, has_credential=stored.credential_id is not None)
    return Patched(stored, new, t, _change(source, connection, stored, new, t))


def credential_only(connection: Connection, raw_ops: Any) -> bool:
    """Whether a patch only brings the caller's own credential to a separated connection:
    its secret properties, ``credentialsName``, ``selectedCredentials``, ``/qUsername`` (the
    user name goes with the credential), ``/qPassword``, ``/qCredentialsID``, nothing else."""
    source = get_data_source(connection.data_source_id)
    if not connection.separate_credentials or source is None or not isinstance(raw_ops, list):
        return False
    props = source.properties
    own = {"credentialsname", "selectedcredentials"}
    own |= {n.lower() for n in props.secret_fields()}
    try:
        ops = PatchOp.parse_list(raw_ops)
    except BadRequest:
        return False
    for op in ops:
        tokens = [t.lower() for t in op.tokens]
        if tokens[0] in ("qusername", "qpassword", "qcredentialsid") and len(tokens) == 1:
            continue
        if tokens[0] == "connectionproperties" and len(tokens) == 2 and tokens[1] in own:  # noqa: PLR2004
            continue
        return False
    return True


def _replace_unset(
    ops: list[PatchOp], source: DataSource | None, properties: dict[str, Any]
) -> list[PatchOp]:
    """Qlik's rule: ``replace`` of a spec property the connection has not set is an add."""
    if source is None:
        return ops
    known = {name.lower(): name for name in source.properties.model_fields}
    present = {name.lower() for name in properties}
    out = []
    for op in ops:
        tokens = op.tokens
        name = tokens[1].lower() if len(tokens) == 2 else ""  # noqa: PLR2004
        if (
            op.op == "replace"
            and tokens[0].lower() == "connectionproperties"
            and name in known
            and name not in present
        ):
            canonical = known[name].replace("~", "~0").replace("/", "~1")
            op = PatchOp(op="add", path=f"/{tokens[0]}/{canonical}", value=op.value)  # noqa: PLW2901
        out.append(op)
    return out


async def apply_patch(service: ConnectionService, connection: Connection, raw_ops: Any) -> Verdict:
    """Apply ``raw_ops``; the boundary's verdict on what the connection now holds."""
    patched = await read_patch(service, connection, raw_ops)
    await _plain_fields(service, connection, patched.new, patched.touched)
    verdict = await service.rewrite(connection, patched.change, patched.stored)
    await service.check_name(connection, exclude_id=connection.id)
    return verdict


def _document(source: DataSource | None, connection: Connection, stored: Stored) -> dict[str, Any]:
    """What a patch applies to: stored secrets stand as Kept, never as their values."""

    def kept(key: str) -> Kept | None:
        return Kept(key) if key in stored.payload else None

    return {
        "qName": connection.name,
        "qConnectStatement": connection.connect_statement,
        "tags": list(connection.tags),
        "qLogOn": str(connection.log_on),
        "qArchitecture": connection.architecture,
        "space": connection.space_id,
        "connectionProperties": {
            **masked(source, stored.public, stored.payload),
            **({"separateCredentials": True} if connection.separate_credentials else {}),
        },
        "qUsername": kept(USERNAME),
        "qPassword": kept(PASSWORD),
        "qConnectionSecret": Kept(CONNECTION_SECRET) if stored.connection_secret else None,
        "qCredentialsID": connection.credential_id,
        "qSeparateCredentials": connection.separate_credentials,
    }


async def _plain_fields(
    service: ConnectionService, connection: Connection, new: dict[str, Any], t: Touched
) -> None:
    """Name, tags, log-on, architecture, space: no secret depends on them."""
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
    if "space" in t.top:
        connection.space_id = (await service.access.space_for_write(str(new.get("space") or ""))).id


def _change(
    source: DataSource | None,
    connection: Connection,
    stored: Stored,
    new: dict[str, Any],
    t: Touched,
) -> Change:
    """The patched document as a change for the boundary."""
    properties: Any = new.get("connectionProperties")
    text: str | None = connection.connect_statement
    if "connectionproperties" in t.top:
        if source is None:
            raise _rule(
                "connectionProperties can be patched only for a known data source",
                "connectionProperties",
            )
        if not isinstance(properties, dict):
            raise ValidationFailed(
                "connectionProperties must be an object", field="connectionProperties"
            )
        text = None  # properties form: validated, the statement built from them
    elif "qconnectstatement" in t.top:
        text = new.get("qConnectStatement")
        if not isinstance(text, str) or not text.strip():
            raise _rule("qConnectStatement must be a non-empty string", "qConnectStatement")
        properties = statement_properties(source, text, stored.payload)
    if "qseparatecredentials" in t.top and "separatecredentials" not in t.properties:
        # The document's own separateCredentials mirrors the column: the top-level one rules.
        properties = {k: v for k, v in properties.items() if k != "separateCredentials"}
    return Change(
        properties=properties,
        statement=text,
        username=_str_or_none(new, "qUsername") if "qusername" in t.top else Kept(USERNAME),
        password=_str_or_none(new, "qPassword") if "qpassword" in t.top else Kept(PASSWORD),
        credential=_credential(new) if "qcredentialsid" in t.top else STORED_CREDENTIAL,
        separated=_separated(new) if "qseparatecredentials" in t.top else None,
        connection_secret=(
            _str_or_none(new, "qConnectionSecret")
            if "qconnectionsecret" in t.top
            else Kept(CONNECTION_SECRET)
        ),
    )


def _separated(new: dict[str, Any]) -> bool:
    """Top-level /qSeparateCredentials: the boundary switches (see its rule 5)."""
    if not isinstance(new.get("qSeparateCredentials"), bool):
        raise _rule("qSeparateCredentials must be a boolean", "qSeparateCredentials")
    return bool(new["qSeparateCredentials"])


def _credential(new: dict[str, Any]) -> str | None:
    ref = new.get("qCredentialsID")
    if ref is not None and not isinstance(ref, str):
        raise _rule("qCredentialsID must be a string", "qCredentialsID")
    return ref or None


def _refuse_value_removal(ops: list[PatchOp], source: DataSource | None) -> None:
    """An encrypted item's value is replaced, or the item removed; never the value alone."""
    encryptable = {n.lower() for n in source.properties.encryptable_fields()} if source else set()
    for op in ops:
        tokens = [t.lower() for t in op.tokens]
        if (
            op.op == "remove"
            and len(tokens) == 4  # noqa: PLR2004 - /connectionProperties/<list>/<index>/value
            and tokens[0] == "connectionproperties"
            and tokens[1] in encryptable
            and tokens[3] == "value"
        ):
            raise _rule(
                f"{op.path}: an item's value cannot be removed; replace it, or remove the item",
                op.path,
            )


def _check_rules(t: Touched, password_prop: str, *, has_credential: bool) -> None:
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
