"""The exfiltration suite's world: one app per store, its users, the captures, the victims.

Users of tenant ``acme``: ``carol`` (producer of the shared space ``team``) owns every
victim connection; ``alice`` (producer), ``bob`` (consumer) and the tenant admin attack them.
The captures listen on 127.0.0.1 and the app may reach it (``DCAAS_OUTBOUND_ALLOW``);
``127.0.0.2`` is refused by the outbound policy, so a benign host is never reached.
"""

from __future__ import annotations

import json
import os
import secrets
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import asyncssh
from cryptography.hazmat.primitives.asymmetric import rsa
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
from dcaas.connectors import DataSource, get_data_source
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
    """A connection of carol's in the shared space, and the secrets it must never give away."""

    id: str
    source: DataSource
    needles: list[str]
    version: int
    statement: str


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
    closed_port: int = field(default_factory=closed_port)
    rsa_key: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    victims: dict[tuple[str, str], Victim] = field(default_factory=dict)

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
    async def victim(self, source_id: str, field_name: str, *, fresh: bool = False) -> Victim:
        """Carol's connection: every destination hostile but ``field_name`` (benign)."""
        key = (source_id, field_name)
        if fresh or key not in self.victims:
            source = get_data_source(source_id)
            assert source is not None
            made = await (
                self._oauth_victim(source) if source.oauth else self._victim(source, field_name)
            )
            if fresh:
                return made
            self.victims[key] = made
        return self.victims[key]

    async def _victim(self, source: DataSource, field_name: str) -> Victim:
        props, needles = values.victim_secrets(self, source)
        for name in source.properties.destination_fields():
            chosen = (values.benign if name == field_name else values.hostile)(self, source, name)
            if chosen is not None:
                props[name] = chosen
        for name, info in source.properties.model_fields.items():
            if info.is_required() and name not in props:  # e.g. a bucket or database name
                props[name] = "victim-bucket" if name == "bucketName" else "victim"
        return await self.create(source.id, props, needles)

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
        return await self._loaded(str(res.json()["qID"]), source, needles)

    async def _oauth_victim(self, source: DataSource, *, own_app: bool = True) -> Victim:
        """Created through the real flow at the loopback provider: the tenant's own app
        (clientSecret stored with the tokens) or the operator's (only tokens stored)."""
        props: dict[str, Any] = {"url": f"{self.provider.base}/api/me", "scopes": "read"}
        if own_app:
            props |= {
                "clientId": OWN_CLIENT,
                "clientSecret": self.client_secret,
                "authorizationUrl": f"{self.provider.base}/authorize",
                "tokenUrl": f"{self.provider.base}/token",
            }
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
        needles = [payload["accessToken"], payload["refreshToken"]]
        needles += [self.client_secret] if own_app else []
        return await self._loaded(conn_id, source, needles)

    async def _loaded(self, conn_id: str, source: DataSource, needles: list[str]) -> Victim:
        res = await self.api.client.get(f"{URL}/{conn_id}", headers=self.h("owner"))
        assert res.status_code == 200, res.text
        body = res.json()
        return Victim(
            conn_id, source, needles, int(res.headers["ETag"].strip('"')), body["qConnectStatement"]
        )

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

    def statement_with(self, victim: Victim, name: str, value: Any) -> str:
        parsed = statement.parse(victim.statement)
        assert parsed is not None
        assert parsed.provider is not None
        assert parsed.source_type is not None
        return statement.build(
            parsed.provider, parsed.source_type, {**parsed.properties, name: value}
        )


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
    with AuthServer() as provider:
        provider.add_client(OWN_CLIENT, client_secret, CALLBACK)
        provider.add_client(OPERATOR_CLIENT, operator_secret, CALLBACK)
        overrides["oauth_clients"] = {
            "oauth-rest": {
                "clientId": OPERATOR_CLIENT,
                "clientSecret": operator_secret,
                "authorizationUrl": f"{provider.base}/authorize",
                "tokenUrl": f"{provider.base}/token",
            }
        }
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
                )
        finally:
            for server in (http, token, pg, mysql, raw):
                server.close()
            await ssh.close()
            os.environ.pop("AUTHLIB_INSECURE_TRANSPORT", None)


def dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True)
