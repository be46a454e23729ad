"""The secret boundary: what a change to a connection may keep of its stored secrets.

One function, :func:`decide`, takes a connection's stored state and a proposed change and
answers what the result stores, or refuses the change. Every write path builds a
:class:`Change` and goes through it (create, PATCH, PUT, bulk update, duplicate, a test of a
patch, OAuth re-authorization); :func:`stamp` marks what it approved, and a flush of a
connection whose properties, statement or credential changed without that mark fails.

The rules follow from the spec's flags alone (``x-secret``, ``x-destination``,
:class:`~dcaas.connectors.spec.EncryptableItem`), never from a connector's name:

1. **A change of destination keeps no stored secret.** When any destination property
   changes (host, port, url, endpoint, token URL, TLS trust, host key; for a source without
   a spec, or a statement dcaas cannot read, the statement itself), every secret the
   connection holds (secret properties, encrypted item values, ``qUsername`` / ``qPassword``,
   ``qConnectionSecret``) must be given anew in the same change, or removed by it; else the
   change is refused with ``DCAAS-1014`` naming the destinations changed and the secrets
   missing. Secrets nobody can type (OAuth tokens) are dropped: the connection then needs a
   new authorization. Separated credentials are detached instead (Qlik's rule).
2. **A secret is never downgraded.** An encrypted item keeps its stored value only while it
   stays encrypted and keeps its name: turning ``encrypt`` off without replacing the value
   is refused (``DCAAS-4005``); a renamed item keeps no hidden value (``DCAAS-1014``).
3. **Another credential is the caller's own.** Pointing a connection at an existing
   credential (``qCredentialsID``, ``selectedCredentials``) keeps nothing of the stored one,
   cannot be combined with typed secrets, and the credential must be the caller's own (the
   service checks ownership; admins included).
4. **Detaching the credential** (``remove /qCredentialsID``) drops every secret with it:
   encrypted items stay with no value, OAuth connections need a new authorization.
5. **Separated credentials are each user's own.** A connection with
   ``separateCredentials`` stores no shared secret: the stored state a change builds on is
   the *calling* user's personal credential (``Stored.owned``), never another user's, and
   what the change gives becomes that user's record. A change of destination detaches
   every user's personal credential (Qlik's rule), not only the caller's. Switching between
   embedded and separated carries the stored secrets over only when they are the caller's
   own record: separating a shared credential someone else typed would hand it to the
   caller as a record they could point anywhere (rule 3), and embedding a personal one
   shares only the caller's own secret. Otherwise the switch keeps nothing.
"""

from __future__ import annotations

import json
from contextlib import suppress
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from typing import TYPE_CHECKING, Any

from pydantic import TypeAdapter, ValidationError

from dcaas.connection import statement as statements
from dcaas.connectors.oauth import TOKEN_FIELDS
from dcaas.connectors.spec import ConnectorProperties
from dcaas.errors import BadRequest, Code, ValidationFailed

if TYPE_CHECKING:
    from collections.abc import Mapping

    from dcaas.connectors import DataSource

USERNAME, PASSWORD = "qUsername", "qPassword"
_CONTROL = ConnectorProperties.CONTROL
CONNECTION_SECRET = "qConnectionSecret"  # noqa: S105 - a member name, not a secret
_TOP = (USERNAME, PASSWORD)
_BOOL: TypeAdapter[bool] = TypeAdapter(bool)


@dataclass(frozen=True)
class Kept:
    """In a proposed document: the stored secret at ``key`` (an item of it) stays as it is.

    ``item`` is an encrypted item's name, or the index of a file in a secret file list. A
    client cannot write one: only :func:`masked` (and the change builders) put them there.
    """

    key: str
    item: str | int | None = None


STORED_CREDENTIAL = Kept("qCredentialsID")


@dataclass(frozen=True)
class Stored:
    """What a connection holds now (``payload``: its opened credential)."""

    public: Mapping[str, Any] = field(default_factory=dict)
    statement: str = ""
    payload: Mapping[str, Any] = field(default_factory=dict)
    credential_id: str | None = None
    separated: bool = False
    connection_secret: bool = False
    owned: bool = False  # the stored credential is the caller's own record


