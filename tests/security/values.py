"""Values for the exfiltration suite, generated from each data source's JSON Schema.

For a destination property, :func:`hostile` points it at the attacker's capture and
:func:`benign` gives another valid value that does not: a URL becomes the capture's URL, a
host ``127.0.0.1``, a port the capture's port, a fingerprint or public key the capture's
host key (benign: another key's), an enum another member, a boolean its opposite,
certificates a generated CA. A property of a shape nobody taught this module fails the
suite (:class:`NoGenerator`), so a new kind of destination cannot go untested.

:func:`victim_secrets` gives every secret property a distinctive random value; a few are
made realistic (a private key, a service-account key file) so that a connector would really
send what they unlock if the boundary let it.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import asyncssh
import pytest
from cryptography.hazmat.primitives import serialization

from dcaas.connectors import DataSource, all_data_sources
from dcaas.connectors.gateway import GATEWAY_INSTANCE

if TYPE_CHECKING:
    from collections.abc import Iterable

    from tests.security.world import World


class NoGenerator(AssertionError):
    """A destination property whose schema no generator here understands."""


TYPED, OAUTH = "typed", "oauth"


def sign_ins(source: DataSource) -> tuple[str, ...]:
    """How connections of a source get their secrets: typed by the user, through the OAuth
    flow, or either (a source whose ``oauth_selector`` chooses, such as gbq)."""
    if source.oauth is None:
        return (TYPED,)
    return (OAUTH,) if source.oauth_selector is None else (TYPED, OAUTH)


@dataclass(frozen=True)
class Case:
    """One destination property of one data source, on connections of one sign-in."""

    source_id: str
    sign_in: str
    name: str

    @property
    def id(self) -> str:
        return f"{self.source_id}{'' if self.sign_in == TYPED else '+oauth'}-{self.name}"


def destination_cases() -> list[Any]:
    """Every (data source, sign-in, destination property) of the catalog, as test params."""
    cases = [
        Case(source.id, sign_in, name)
        for source in all_data_sources()
        for sign_in in sign_ins(source)
        for name in sorted(source.properties.destination_fields())
    ]
    return [pytest.param(case, id=case.id) for case in cases]


def _variants(schema: dict[str, Any]) -> list[dict[str, Any]]:
    members = schema.get("anyOf") or [schema]
    return [m for m in members if m.get("type") != "null"]


def _default(source: DataSource, name: str) -> Any:
    info = source.properties.model_fields[name]
    return None if info.is_required() else info.get_default(call_default_factory=True)


def _matches(variant: dict[str, Any], value: str) -> bool:
    pattern = variant.get("pattern")
    return pattern is None or re.search(pattern, value) is not None


def _string(world: World, variant: dict[str, Any], description: str, *, hostile: bool) -> str:
    """The first candidate the schema accepts: a URL, a host, a host-key fingerprint."""
    if "pattern" not in variant:
        # Free text: a host key when the spec says so, else a host name.
        if "key" in description.lower():
            return world.ssh.public_key if hostile else world.other_public_key
        return "127.0.0.1" if hostile else "127.0.0.2"
    # Most specific first: a URL, a host, a fingerprint, then shapes that name no host (an
    # https-only URL, a path on the host, an S3 location, an account name in a host name).
    https_capture = world.http.url.replace("http://", "https://", 1) + "/capture"
    candidates = (
        [
            f"{world.http.url}/capture",
            world.http.url,  # a base URL without a path (a login host, an API endpoint)
            "127.0.0.1",
            world.ssh.fingerprint,
            https_capture,
            "/capture",
            "s3://capture-bucket/out",
            "capture",
        ]
        if hostile
        else [
            "http://127.0.0.2/benign",
            "http://127.0.0.2",
            "127.0.0.2",
            world.other_fingerprint,
            "https://127.0.0.2/benign",
            "/benign",
            "s3://benign-bucket/out",
            "benign",
        ]
    )
    for value in candidates:
        if _matches(variant, value):
            return value
    raise NoGenerator(f"no generated string matches {variant.get('pattern')!r}")


def _value(world: World, source: DataSource, name: str, *, hostile: bool) -> Any:
    schema = source.api_spec()["properties"][name]
    description = str(schema.get("description", ""))
    for variant in _variants(schema):
        kind = variant.get("type")
        if "enum" in variant:
            members = list(variant["enum"])
            default = _default(source, name)
            benign = default if default in members else members[0]
            return next(m for m in members if m != benign) if hostile else benign
        if kind == "boolean":
            return not bool(_default(source, name)) if hostile else bool(_default(source, name))
        if kind == "integer":
            return world.port_for(source) if hostile else world.closed_port
        if kind == "array" and schema.get("format") == "file":
            pem = world.capture_ca if hostile else world.other_ca
            return [{"name": "ca.pem", "value": pem}]
        if kind == "array" and "name" in variant.get("items", {}).get("properties", {}):
            # name/value attributes (a driver's, say): a proxy at the capture
            value = f"{world.http.url}/capture" if hostile else "http://127.0.0.2/benign"
            return [{"name": "Proxy", "value": value}]
        if kind == "string":
            return _string(world, variant, description, hostile=hostile)
    raise NoGenerator(f"{source.id}.{name}: no generator for the schema {schema}")


def hostile(world: World, source: DataSource, name: str) -> Any:
    """A value of destination ``name`` that points the connection at the capture."""
    if name == GATEWAY_INSTANCE:  # a registered gateway: the one the attacker plays
        return world.gateways["hostile"]
    return _value(world, source, name, hostile=True)


def benign(world: World, source: DataSource, name: str) -> Any:
    """Another valid value of ``name``: its default when it has one, else a generated one."""
    if name == GATEWAY_INSTANCE:  # another registered gateway
        return world.gateways["benign"]
    default = _default(source, name)
    return default if default is not None else _value(world, source, name, hostile=False)


# -- secrets ---------------------------------------------------------------------------------
def _marked(label: str) -> str:
    return f"victim-{label}-{secrets.token_hex(12)}"


def _private_key(passphrase: str) -> str:
    key = asyncssh.generate_private_key("ssh-ed25519")
    pem = key.export_private_key("openssh", passphrase, rounds=4, ignore_few_rounds=True)
    return pem.decode()


def service_account(world: World) -> tuple[str, list[str]]:
    """A service-account key file whose token endpoint is the legitimate one; its needles."""
    pem = world.rsa_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    key_id = secrets.token_hex(20)
    document = {
        "type": "service_account",
        "project_id": "dcaas-exfil",
        "private_key_id": key_id,
        "private_key": pem,
        "client_email": "victim@dcaas-exfil.iam.gserviceaccount.com",
        "client_id": "1",
        "token_uri": world.token.url,
    }
    body = "".join(pem.strip().splitlines()[1:-1])
    return json.dumps(document), [key_id, body[:64], body[-64:]]


def victim_secrets(world: World, source: DataSource) -> tuple[dict[str, Any], list[str]]:
    """A value for every secret property (and an encrypted item), and what to search for."""
    values: dict[str, Any] = {}
    needles: list[str] = []
    passphrase = _marked("passphrase")
    for name in sorted(source.properties.secret_fields()):
        schema = source.api_spec()["properties"][name]
        is_file = any(v.get("type") == "array" for v in _variants(schema))
        if name == "privateKey":  # a real key, so that a connector would use it
            values[name] = [{"name": "id_ed25519", "value": _private_key(passphrase)}]
        elif name == "privateKeyPassphrase":
            values[name] = passphrase
            needles.append(passphrase)
        elif name == "serviceAccountKeyFile":
            document, found = service_account(world)
            values[name] = [{"name": "key.json", "value": document}]
            needles += found
        elif is_file:
            secret = _marked(name)
            values[name] = [{"name": f"{name}.bin", "value": secret}]
            needles.append(secret)
        else:
            values[name] = _marked(name)
            needles.append(values[name])
    for name in sorted(source.properties.encryptable_fields()):
        secret = _marked(name)
        values[name] = [
            {"name": "X-Api-Key", "value": secret, "encrypt": True},
            {"name": "X-Plain", "value": "plain-header", "encrypt": False},
        ]
        needles.append(secret)
    return values, needles


def fake_secret(source: DataSource, held: Iterable[str]) -> tuple[str, Any] | None:
    """The attacker's own value for the first secret property the victim holds (to "touch"
    a secret)."""
    names = sorted(source.properties.secret_fields() & set(held))
    if not names:
        return None
    name = names[0]
    schema = source.api_spec()["properties"][name]
    value = "attacker-" + secrets.token_hex(8)
    if any(v.get("type") == "array" for v in _variants(schema)):
        return name, [{"name": "attacker.bin", "value": value}]
    return name, value
