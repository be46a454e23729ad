"""The exfiltration suite's world: one app per store, its users, the captures, the victims.

Users of tenant ``acme``: ``carol`` (producer of the shared space ``team``) owns every
victim connection; ``alice`` (producer), ``bob`` (consumer) and the tenant admin attack them.
The captures listen on 127.0.0.1 and the app may reach it (``DCAAS_OUTBOUND_ALLOW``);
``127.0.0.2`` is refused by the outbound policy, so a benign host is never reached.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import asyncssh
from cryptography.hazmat.primitives.asymmetric import rsa
from tests import log_guard
from tests.conftest import Api, running_api
from tests.oauth.authserver import AuthServer
from tests.oauth.conftest import CALLBACK, consent
from tests.rest_server import make_tls
from tests.security import values
from tests.security.capture import (
    HttpCapture,
    Recorder,
    SshCapture,
    TcpCapture,
    TokenServer,
    closed_port,
    mysql_greeter,
    postgres_greeter,
    silent_greeter,
)

from dcaas.bootstrap import create_key
from dcaas.connection import statement
from dcaas.connectors import DataSource, all_data_sources, get_data_source
from dcaas.connectors.gateway import is_gateway_source
from dcaas.credential.models import Credential
from dcaas.credential.vault import open_credential

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from pathlib import Path

URL = "/api/v1/data-connections"
ROLES = ("consumer", "producer", "admin")
NAMES = {"owner": "carol", "producer": "alice", "consumer": "bob", "admin": "admin"}
OWN_CLIENT = "victim-app"
OPERATOR_CLIENT = "operator-app"


@dataclass
class Victim:
    """A connection of carol's in the shared space, and the secrets it must never give away
    (``held``: the secret and encrypted-item properties it stores)."""

    id: str
    source: DataSource
    needles: list[str]
    version: int
    statement: str
    held: frozenset[str] = frozenset()


@dataclass
class World:
    api: Api
    keys: dict[str, str]
    space: str
    personal: dict[str, str]
    recorder: Recorder
    http: HttpCapture
    pg: TcpCapture
    mysql: TcpCapture
    raw: TcpCapture
    ssh: SshCapture
    token: TokenServer
    provider: AuthServer
    capture_ca: str
    other_ca: str
    other_key: asyncssh.SSHKey
    client_secret: str
    operator_secret: str
    closed_port: int = field(default_factory=closed_port)
    rsa_key: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    victims: dict[tuple[str, str], Victim] = field(default_factory=dict)
    # DG_* sources' gatewayInstance: a registered gateway ("hostile" plays the attacker's)
    gateways: dict[str, str] = field(default_factory=dict)

    @property
    def other_fingerprint(self) -> str:
        return str(self.other_key.get_fingerprint("sha256"))

    @property
    def other_public_key(self) -> str:
        return self.other_key.export_public_key().decode().strip()

    def port_for(self, source: DataSource) -> int:
        """The capture that speaks the source's protocol (raw TCP when none does)."""
        ports = {"postgresql": self.pg.port, "mysql": self.mysql.port}
        if source.id == "File_FileTransferConnector":
            return self.ssh.port
        return ports.get(source.id, self.raw.port)

    def h(self, role: str) -> dict[str, str]:
        return self.api.h(self.keys[role])

    # -- victims ------------------------------------------------------------------------------
    async def victim(
        self, source_id: str, field_name: str, sign_in: str | None = None, *, fresh: bool = False
    ) -> Victim:
        """Carol's connection. Typed secrets: every destination hostile but ``field_name``
        (benign). Through OAuth: every destination at the provider that authorized it.
        ``sign_in`` defaults to the source's first (see :func:`values.sign_ins`)."""
        source = get_data_source(source_id)
        assert source is not None
        sign_in = sign_in or values.sign_ins(source)[0]
        key = (source_id, field_name, sign_in)
        if fresh or key not in self.victims:
            made = await (
                self._oauth_victim(source)
                if sign_in == values.OAUTH
                else self._victim(source, field_name)
            )
            if fresh:
                return made
            self.victims[key] = made
        return self.victims[key]

    def forget(self, victim: Victim) -> None:
        """A write changed this victim (the attacker gave every secret anew): a new one next."""
        self.victims = {k: v for k, v in self.victims.items() if v is not victim}

    async def _victim(self, source: DataSource, field_name: str) -> Victim:
        props, needles = values.victim_secrets(self, source)
        if source.oauth_selector is not None:  # the sign-in that is not OAuth: its default
            name, _ = source.oauth_selector
            props[name] = source.properties.model_fields[name].get_default()
            assert not source.uses_oauth(props), source.id
        for name in source.properties.destination_fields():
            chosen = (values.benign if name == field_name else values.hostile)(self, source, name)
            if chosen is not None:
                props[name] = chosen
        return await self.create(source.id, _required(source, props), needles)

    async def create(self, source_id: str, props: dict[str, Any], needles: list[str]) -> Victim:
        """Carol's connection in the shared space with these properties."""
        source = get_data_source(source_id)
        assert source is not None
        body = {
            "qName": f"victim-{secrets.token_hex(6)}",
            "datasourceID": source_id,
            "space": self.space,
            "connectionProperties": props,
        }
        res = await self.api.client.post(URL, json=body, headers=self.h("owner"))
        assert res.status_code == 201, res.text
        return await self._loaded(str(res.json()["qID"]), source, needles, _held(source, props))

    async def _oauth_victim(self, source: DataSource, *, own_app: bool = True) -> Victim:
        """Created through the real flow at the loopback provider: the tenant's own app
        (clientSecret stored with the tokens) or the operator's (only tokens stored)."""
        props = oauth_properties(self, source, own_app=own_app)
        body = {
            "qName": f"victim-{secrets.token_hex(6)}",
            "dataSourceId": source.id,
            "spaceId": self.space,
            "connectionProperties": props,
            "authUrlOnly": True,
        }
        res = await self.api.client.post(URL, json=body, headers=self.h("owner"))
        assert res.status_code == 201, res.text
        grant = await consent(res.json()["authUrl"])
        res = await self.api.client.get(grant.callback_path)
        assert res.status_code == 200, res.text
        conn_id = str(res.json()["qID"])
        payload = await self.payload(conn_id)
        needles = [payload["accessToken"], payload["refreshToken"], self.operator_secret]
        needles += [self.client_secret] if own_app else []
        return await self._loaded(conn_id, source, needles, _held(source, props))

    async def _loaded(
        self, conn_id: str, source: DataSource, needles: list[str], held: frozenset[str]
    ) -> Victim:
        log_guard.remember(*needles)
        res = await self.api.client.get(f"{URL}/{conn_id}", headers=self.h("owner"))
        assert res.status_code == 200, res.text
        body = res.json()
        version = int(res.headers["ETag"].strip('"'))
        return Victim(conn_id, source, needles, version, body["qConnectStatement"], held)

    async def operator_oauth_victim(self) -> Victim:
        """An ``oauth-rest`` connection on the operator's app: its only secrets are tokens."""
        source = get_data_source("oauth-rest")
        assert source is not None
        return await self._oauth_victim(source, own_app=False)

    async def restore(self, victim: Victim) -> None:
        """Move a victim a bulk update moved back into the shared space (no destination)."""
        item = {"id": victim.id, "spaceId": self.space}
        res = await self.api.client.post(
            f"{URL}/actions/update", json={"connections": [item]}, headers=self.h("admin")
        )
        assert res.json()["data"][0]["status"] == 204, res.text
        res = await self.api.client.get(f"{URL}/{victim.id}", headers=self.h("owner"))
        victim.version = int(res.headers["ETag"].strip('"'))

    async def payload(self, conn_id: str) -> dict[str, Any]:
        """A connection's opened credential (the test reads what it must look for)."""
        state = self.api.app.state.dcaas  # type: ignore[attr-defined]
        res = await self.api.client.get(f"{URL}/{conn_id}", headers=self.h("admin"))
        async with state.sessions() as session:
            credential = await session.get(Credential, res.json()["qCredentialsID"])
            return open_credential(state.envelope, credential)

    async def stored(self, conn_id: str) -> bytes:
        """What a connection stores, as text: as its owner reads it, and its opened credential."""
        res = await self.api.client.get(f"{URL}/{conn_id}", headers=self.h("admin"))
        assert res.status_code == 200, res.text
        payload = await self.payload(conn_id) if res.json().get("qCredentialsID") else {}
        return res.content + dumps(payload).encode()

    def statement_with(self, victim: Victim, name: str, value: Any) -> str:
        parsed = statement.parse(victim.statement)
        assert parsed is not None
        assert parsed.provider is not None
        assert parsed.source_type is not None
        return statement.build(
            parsed.provider, parsed.source_type, {**parsed.properties, name: value}
        )