@dataclass(frozen=True)
class Change:
    """A proposed state: literal values where the change gives them, :class:`Kept` elsewhere.

    ``statement`` is None for a change in properties form (the properties are validated and
    the statement is built from them); else the connect statement to store, whose properties
    are ``properties`` (read leniently, as Qlik's clients write statements).
    """

    properties: Mapping[str, Any]
    statement: str | None = None
    username: str | Kept | None = Kept(USERNAME)
    password: str | Kept | None = Kept(PASSWORD)
    credential: str | Kept | None = STORED_CREDENTIAL
    connection_secret: str | Kept | None = Kept(CONNECTION_SECRET)
    extra: Mapping[str, Any] = field(default_factory=dict)  # secrets that are no property
    separated: bool | None = None  # qSeparateCredentials given; None: as the properties say
    credential_name: str | None = None  # qCredentialsName: the name of a new record


class Record(StrEnum):
    """What happens to the connection's credential record."""

    KEEP = "keep"  # the stored record, unchanged
    REWRITE = "rewrite"  # the stored record, resealed with the verdict's payload
    NEW = "new"  # a new record holding the payload (never another connection's record)
    NONE = "none"  # no credential
    SELECT = "select"  # another existing credential, the caller's own


@dataclass(frozen=True)
class Verdict:
    """What the result stores; produced only by :func:`decide`."""

    public: dict[str, Any]
    statement: str
    payload: dict[str, Any]
    record: Record
    control: dict[str, Any] = field(default_factory=dict)
    selected: str | None = None
    connection_secret: str | Kept | None = Kept(CONNECTION_SECRET)
    changed: tuple[str, ...] = ()
    reauthorize: bool = False
    separated: bool = False  # the result's credentials are each user's own
    switched: bool = False  # the change switches between embedded and separated
    stored_credential: str | None = None  # the record KEEP / REWRITE means

    @property
    def keeps_stored_credential(self) -> bool:
        """The result still uses the stored record and its non-property secrets (tokens)."""
        return self.record in (Record.KEEP, Record.REWRITE) and not self.reauthorize


@dataclass
class _Reading:
    """A proposal read against the spec: public part, typed secrets, kept secrets."""

    public: dict[str, Any] = field(default_factory=dict)
    control: dict[str, Any] = field(default_factory=dict)  # separateCredentials & co
    secrets: dict[str, Any] = field(default_factory=dict)  # materialized: kept and supplied
    supplied: set[str] = field(default_factory=set)  # payload keys given anew
    kept: dict[str, str] = field(default_factory=dict)  # payload key -> pointer where kept


def masked(
    source: DataSource | None, public: Mapping[str, Any], payload: Mapping[str, Any]
) -> dict[str, Any]:
    """The stored properties as a change sees them: each stored secret stands as a Kept."""
    full = dict(public)
    if source is None:
        return full
    for name in source.properties.secret_fields() & set(payload):
        value = payload[name]
        if isinstance(value, list) and all(isinstance(i, dict) for i in value):
            full[name] = [{**i, "value": Kept(name, n)} for n, i in enumerate(value)]
        else:
            full[name] = Kept(name)
    for name in source.properties.encryptable_fields():
        hidden = payload.get(name)
        items = public.get(name)
        if isinstance(hidden, dict) and isinstance(items, list):
            full[name] = [_masked_item(name, item, hidden) for item in items]
    return full


def _masked_item(name: str, item: Any, hidden: Mapping[str, Any]) -> Any:
    if isinstance(item, dict) and _flag(item.get("encrypt")) and item.get("name") in hidden:
        return {**item, "value": Kept(name, item["name"])}
    return item


def statement_properties(
    source: DataSource | None, text: str, payload: Mapping[str, Any]
) -> dict[str, Any]:
    """A statement's properties as a change: stored secrets it does not give stay (Kept)."""
    parsed = statements.parse(text)
    properties = dict(parsed.properties) if parsed else {}
    if source is not None:
        for name in source.properties.secret_fields() & set(payload):
            properties.setdefault(name, Kept(name))
    return properties


