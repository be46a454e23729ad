"""The development profile (DCAAS_ENV=development, as `make run` sets it) against production:
local sources work with no other setting in development, and only there."""

from __future__ import annotations

import asyncio
import ipaddress
import uuid
from typing import TYPE_CHECKING

import boto3
import httpx
import pytest
from tests import rest_server
from tests.connectors.drivers import servers

from dcaas import profile
from dcaas.app import create_app
from dcaas.bootstrap import create_key
from dcaas.config import Settings
from dcaas.kit.migrate import upgrade
from dcaas.kit.outbound import OutboundRefused

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator
    from pathlib import Path

URL = "/api/v1/data-connections"


@pytest.fixture(autouse=True)
def _no_outbound_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    """The profile alone decides: no DCAAS_OUTBOUND_ALLOW or DCAAS_ENV from outside."""
    monkeypatch.delenv("DCAAS_OUTBOUND_ALLOW", raising=False)
    monkeypatch.delenv("DCAAS_ENV", raising=False)


def _refused(settings: Settings, address: str) -> bool:
    try:
        settings.outbound.check_address("h", ipaddress.ip_address(address))
    except OutboundRefused:
        return True
    return False


@pytest.mark.parametrize("address", ["127.0.0.1", "::1", "10.1.2.3", "172.17.0.2", "192.168.1.9"])
def test_development_reaches_loopback_and_private_networks(address: str) -> None:
    """In development, connectors may reach loopback and private addresses."""
    assert not _refused(Settings(env="development"), address)


@pytest.mark.parametrize("address", ["169.254.169.254", "fd00:ec2::254", "100.100.100.200"])
def test_development_still_refuses_cloud_metadata(address: str) -> None:
    """Link-local and cloud metadata addresses stay refused in development."""
    assert _refused(Settings(env="development"), address)


@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "192.168.1.9"])
def test_production_refuses_loopback_and_private_networks(address: str) -> None:
    """Production, the default, refuses every non-public address."""
    assert _refused(Settings(), address)


def test_outbound_allow_alone_decides_when_set(monkeypatch: pytest.MonkeyPatch) -> None:
    """DCAAS_OUTBOUND_ALLOW replaces the development default instead of adding to it."""
    monkeypatch.setenv("DCAAS_OUTBOUND_ALLOW", "10.20.0.0/16")
    settings = Settings(env="development")
    assert not _refused(settings, "10.20.1.1")
    assert _refused(settings, "127.0.0.1")


def test_development_announces_itself() -> None:
    """The warning names the profile, what it allows, and that production must not use it."""
    notice = profile.announcement(Settings(env="development"))
    assert notice is not None
    assert "DCAAS_ENV=development" in notice
    assert "127.0.0.0/8" in notice
    assert "Not for production" in notice


def test_production_announces_nothing() -> None:
    """Production starts without the development warning."""
    assert profile.announcement(Settings()) is None


# -- the quick start's profile against real local sources -----------------------------------


@pytest.fixture(scope="module")
def moto() -> Iterator[servers.Moto]:
    server = servers.start_moto()
    yield server
    servers.stop(server.process)


@pytest.fixture(scope="module")
def http() -> Iterator[rest_server.Server]:
    httpd, record = rest_server.start()
    yield record
    httpd.shutdown()


@pytest.fixture
async def dev(tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, str]]]:
    """An app with DCAAS_ENV=development and nothing else set, and a user's headers."""
    settings = Settings(data_dir=tmp_path, env="development")
    await asyncio.to_thread(upgrade, settings.async_database_url)
    app = create_app(settings)
    state = app.state.dcaas
    token = (await create_key(state.sessions, tenant="t", user="u", admin=False)).token
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client, {"Authorization": f"Bearer {token}"}
    finally:
        await state.engine.dispose()


async def test_local_s3_compatible_store_works_in_development(
    dev: tuple[httpx.AsyncClient, dict[str, str]], moto: servers.Moto
) -> None:
    """An S3 connection to moto on 127.0.0.1, without forcePathStyle, tests passed."""
    bucket = "dev-" + uuid.uuid4().hex[:10]
    boto3.client(
        "s3",
        endpoint_url=moto.endpoint,
        region_name="us-east-1",
        aws_access_key_id=moto.access_key,
        aws_secret_access_key=moto.secret_key,
    ).create_bucket(Bucket=bucket)
    client, headers = dev
    props = {
        "accessKey": moto.access_key,
        "secretKey": moto.secret_key,
        "bucketName": bucket,
        "endpointUrl": moto.endpoint,
    }
    body = {
        "qName": "s3",
        "datasourceID": "File_AmazonS3ConnectorV2",
        "connectionProperties": props,
    }
    res = await client.post(f"{URL}/actions/test", json=body, headers=headers)
    assert res.json()["status"] == "passed", res.text
    names = [s["name"] for s in res.json()["steps"]]
    assert names == ["resolve-host", "connect", "authenticate", "reach-bucket"]


async def test_local_http_server_works_in_development(
    dev: tuple[httpx.AsyncClient, dict[str, str]], http: rest_server.Server
) -> None:
    """A REST connection to a server on 127.0.0.1 tests passed."""
    client, headers = dev
    body = {
        "qName": "local",
        "datasourceID": "rest",
        "connectionProperties": {"url": http.base + "/open/items"},
    }
    res = await client.post(f"{URL}/actions/test", json=body, headers=headers)
    assert res.json()["status"] == "passed", res.text