def _required(source: DataSource, props: dict[str, Any]) -> dict[str, Any]:
    """``props`` with a value for each required property still missing (a bucket, a project)."""
    for name, info in source.properties.model_fields.items():
        if info.is_required() and name not in props:
            props[name] = "victim-bucket" if name == "bucketName" else "victim"
    return props


def _held(source: DataSource, props: dict[str, Any]) -> frozenset[str]:
    kinds = source.properties.secret_fields() | source.properties.encryptable_fields()
    return frozenset(n for n in props if n in kinds)


# -- OAuth -----------------------------------------------------------------------------------
def _oauth_sources() -> list[DataSource]:
    return [s for s in all_data_sources() if s.oauth is not None]


def _paths_under_base(source: DataSource) -> tuple[str, str] | None:
    """A source's (authorization, token) paths when they live under a base URL property."""
    oauth = source.oauth
    if oauth is None or oauth.base_url_property is None:
        return None
    assert oauth.authorization_url, source.id
    assert oauth.token_url, source.id
    return oauth.authorization_url, oauth.token_url


def operator_apps(provider: AuthServer, secret: str) -> dict[str, dict[str, str]]:
    """The operator's app for every OAuth source, at the provider. A source whose endpoints
    are paths under the connection's base URL (Salesforce's login host) gets its endpoints
    from that URL, as in production: its entry names no URL."""
    apps = {}
    for source in _oauth_sources():
        app = {"clientId": OPERATOR_CLIENT, "clientSecret": secret}
        if _paths_under_base(source) is None:
            app |= {
                "authorizationUrl": f"{provider.base}/authorize",
                "tokenUrl": f"{provider.base}/token",
            }
        apps[source.id] = app
    return apps