def decide(source: DataSource | None, stored: Stored, change: Change) -> Verdict:
    """What the result of ``change`` may keep of ``stored``; raises when it may not happen."""
    reading = _read(source, stored, change)
    control: dict[str, Any] = dict(reading.control)
    if source is not None and change.statement is None:
        split = source.validate({**source.join(reading.public, reading.secrets), **control})
        reading.public, reading.secrets, control = split.public, split.secrets, split.control
    if change.credential_name and not control.get("credentialsName"):
        control["credentialsName"] = change.credential_name
    separated = _separation(change, control, stored)
    if separated and source is not None and source.uses_oauth(reading.public):
        raise ValidationFailed(
            "separated credentials are not available for OAuth sign-ins yet (each user's own "
            "tokens): leave separateCredentials false",
            field="connectionProperties.separateCredentials",
        )
    switched = bool(stored.statement) and separated != stored.separated
    text = _statement(source, change, reading)
    changed = _moved(source, stored, reading.public, text)
    top = _top(source, change, reading, stored.payload)
    choice = _choice(change.credential, control.get("selectedCredentials"), stored)
    keeps = (
        isinstance(choice, Kept)
        and not (changed and stored.separated)  # rule 5: a new destination detaches them
        and not (switched and not stored.owned)  # rule 5: only the caller's own switches
    )
    _require_all(changed if keeps else (), reading, top, stored, change)
    _require_connection_secret(changed, stored, change)
    base: dict[str, Any] = {
        "public": reading.public,
        "statement": text,
        "control": control,
        "changed": changed,
        "connection_secret": change.connection_secret,
        "separated": separated,
        "switched": switched,
        "stored_credential": stored.credential_id,
    }
    given = {**_given(source, reading), **top.given(), **change.extra}
    dropped = _tokens(source, stored.payload) and not set(change.extra) & set(TOKEN_FIELDS)
    if isinstance(choice, str):
        if any(value != "" for value in given.values()):  # Qlik clients send "" for none
            raise ValidationFailed(
                "give either an existing credential (qCredentialsID or selectedCredentials) "
                "or credentials, not both",
                field="qCredentialsID",
            )
        return Verdict(
            **base, payload={}, record=Record.SELECT, selected=choice, reauthorize=dropped
        )
    if not keeps or changed:
        # Nothing stored stays: detached, a separated credential (Qlik's rule 5: it is its
        # user's), or a new destination with every secret given anew.
        record = Record.NEW if given else Record.NONE
        return Verdict(**base, payload=given, record=record, reauthorize=dropped)
    extras = {k: v for k, v in stored.payload.items() if k not in _payload_keys(source)}
    payload = {**extras, **reading.secrets, **top.secrets, **change.extra}
    return Verdict(**base, payload=payload, record=_record(stored, payload))


# -- reading a proposal ---------------------------------------------------------------------
def _read(source: DataSource | None, stored: Stored, change: Change) -> _Reading:
    reading = _Reading()
    secret_names = source.properties.secret_fields() if source else frozenset()
    encryptable = source.properties.encryptable_fields() if source else frozenset()
    for name, given in change.properties.items():
        pointer = f"/connectionProperties/{name}"
        if name in _CONTROL:
            _no_kept(given, pointer)
            reading.control[name] = given
            continue
        value = _json_list(given) if name in encryptable else given
        if name in secret_names:
            _read_secret(reading, name, value, pointer, stored.payload)
        elif name in encryptable and isinstance(value, list):
            hidden = stored.payload.get(name)
            reading.public[name] = _read_items(
                reading, name, value, hidden if isinstance(hidden, dict) else {}
            )
        else:
            _no_kept(value, pointer)
            reading.public[name] = value
    return reading


def _read_secret(
    reading: _Reading, name: str, value: Any, pointer: str, payload: Mapping[str, Any]
) -> None:
    if value is None:
        return  # removed by the change
    if _has_kept(value):
        if name in payload:
            reading.kept[name] = pointer
            reading.secrets[name] = _resolve(value, payload)
        return
    reading.secrets[name] = value
    reading.supplied.add(name)


def _read_items(
    reading: _Reading, name: str, items: list[Any], hidden: Mapping[str, Any]
) -> list[Any]:
    """An encryptable list: public items (hidden values out), kept and supplied values."""
    public: list[Any] = []
    values: dict[str, Any] = {}
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            public.append(item)  # validation names it
            continue
        item_name, encrypted = item.get("name"), _flag(item.get("encrypt"))
        pointer = f"/connectionProperties/{name}/{index}/value"
        value = item.get("value", _ABSENT)
        stored_here = isinstance(item_name, str) and item_name in hidden
        if isinstance(value, Kept) or (value is _ABSENT and stored_here):
            origin = value.item if isinstance(value, Kept) else item_name
            _check_kept_item(name, index, item_name, origin, encrypted=encrypted)
            reading.kept[f"{name}/{item_name}"] = pointer
            values[str(item_name)] = hidden.get(str(item_name), "")
        elif value is not _ABSENT and encrypted:
            _no_kept(value, pointer)
            values[str(item_name)] = value
            reading.supplied.add(f"{name}/{item_name}")
        if encrypted:
            public.append({k: v for k, v in item.items() if k != "value"})
        else:
            _no_kept(value, pointer)
            public.append(item)
    if values:
        reading.secrets[name] = values
    return public


