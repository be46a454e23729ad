"""Fixtures for the file connectors: moto S3, the GCS emulator with a token endpoint, SFTP."""

from __future__ import annotations

import datetime as dt
import functools
import gzip
import io
import json
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import asyncssh
import boto3
import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from google.auth.credentials import AnonymousCredentials
from google.cloud import storage
from tests import log_guard
from tests.connectors.drivers import servers

from dcaas.connectors.base import ConnectorContext, Steps
from dcaas.kit.outbound import OutboundPolicy

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator
    from pathlib import Path

LOOPBACK = OutboundPolicy.parse("127.0.0.1/32")


def context(
    *,
    outbound: OutboundPolicy = LOOPBACK,
    max_preview_bytes: int = 1 << 20,
    connect_timeout: float = 2.0,
) -> ConnectorContext:
    """What the probe service would pass, allowing loopback as DCAAS_OUTBOUND_ALLOW would."""
    return ConnectorContext(
        outbound=outbound,
        connect_timeout=connect_timeout,
        total_timeout=20.0,
        max_preview_bytes=max_preview_bytes,
    )


def by_name(steps: Steps) -> dict[str, Any]:
    """Step name -> (status, code)."""
    return {r.name: (r.status, r.code) for r in steps.results}


def csv_bytes(rows: int) -> bytes:
    lines = ["id,name,amount"] + [f"{i},name {i},{i * 1.5}" for i in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def parquet_bytes(rows: int, row_group_size: int = 1000) -> bytes:
    table = pa.table({"id": list(range(rows)), "label": [f"label {i}" for i in range(rows)]})
    out = io.BytesIO()
    pq.write_table(table, out, row_group_size=row_group_size)
    return out.getvalue()


def ndjson_bytes(rows: int) -> bytes:
    return b"".join(
        json.dumps({"id": i, "name": f"name {i}", "ok": i % 2 == 0}).encode() + b"\n"
        for i in range(rows)
    )


def xlsx_bytes(rows: int) -> bytes:
    """A workbook whose first sheet has a header and ``rows`` rows of id, name and a date."""
    # Not write-only: that mode writes no <dimension> record, which read-only mode then
    # looks for through the whole sheet (Excel itself writes it first).
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "orders"
    sheet.append(["id", "name", "when"])
    start = dt.datetime(2024, 1, 1, 12, 0)  # noqa: DTZ001 - Excel cells have no time zone
    for i in range(rows):
        sheet.append([i, f"name {i}", start + dt.timedelta(days=i)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@functools.cache
def format_files() -> dict[str, bytes]:
    """One small file of each format a preview reads as rows (each has id and name first)."""
    records = [{"id": i, "name": f"name {i}"} for i in range(5)]
    return {
        "f/data.csv": csv_bytes(5),
        "f/data.tsv": csv_bytes(5).replace(b",", b"\t"),
        "f/data.json": json.dumps({"meta": {"count": 5}, "items": records}).encode(),
        "f/data.ndjson": ndjson_bytes(5),
        "f/data.parquet": parquet_bytes(5),
        "f/data.xlsx": xlsx_bytes(5),
        "f/data.csv.gz": gzip.compress(csv_bytes(5)),
        "f/data.json.gz": gzip.compress(json.dumps(records).encode()),
    }


BIG_CAP = 64 * 1024


@functools.cache
def big_files() -> dict[str, bytes]:
    """Files larger than BIG_CAP bytes: their previews stop at the cap."""
    return {
        "big/data.ndjson": ndjson_bytes(3_000),
        "big/data.csv.gz": gzip.compress(csv_bytes(60_000), compresslevel=1),
        "big/data.xlsx": xlsx_bytes(4_000),
        "big/data.json": json.dumps([{"id": i, "name": f"n{i}"} for i in range(5_000)]).encode(),
    }


SELECTED = {"f/data.json#items": "f/data.json", "f/data.xlsx#orders": "f/data.xlsx"}
"""Preview paths with a selector, and the file each names (in format_files())."""


def assert_format_preview(preview: Any, name: str) -> None:
    """A small file of format_files() previews as its rows, with types."""
    assert preview.kind == "rows", (name, preview)
    assert preview.columns[0] == "id", name
    assert [str(r[0]) for r in preview.rows] == ["0", "1", "2", "3", "4"], name
    assert preview.types[1] == "string", name
    assert preview.types[0] == "integer", name
    assert not preview.truncated, name


def assert_big_preview(preview: Any, name: str, cap: int = BIG_CAP) -> None:
    """A file over the cap previews as rows, truncated, having read no more than the cap."""
    assert preview.kind == "rows", (name, preview)
    assert preview.columns[0] == "id", name
    assert len(preview.rows) == 10, name
    assert preview.truncated, name
    assert 0 < preview.bytes_read <= cap, name


@pytest.fixture(scope="session")
def moto() -> Iterator[servers.Moto]:
    """One moto S3 server for the session (its IAM bootstrap can run only once)."""
    server = servers.start_moto()
    yield server
    servers.stop(server.process)


@pytest.fixture
def s3_bucket(moto: servers.Moto) -> Iterator[str]:
    """A fresh bucket in moto, emptied and removed afterwards."""
    s3 = boto3.client(
        "s3",
        endpoint_url=moto.endpoint,
        region_name="us-east-1",
        aws_access_key_id=moto.access_key,
        aws_secret_access_key=moto.secret_key,
    )
    name = "dcaas-" + uuid.uuid4().hex[:12]
    s3.create_bucket(Bucket=name)
    yield name
    for obj in s3.list_objects_v2(Bucket=name, MaxKeys=1000).get("Contents", []):
        s3.delete_object(Bucket=name, Key=obj["Key"])
    s3.delete_bucket(Bucket=name)


# -- SFTP: asyncssh's server in this process, chrooted to a temporary directory -------------
SFTP_USER = "sftp-reader-Ub3"  # declared secret by the spec: checked for in every log line
SFTP_PASSWORD = "Sftp-Password-Not-For-Logs-42"
SFTP_PASSPHRASE = "Key-Passphrase-Not-For-Logs-42"


@dataclass
class SftpServer:
    port: int
    root: Path
    host_key: asyncssh.SSHKey
    client_key: asyncssh.SSHKey
    auth_attempts: list[str] = field(default_factory=list)

    def props(self, **over: Any) -> dict[str, Any]:
        base = {
            "host": "127.0.0.1",
            "sftpPort": self.port,
            "username": SFTP_USER,
            "password": SFTP_PASSWORD,
        }
        return base | over

    def key_item(
        self, key: asyncssh.SSHKey | None = None, passphrase: str = SFTP_PASSPHRASE
    ) -> list[dict[str, str]]:
        # Few KDF rounds: the tests run on two shared cores.
        pem = (
            (key or self.client_key)
            .export_private_key("openssh", passphrase, rounds=4, ignore_few_rounds=True)
            .decode()
        )
        return [{"name": "id_ed25519", "value": pem}]


class _Server(asyncssh.SSHServer):
    def __init__(self, state: SftpServer) -> None:
        self._state = state

    def begin_auth(self, username: str) -> bool:
        self._state.auth_attempts.append(username)
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        return username == SFTP_USER and password == SFTP_PASSWORD

    def public_key_auth_supported(self) -> bool:
        return True

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        return username == SFTP_USER and key.public_data == self._state.client_key.public_data


@pytest.fixture
async def sftp_server(tmp_path: Path) -> AsyncIterator[SftpServer]:
    """An SFTP server on a free loopback port, password and public-key auth, chrooted."""
    root = tmp_path / "root"
    root.mkdir()
    state = SftpServer(
        0,
        root,
        asyncssh.generate_private_key("ssh-ed25519"),
        asyncssh.generate_private_key("ssh-ed25519"),
    )
    with log_guard.server_side():  # the server logs the usernames it is sent; dcaas does not
        server = await asyncssh.listen(
            "127.0.0.1",
            0,
            server_host_keys=[state.host_key],
            server_factory=lambda: _Server(state),
            sftp_factory=lambda chan: asyncssh.SFTPServer(chan, chroot=str(root).encode()),
        )
    state.port = server.sockets[0].getsockname()[1]
    yield state
    server.close()
    await server.wait_closed()


# -- GCS ------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def gcs() -> Iterator[servers.Gcs]:
    """The GCS emulator plus a token endpoint checking assertions against the test key."""
    server = servers.start_gcs()
    yield server
    server.stop()


@pytest.fixture
def gcs_bucket(gcs: servers.Gcs) -> str:
    """A fresh bucket in the emulator."""
    name = "dcaas-" + uuid.uuid4().hex[:12]
    gcs_admin(gcs).create_bucket(name)
    return name


def gcs_admin(gcs: servers.Gcs) -> storage.Client:
    """A client for setting up data (the emulator checks no credentials)."""
    return storage.Client(
        project="dcaas-test",
        credentials=AnonymousCredentials(),
        client_options={"api_endpoint": gcs.endpoint},
    )


# -- Azure: Azurite -------------------------------------------------------------------------
@pytest.fixture(scope="session")
def azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Azurite's blob service for the session (skips, or fails in CI, when not installed)."""
    from tests.connectors.drivers import azurite as emulator  # noqa: PLC0415

    main = emulator.require_azurite()
    server = emulator.start(main, tmp_path_factory.mktemp("azurite"))
    yield server
    servers.stop(server.process)


@pytest.fixture
def azure_container(azurite: Any) -> Iterator[str]:
    """A fresh container in Azurite, removed afterwards."""
    from azure.storage.blob import BlobServiceClient  # noqa: PLC0415

    service = BlobServiceClient.from_connection_string(azurite.connection_string)
    name = "dcaas-" + uuid.uuid4().hex[:12]
    service.create_container(name)
    yield name
    service.delete_container(name)
    service.close()


@pytest.fixture(scope="session")
def azure_oauth(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Azurite over https accepting bearer tokens, and a token endpoint for a service
    principal, both with a throwaway CA's certificate: (azurite, login, CA PEM)."""
    from tests import rest_server  # noqa: PLC0415
    from tests.connectors.drivers import azurite as emulator  # noqa: PLC0415

    main = emulator.require_azurite()
    workdir = tmp_path_factory.mktemp("azurite-oauth")
    context, ca_pem = rest_server.make_tls(workdir)
    server = emulator.start(main, workdir, tls=(workdir / "server.pem", workdir / "server.key"))
    secret = "sp-secret-" + uuid.uuid4().hex
    log_guard.remember(secret)
    login = emulator.start_login(context, secret)
    yield server, login, ca_pem
    login.server.shutdown()
    servers.stop(server.process)