def _at_provider(world: World, source: DataSource, name: str, *, own_app: bool) -> Any:
    """Destination ``name`` of an OAuth victim, at the provider that authorizes it: the base
    URL its OAuth paths are under, the app's endpoints (the operator's app brings its own),
    else a URL of the provider's API (the first its schema accepts), else the benign value
    (a switch, a port)."""
    base = world.provider.base
    if source.oauth is not None and name == source.oauth.base_url_property:
        return base
    endpoints = {"authorizationUrl": f"{base}/authorize", "tokenUrl": f"{base}/token"}
    if name in endpoints:  # the names dcaas.oauth.client.resolve_app reads
        return endpoints[name] if own_app else None
    schema = source.api_spec()["properties"][name]
    for variant in schema.get("anyOf") or [schema]:
        if variant.get("type") == "string" and "enum" not in variant:
            pattern = variant.get("pattern")
            for url in (f"{base}/api/me", base):
                if pattern is None or re.search(pattern, url):
                    return url
    return values.benign(world, source, name)


def oauth_properties(world: World, source: DataSource, *, own_app: bool) -> dict[str, Any]:
    """The properties of a connection of ``source`` authorized at the loopback provider."""
    props: dict[str, Any] = {}
    if source.oauth_selector is not None:
        name, value = source.oauth_selector
        props[name] = value
    for name in source.properties.destination_fields():
        chosen = _at_provider(world, source, name, own_app=own_app)
        if chosen is not None:
            props[name] = chosen
    fields = source.properties.model_fields
    if "scopes" in fields:
        props["scopes"] = "read"
    if own_app:
        assert "clientId" in fields, f"{source.id}: no property for the tenant's own app"
        props |= {"clientId": OWN_CLIENT, "clientSecret": world.client_secret}
    assert source.uses_oauth(props), source.id
    return _required(source, props)


def _scopes() -> str:
    """Every scope the catalog's OAuth sources ask for, and the tests' own."""
    asked = {s for source in _oauth_sources() for s in source.oauth.default_scopes.split()}  # type: ignore[union-attr]
    return " ".join(sorted(asked | {"read", "write"}))


async def _user(api: Api, name: str) -> str:
    """A user's id (a new key for them names it)."""
    state = api.app.state.dcaas  # type: ignore[attr-defined]
    issued = await create_key(state.sessions, tenant="acme", user=name, admin=name == "admin")
    return str(issued.key.user_id)