def _check_kept_item(
    name: str, index: int, item_name: Any, origin: Any, *, encrypted: bool
) -> None:
    field_name = f"connectionProperties.{name}.{index}.value"
    if origin != item_name:
        raise ValidationFailed(
            f"{name} item {item_name!r} was renamed from {origin!r}: a renamed item keeps no "
            "hidden value; give its value in the same request",
            field=field_name,
            code=Code.CREDENTIALS_REQUIRED,
            extra={"missing": [f"/connectionProperties/{name}/{index}/value"]},
        )
    if not encrypted:
        raise ValidationFailed(
            f"{name} item {item_name!r} is encrypted: it can be made plain only with a new "
            "value in the same request (the stored value is never shown)",
            field=f"connectionProperties.{name}.{index}.encrypt",
            code=Code.SECRET_DOWNGRADE,
        )


@dataclass
class _Top:
    secrets: dict[str, Any] = field(default_factory=dict)
    supplied: set[str] = field(default_factory=set)
    kept: dict[str, str] = field(default_factory=dict)

    def given(self) -> dict[str, Any]:
        return {k: v for k, v in self.secrets.items() if k in self.supplied}


def _given(source: DataSource | None, reading: _Reading) -> dict[str, Any]:
    """The property secrets the change gives anew (encrypted items one by one)."""
    encryptable = source.properties.encryptable_fields() if source else frozenset()
    given: dict[str, Any] = {}
    for key, value in reading.secrets.items():
        if key in encryptable and isinstance(value, dict):
            items = {n: v for n, v in value.items() if f"{key}/{n}" in reading.supplied}
            if items:
                given[key] = items
        elif key in reading.supplied:
            given[key] = value
    return given


def _top(
    source: DataSource | None, change: Change, reading: _Reading, payload: Mapping[str, Any]
) -> _Top:
    """``qUsername`` / ``qPassword``: kept, given (mapped onto the source's own property)."""
    top = _Top()
    mapped = {
        USERNAME: source.username_property if source else None,
        PASSWORD: source.password_property if source else None,
    }
    for key, value in ((USERNAME, change.username), (PASSWORD, change.password)):
        prop = mapped[key]
        if isinstance(value, Kept):
            if key not in payload:
                continue
            if prop and prop in reading.supplied:  # the property given anew stands for it
                top.secrets[key] = reading.secrets[prop]
                top.supplied.add(key)
            else:
                top.secrets[key] = payload[key]
                top.kept[key] = f"/{key}"
        elif value is not None:
            top.secrets[key] = value
            top.supplied.add(key)
            if prop:
                reading.secrets[prop] = value
                reading.supplied.add(prop)
                reading.kept.pop(prop, None)
    return top


# -- deciding ---------------------------------------------------------------------------------
def _statement(source: DataSource | None, change: Change, reading: _Reading) -> str:
    if change.statement is None:
        assert source is not None  # noqa: S101 - properties form needs a spec
        return statements.build(source.provider, source.id, reading.public)
    parsed = statements.parse(change.statement)
    typed = reading.supplied - set(_TOP)
    if parsed and typed and parsed.provider and parsed.source_type:
        # A client's statement carried secrets: store it without them.
        return statements.build(parsed.provider, parsed.source_type, reading.public)
    return change.statement


def _moved(
    source: DataSource | None, stored: Stored, public: Mapping[str, Any], text: str
) -> tuple[str, ...]:
    """The destination properties (or the unreadable statement) the change moves."""
    if not stored.statement:
        return ()  # nothing stored yet: a create
    if source is None or None in (statements.parse(stored.statement), statements.parse(text)):
        return ("qConnectStatement",) if stored.statement and text != stored.statement else ()
    return tuple(
        name
        for name in sorted(source.properties.destination_fields())
        if _effective(source, name, stored.public) != _effective(source, name, public)
    )


def _effective(source: DataSource, name: str, public: Mapping[str, Any]) -> str:
    """A destination property's value as the connector sees it (defaults and coercion)."""
    info = source.properties.model_fields[name]
    value = public[name] if name in public else info.get_default(call_default_factory=True)
    adapter = _adapter(source.properties, name)
    with suppress(ValidationError):  # else compared as given
        value = adapter.dump_python(adapter.validate_python(value), mode="json")
    return json.dumps(value, sort_keys=True, default=str)


@cache
def _adapter(cls: type, name: str) -> TypeAdapter[Any]:
    return TypeAdapter(cls.model_fields[name].annotation)  # type: ignore[attr-defined]


