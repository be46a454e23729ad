"""The AWS KMS key provider against a real moto KMS server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
from tests.keys.procs import _die_with_parent, cli, env_for, free_port
from tests.keys.sealed import counts, open_all

from dcaas.app import create_app
from dcaas.bootstrap import create_key
from dcaas.config import Settings
from dcaas.kit.crypto import DecryptionError, Envelope, KeyProviderError
from dcaas.kit.kms import AwsKmsProvider, kms_client
from dcaas.kit.migrate import upgrade

if TYPE_CHECKING:
    from collections.abc import Iterator

    from mypy_boto3_kms.client import KMSClient

REGION = "us-east-1"
AWS_ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    """A moto server process (KMS and the rest of AWS) on a free port; stopped afterwards."""
    yield from _moto_server()


def _moto_server() -> Iterator[str]:
    port = free_port()
    server = Path(sys.executable).with_name("moto_server")
    proc = subprocess.Popen(
        [str(server), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=_die_with_parent,  # noqa: PLW1509
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, "moto_server exited"
            try:
                httpx.get(url + "/moto-api/", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "moto_server did not start"
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def kms(moto_url: str, monkeypatch: pytest.MonkeyPatch) -> KMSClient:
    for name, value in AWS_ENV.items():
        monkeypatch.setenv(name, value)
    return kms_client(region=REGION, endpoint_url=moto_url)


def _new_key(kms: KMSClient) -> str:
    return kms.create_key(Description="test KEK")["KeyMetadata"]["Arn"]


def test_seal_and_open(kms: KMSClient, tmp_path: Path) -> None:
    """A record sealed through KMS opens; its key id names the KMS key; no plaintext DEK kept."""
    arn = _new_key(kms)
    provider = AwsKmsProvider.open(kms, tmp_path / "kms-keys.json", arn)
    sealed = Envelope(provider).seal_json({"password": "p"}, aad=b"dcaas:credential:t:1")
    assert sealed.key_id == "kms-" + arn.rsplit("/", 1)[1]
    assert Envelope(provider).open_json(sealed, aad=b"dcaas:credential:t:1") == {"password": "p"}


def test_wrong_encryption_context_fails(kms: KMSClient, tmp_path: Path) -> None:
    """A wrapped key moved to another record (another encryption context) does not decrypt."""
    provider = AwsKmsProvider.open(kms, tmp_path / "kms-keys.json", _new_key(kms))
    sealed = Envelope(provider).seal(b"x", aad=b"dcaas:credential:t:1")
    with pytest.raises(DecryptionError):
        Envelope(provider).open(sealed, aad=b"dcaas:credential:t:2")


def test_rotation_to_a_new_kms_key(kms: KMSClient, tmp_path: Path) -> None:
    """Adding a key re-wraps onto it (ReEncrypt); the old key reads until retired, then not."""
    path = tmp_path / "kms-keys.json"
    server = AwsKmsProvider.open(kms, path, _new_key(kms))
    old = server.active_key_id
    sealed = Envelope(server).seal(b"secret", aad=b"a")
    operator = AwsKmsProvider.open(kms, path, None)
    new = operator.add_key(None)  # creates a KMS key
    assert server.active_key_id == new != old  # the running provider re-read the ring
    key_id, wrapped = operator.rewrap(sealed.key_id, sealed.wrapped_key, aad=b"a")
    moved = type(sealed)(sealed.ciphertext, wrapped, key_id)
    assert key_id == new
    assert Envelope(server).open(moved, aad=b"a") == b"secret"
    assert Envelope(server).open(sealed, aad=b"a") == b"secret"
    operator.retire(old)
    with pytest.raises(DecryptionError, match="retired"):
        Envelope(server).open(sealed, aad=b"a")
    third = operator.add_key(_new_key(kms))  # or a key the operator made
    assert server.active_key_id == third


def test_cached_data_keys_end_with_their_kms_key(kms: KMSClient, tmp_path: Path) -> None:
    """With the data-key cache, a hot record calls KMS Decrypt once; once its KMS key is
    retired (by another process's ring file), the cached key opens nothing."""
    path = tmp_path / "kms-keys.json"
    server = AwsKmsProvider.open(kms, path, _new_key(kms))
    envelope = Envelope(server, cache_seconds=3600)
    sealed = envelope.seal(b"secret", aad=b"a")
    calls: list[str] = []
    kms.meta.events.register("before-call.kms.Decrypt", lambda **_: calls.append("Decrypt"))
    for _ in range(20):
        assert envelope.open(sealed, aad=b"a") == b"secret"
    assert calls == ["Decrypt"]
    operator = AwsKmsProvider.open(kms, path, None)
    operator.add_key(None)
    time.sleep(0.01)
    operator.retire(sealed.key_id)
    with pytest.raises(DecryptionError, match="retired"):
        envelope.open(sealed, aad=b"a")


async def test_check_reports_a_disabled_or_unreachable_kms(kms: KMSClient, tmp_path: Path) -> None:
    """check() passes on an enabled key; a disabled key or a closed endpoint raise."""
    arn = _new_key(kms)
    provider = AwsKmsProvider.open(kms, tmp_path / "kms-keys.json", arn)
    await provider.check()
    kms.disable_key(KeyId=arn.rsplit("/", 1)[1])
    with pytest.raises(KeyProviderError, match="not enabled"):
        await provider.check()
    closed = kms_client(region=REGION, endpoint_url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(KeyProviderError, match="failed"):
        await AwsKmsProvider(closed, provider._source).check()


async def test_api_and_cli_rotation_on_kms(
    kms: KMSClient, moto_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app seals through KMS (DCAAS_KEY_PROVIDER=aws-kms); `dcaas keys rotate` moves it all."""
    kms_env = {
        "DCAAS_KEY_PROVIDER": "aws-kms",
        "DCAAS_KMS_KEY_ID": _new_key(kms),
        "DCAAS_KMS_ENDPOINT_URL": moto_url,
        "DCAAS_KMS_REGION": REGION,
    }
    for name, value in kms_env.items():
        monkeypatch.setenv(name, value)
    settings = Settings(data_dir=tmp_path, env="development")
    await asyncio.to_thread(upgrade, settings.async_database_url)
    app = create_app(settings)
    token = (await create_key(app.state.dcaas.sessions, tenant="t", user="u", admin=False)).token
    transport, headers = httpx.ASGITransport(app=app), {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://t", headers=headers) as c:
        for n in range(5):
            body = {
                "datasourceID": "rest",
                "qName": f"c-{n}",
                "connectionProperties": {
                    "url": "https://example.com",
                    "authSchema": "basic",
                    "username": "u",
                    "password": f"p-{n}",
                },
            }
            assert (await c.post("/api/v1/data-connections", json=body)).status_code == 201
    await app.state.dcaas.engine.dispose()
    env = env_for(settings, **kms_env, **AWS_ENV)
    out = cli(env, "keys", "rotate").stdout
    assert "new active key kms-" in out
    (new,) = (await counts(settings)).keys()
    assert f"{new:<44} active     5" in cli(env, "keys", "status").stdout
    opened = await open_all(settings)
    assert {k: v["credential"]["password"] for k, v in opened.items()} == {
        f"c-{n}": f"p-{n}" for n in range(5)
    }


async def test_an_unreachable_kms_answers_503_not_500(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """KMS goes away after startup: a create that must seal a secret gets 503, and no rows."""
    for name, value in AWS_ENV.items():
        monkeypatch.setenv(name, value)
    server = _moto_server()
    url = next(server)
    own = kms_client(region=REGION, endpoint_url=url)
    kms_env = {
        "DCAAS_KEY_PROVIDER": "aws-kms",
        "DCAAS_KMS_KEY_ID": _new_key(own),
        "DCAAS_KMS_ENDPOINT_URL": url,
        "DCAAS_KMS_REGION": REGION,
    }
    for name, value in kms_env.items():
        monkeypatch.setenv(name, value)
    settings = Settings(data_dir=tmp_path, env="development")
    await asyncio.to_thread(upgrade, settings.async_database_url)
    app = create_app(settings)
    token = (await create_key(app.state.dcaas.sessions, tenant="t", user="u", admin=False)).token
    server.close()  # stops the moto process
    transport, headers = httpx.ASGITransport(app=app), {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://t", headers=headers) as c:
        body = {
            "datasourceID": "rest",
            "qName": "sealed",
            "connectionProperties": {
                "url": "https://example.com",
                "authSchema": "basic",
                "username": "u",
                "password": "p",
            },
        }
        answer = await c.post("/api/v1/data-connections", json=body)
        assert answer.status_code == 503, answer.text
        assert answer.json()["errors"][0]["code"] == "DCAAS-9002"
        listed = await c.get("/api/v1/data-connections")
        assert listed.json()["data"] == []
    await app.state.dcaas.engine.dispose()