async def _personal(api: Api, key: str, user: str) -> str:
    res = await api.client.get("/api/v1/spaces", headers=api.h(key))
    spaces = [s for s in res.json()["data"] if s["type"] == "personal" and s["ownerId"] == user]
    return str(spaces[0]["id"])


async def _team(api: Api, keys: dict[str, str]) -> str:
    res = await api.client.post("/api/v1/spaces", json={"name": "team"}, headers=api.h(api.admin))
    assert res.status_code == 201, res.text
    space = str(res.json()["id"])
    for role, who in (("producer", "owner"), ("producer", "producer"), ("consumer", "consumer")):
        res = await api.client.post(
            f"/api/v1/spaces/{space}/assignments",
            json={"assigneeId": await _user(api, NAMES[who]), "roles": [role]},
            headers=api.h(api.admin),
        )
        assert res.status_code == 201, res.text
    return space


async def _gateway(api: Api, kind: str) -> str:
    """A gateway of the tenant serving every DG_* source (an admin registers it)."""
    sources = [s.id for s in all_data_sources() if is_gateway_source(s.id)]
    body = {"name": f"{kind}-gateway", "dataSources": sources}
    res = await api.client.post("/api/v1/gateways", json=body, headers=api.h(api.admin))
    assert res.status_code == 201, res.text
    return str(res.json()["id"])


@asynccontextmanager
async def build_world(store: str, tmp: Path) -> AsyncIterator[World]:
    """An app on ``store`` that may reach loopback, the captures, and the provider."""
    os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"  # the provider speaks plain HTTP
    recorder = Recorder()
    tls, capture_ca = make_tls(tmp)
    _, other_ca = make_tls(tmp)
    del tls
    overrides: dict[str, Any] = {
        "outbound_allow": "127.0.0.1/32",
        "connector_connect_timeout": 2.0,
        "connector_total_timeout": 4.0,
        "rate_limit_enabled": False,
    }
    http, token = HttpCapture(recorder), TokenServer()
    pg, mysql = TcpCapture(recorder, postgres_greeter), TcpCapture(recorder, mysql_greeter)
    raw, ssh = TcpCapture(recorder, silent_greeter), SshCapture(recorder)
    await ssh.start()
    client_secret = "victim-client-secret-" + secrets.token_hex(12)
    operator_secret = "operator-secret-" + secrets.token_hex(12)
    log_guard.remember(client_secret, operator_secret)
    paths = {p for p in map(_paths_under_base, _oauth_sources()) if p is not None}
    with AuthServer(sorted(paths)) as provider:
        for client_id, secret in ((OWN_CLIENT, client_secret), (OPERATOR_CLIENT, operator_secret)):
            provider.add_client(client_id, secret, CALLBACK).scope = _scopes()
        overrides["oauth_clients"] = operator_apps(provider, operator_secret)
        try:
            async with running_api(store, tmp / "app", **overrides) as api:
                state = api.app.state.dcaas  # type: ignore[attr-defined]
                carol = await create_key(state.sessions, tenant="acme", user="carol", admin=False)
                keys = {
                    "owner": carol.token,
                    "producer": api.alice,
                    "consumer": api.bob,
                    "admin": api.admin,
                }
                space = await _team(api, keys)
                gateways = {kind: await _gateway(api, kind) for kind in ("hostile", "benign")}
                personal = {
                    role: await _personal(api, keys[role], await _user(api, NAMES[role]))
                    for role in ROLES
                }
                yield World(
                    api=api,
                    keys=keys,
                    space=space,
                    personal=personal,
                    recorder=recorder,
                    http=http,
                    pg=pg,
                    mysql=mysql,
                    raw=raw,
                    ssh=ssh,
                    token=token,
                    provider=provider,
                    capture_ca=capture_ca,
                    other_ca=other_ca,
                    other_key=asyncssh.generate_private_key("ssh-ed25519"),
                    client_secret=client_secret,
                    operator_secret=operator_secret,
                    gateways=gateways,
                )
        finally:
            for server in (http, token, pg, mysql, raw):
                server.close()
            await ssh.close()
            os.environ.pop("AUTHLIB_INSECURE_TRANSPORT", None)


def dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True)