def _choice(choice: str | Kept | None, selected: str | None, stored: Stored) -> str | Kept | None:
    if selected:
        if isinstance(choice, str) and choice != selected:
            raise ValidationFailed(
                "qCredentialsID and selectedCredentials name different credentials",
                field="connectionProperties.selectedCredentials",
            )
        choice = selected
    if isinstance(choice, str) and choice == stored.credential_id:
        return STORED_CREDENTIAL
    return choice


def _separation(change: Change, control: Mapping[str, Any], stored: Stored) -> bool:
    """Whether the result's credentials are separated: as given, else as they were."""
    given = control.get("separateCredentials")
    flag = None if given is None else _flag(given)
    if change.separated is not None:
        if flag is not None and flag != change.separated:
            raise ValidationFailed(
                "qSeparateCredentials and connectionProperties.separateCredentials disagree",
                field="qSeparateCredentials",
            )
        return change.separated
    return stored.separated if flag is None else flag


def _require_all(
    changed: tuple[str, ...], reading: _Reading, top: _Top, stored: Stored, change: Change
) -> None:
    """Rule 1: a new destination gets no stored secret; name every one still kept."""
    missing = sorted({*reading.kept.values(), *top.kept.values()})
    if stored.connection_secret and isinstance(change.connection_secret, Kept):
        missing.append(f"/{CONNECTION_SECRET}")
    if not changed or not missing:
        return
    names = ", ".join(changed)
    raise ValidationFailed(
        f"{names} decide{'s' if len(changed) == 1 else ''} where this connection's secrets "
        "go: a change of destination keeps no stored secret. Give every secret anew in the "
        f"same request, or remove it: {', '.join(missing)}",
        field=_field(changed[0]),
        code=Code.CREDENTIALS_REQUIRED,
        extra={"changed": list(changed), "missing": missing},
    )


def _require_connection_secret(changed: tuple[str, ...], stored: Stored, change: Change) -> None:
    """qConnectionSecret is the connection's own: a new destination needs it anew too."""
    if changed and stored.connection_secret and isinstance(change.connection_secret, Kept):
        raise ValidationFailed(
            f"{', '.join(changed)} changed: give /{CONNECTION_SECRET} anew, or clear it",
            field=CONNECTION_SECRET,
            code=Code.CREDENTIALS_REQUIRED,
            extra={"changed": list(changed), "missing": [f"/{CONNECTION_SECRET}"]},
        )


def _field(changed: str) -> str:
    return changed if changed == "qConnectStatement" else f"connectionProperties.{changed}"


def _record(stored: Stored, payload: Mapping[str, Any]) -> Record:
    if stored.credential_id is None:
        return Record.NEW if payload else Record.NONE
    return Record.KEEP if dict(payload) == dict(stored.payload) else Record.REWRITE


def _payload_keys(source: DataSource | None) -> frozenset[str]:
    """Payload keys a change states (kept or given); any other key is a non-property secret."""
    if source is None:
        return frozenset(_TOP)
    props = source.properties
    return props.secret_fields() | props.encryptable_fields() | frozenset(_TOP)


def _tokens(source: DataSource | None, payload: Mapping[str, Any]) -> bool:
    return (
        source is not None and source.oauth is not None and bool(set(payload) & set(TOKEN_FIELDS))
    )


# -- small helpers ------------------------------------------------------------------------------
class _Absent:
    def __repr__(self) -> str:
        return "<absent>"


_ABSENT = _Absent()


def _json_list(value: Any) -> Any:
    """A list sent as JSON text (as Qlik's examples do) is read as the list."""
    if isinstance(value, str) and value.strip().startswith("["):
        with suppress(ValueError):
            return json.loads(value)
    return value


def _flag(value: Any) -> bool:
    try:
        return _BOOL.validate_python(value if value is not None else False)
    except ValidationError:
        return False


def _has_kept(value: Any) -> bool:
    if isinstance(value, Kept):
        return True
    if isinstance(value, dict):
        return any(_has_kept(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_kept(v) for v in value)
    return False


def _resolve(value: Any, payload: Mapping[str, Any]) -> Any:
    """``value`` with each Kept replaced by the stored secret it stands for."""
    if isinstance(value, Kept):
        stored = payload.get(value.key)
        if value.item is None:
            return stored
        if isinstance(stored, list) and isinstance(value.item, int) and value.item < len(stored):
            return stored[value.item].get("value")
        return None
    if isinstance(value, dict):
        return {k: _resolve(v, payload) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, payload) for v in value]
    return value


def _no_kept(value: Any, pointer: str) -> None:
    if _has_kept(value):  # only a bug could put one here: never let a secret go public
        raise BadRequest(
            f"{pointer} cannot hold a stored secret",
            code=Code.INVALID_PATCH,
            meta={"field": pointer},
        )
