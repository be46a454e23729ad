"""The SFTP connector against asyncssh's SFTP server, with host-key pinning."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

import asyncssh
import pytest
from tests.connectors.drivers import servers
from tests.connectors.drivers.conftest import (
    BIG_CAP,
    SELECTED,
    SFTP_PASSPHRASE,
    SFTP_PASSWORD,
    SFTP_USER,
    SftpServer,
    assert_big_preview,
    assert_format_preview,
    big_files,
    by_name,
    context,
    csv_bytes,
    format_files,
    parquet_bytes,
)

from dcaas.connectors import get_data_source
from dcaas.connectors.base import FailureClass, SourceFailure, Steps
from dcaas.connectors.drivers.sftp import SftpConnector
from dcaas.kit.outbound import OutboundPolicy
from dcaas.observability.in_use import secret_values, secrets_in_use

if TYPE_CHECKING:
    from collections.abc import Iterator

ALL_STEPS = ["resolve-host", "connect", "authenticate", "reach-path"]


@pytest.fixture(autouse=True)
def _secrets_declared() -> Iterator[None]:
    """Call connectors as the probe service does (dcaas.connection.probe.service): with the secrets
    the spec declares (the user name too) in use, so asyncssh's lines are scrubbed."""
    source = get_data_source("File_FileTransferConnector")
    assert source is not None
    props = {"username": SFTP_USER, "password": SFTP_PASSWORD}
    with secrets_in_use(secret_values(source, props)):
        yield


async def run_test(properties: dict[str, Any], **ctx: Any) -> Steps:
    connector = SftpConnector(properties, context(**ctx))
    steps = Steps()
    try:
        await connector.test(steps)
    finally:
        await connector.aclose()
    return steps


def md5(key: asyncssh.SSHKey) -> str:
    return key.get_fingerprint("md5")


async def test_password_login_passes_and_reports_the_unpinned_fingerprint(sftp_server):
    """A password login passes every step; connect names the host key to pin."""
    steps = await run_test(sftp_server.props())
    assert [(r.name, r.status) for r in steps.results] == [(s, "passed") for s in ALL_STEPS]
    fingerprint = sftp_server.host_key.get_fingerprint("sha256")
    assert fingerprint in (steps.results[1].detail or "")
    assert "not pinned" in (steps.results[1].detail or "")


async def test_key_login_with_sha256_pin_passes(sftp_server):
    """An encrypted private key and a matching SHA256 fingerprint pass every step."""
    fingerprint = sftp_server.host_key.get_fingerprint("sha256")
    steps = await run_test(
        sftp_server.props(
            password=None,
            privateKey=sftp_server.key_item(),
            privateKeyPassphrase=SFTP_PASSPHRASE,
            publicKeyFingerprint=fingerprint,
        )
    )
    assert steps.passed
    assert [r.status for r in steps.results] == ["passed"] * 4
    assert "matched" in (steps.results[1].detail or "")


async def test_md5_pin_passes(sftp_server):
    """A matching MD5:aa:bb:... fingerprint, as ssh-keygen -E md5 prints it, passes."""
    steps = await run_test(sftp_server.props(publicKeyFingerprint=md5(sftp_server.host_key)))
    assert steps.passed
    assert by_name(steps)["reach-path"] == ("passed", None)


async def test_public_key_pin_passes(sftp_server):
    """A matching pinned public key in OpenSSH form passes."""
    public = sftp_server.host_key.export_public_key("openssh").decode()
    steps = await run_test(sftp_server.props(publicKey=public))
    assert steps.passed


async def test_fingerprint_mismatch_fails_before_any_credential_is_sent(sftp_server):
    """Another key's fingerprint fails connect with DCAAS-6009; the server sees no login."""
    other = asyncssh.generate_private_key("ssh-ed25519").get_fingerprint("sha256")
    steps = await run_test(sftp_server.props(publicKeyFingerprint=other))
    assert by_name(steps)["connect"] == ("failed", "DCAAS-6009")
    assert steps.results[1].failure_class is FailureClass.CONFIGURATION
    assert by_name(steps)["authenticate"] == ("skipped", None)
    assert sftp_server.auth_attempts == []


async def test_md5_and_public_key_mismatches_fail_with_host_key_code(sftp_server):
    """A wrong MD5 fingerprint and a wrong public key both fail connect with DCAAS-6009."""
    other = asyncssh.generate_private_key("ssh-ed25519")
    for pin in (
        {"publicKeyFingerprint": md5(other)},
        {"publicKey": other.export_public_key("openssh").decode()},
    ):
        steps = await run_test(sftp_server.props(**pin))
        assert by_name(steps)["connect"] == ("failed", "DCAAS-6009")


async def test_wrong_password_fails_at_authenticate(sftp_server):
    """A wrong password fails authenticate with DCAAS-6006 and skips reach-path."""
    steps = await run_test(sftp_server.props(password="not-the-password"))
    assert by_name(steps)["connect"] == ("passed", None)
    assert by_name(steps)["authenticate"] == ("failed", "DCAAS-6006")
    assert by_name(steps)["reach-path"] == ("skipped", None)


async def test_unknown_key_fails_at_authenticate(sftp_server):
    """A private key the server does not accept fails authenticate with DCAAS-6006."""
    stranger = asyncssh.generate_private_key("ssh-ed25519")
    steps = await run_test(
        sftp_server.props(
            password=None,
            privateKey=sftp_server.key_item(stranger),
            privateKeyPassphrase=SFTP_PASSPHRASE,
        )
    )
    assert by_name(steps)["authenticate"] == ("failed", "DCAAS-6006")


async def test_wrong_passphrase_fails_at_authenticate(sftp_server):
    """A wrong key passphrase fails authenticate with DCAAS-6006, naming the passphrase."""
    steps = await run_test(
        sftp_server.props(
            password=None, privateKey=sftp_server.key_item(), privateKeyPassphrase="wrong"
        )
    )
    assert by_name(steps)["authenticate"] == ("failed", "DCAAS-6006")
    assert "privateKeyPassphrase" in (steps.results[2].detail or "")


async def test_closed_port_fails_fast_at_connect():
    """A closed local port fails connect with DCAAS-6003 within the connect timeout."""
    started = time.monotonic()
    steps = await run_test(
        {"host": "127.0.0.1", "sftpPort": servers.closed_port(), "username": "u", "password": "p"},
        connect_timeout=1.0,
    )
    assert time.monotonic() - started < 1.0
    assert by_name(steps)["connect"] == ("failed", "DCAAS-6003")


async def test_default_policy_refuses_loopback(sftp_server):
    """With no allowed networks, 127.0.0.1 fails resolve-host with DCAAS-6002."""
    steps = await run_test(sftp_server.props(), outbound=OutboundPolicy())
    assert by_name(steps)["resolve-host"] == ("failed", "DCAAS-6002")
    assert sftp_server.auth_attempts == []


async def test_browse_pages_with_offset_tokens(sftp_server: SftpServer):
    """25 files and a directory come back in pages of 10, with sizes and mtimes."""
    data = sftp_server.root / "data"
    data.mkdir()
    (data / "sub").mkdir()
    for i in range(25):
        (data / f"f{i:02}.csv").write_bytes(b"a\n" * (i + 1))
    connector = SftpConnector(sftp_server.props(), context())
    seen, token, pages = [], None, 0
    while True:
        page = await connector.browse("data", 10, token)
        pages += 1
        seen += page.items
        token = page.next_token
        if token is None:
            break
    await connector.aclose()
    assert pages == 3
    assert len(seen) == 26
    kinds = {e.path: e.type for e in seen}
    assert kinds["data/sub"] == "folder"
    f03 = next(e for e in seen if e.name == "f03.csv")
    assert (f03.type, f03.size) == ("file", 8)
    assert f03.modified


async def test_preview_stops_at_the_byte_cap(sftp_server: SftpServer):
    """A 5 MB file previewed with a 64 KiB cap reads at most 64 KiB and says truncated."""
    (sftp_server.root / "big.bin").write_bytes(b"\x00\xff" * (5 * 1024 * 512))
    connector = SftpConnector(sftp_server.props(), context())
    preview = await connector.preview("big.bin", 64 * 1024, 10)
    await connector.aclose()
    assert 0 < preview.bytes_read <= 64 * 1024
    assert preview.truncated
    assert preview.encoding == "base64"


async def test_preview_csv_and_parquet(sftp_server: SftpServer):
    """CSV and Parquet files preview as columns and first rows."""
    (sftp_server.root / "t.csv").write_bytes(csv_bytes(100))
    (sftp_server.root / "t.parquet").write_bytes(parquet_bytes(50_000))
    connector = SftpConnector(sftp_server.props(), context())
    csv_preview = await connector.preview("t.csv", 64 * 1024, 2)
    parquet = await connector.preview("t.parquet", 64 * 1024, 2)
    await connector.aclose()
    assert csv_preview.columns == ["id", "name", "amount"]
    assert csv_preview.rows == [["0", "name 0", "0.0"], ["1", "name 1", "1.5"]]
    assert parquet.columns == ["id", "label"]
    assert parquet.rows == [[0, "label 0"], [1, "label 1"]]
    assert parquet.bytes_read <= 64 * 1024


async def test_preview_of_missing_file_is_not_found(sftp_server: SftpServer):
    """Previewing a path that does not exist raises DCAAS-6008."""
    connector = SftpConnector(sftp_server.props(), context())
    with pytest.raises(SourceFailure) as caught:
        await connector.preview("missing.csv", 1000, 10)
    await connector.aclose()
    assert caught.value.code == "DCAAS-6008"


async def test_secrets_appear_in_no_detail_exception_or_log(sftp_server, caplog):
    """Passwords, keys and passphrases show up in no step detail, failure or log record."""
    caplog.set_level(logging.DEBUG)
    item = sftp_server.key_item()
    wrong = "Wrong-Password-Not-For-Logs-7"
    texts = []
    bad_key = sftp_server.props(
        password=None, privateKey=item, privateKeyPassphrase="Bad-Passphrase-Not-For-Logs"
    )
    for props in (sftp_server.props(password=wrong), bad_key):
        steps = await run_test(props)
        texts += [str(r.detail) for r in steps.results]
    connector = SftpConnector(sftp_server.props(password=wrong), context())
    with pytest.raises(SourceFailure) as caught:
        await connector.browse("", 10, None)
    await connector.aclose()
    text = " ".join(texts) + str(caught.value) + caplog.text
    assert caught.value.code == "DCAAS-6006"
    for secret in (
        wrong,
        SFTP_PASSWORD,
        SFTP_PASSPHRASE,
        "Bad-Passphrase-Not-For-Logs",
        item[0]["value"][40:80],
    ):
        assert secret not in text


async def test_missing_username_fails_before_logging_in(sftp_server):
    """Without a user name the test fails with DCAAS-6006; no login as the server's user."""
    steps = await run_test(
        {"host": "127.0.0.1", "sftpPort": sftp_server.port, "password": SFTP_PASSWORD}
    )
    assert by_name(steps)["connect"] == ("failed", "DCAAS-6006")
    assert sftp_server.auth_attempts == []


async def test_preview_of_every_format_and_of_files_over_the_cap(sftp_server: SftpServer):
    """Each format written to the SFTP server previews as typed rows; big ones within the cap."""
    for name, data in (format_files() | big_files()).items():
        target = sftp_server.root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    connector = SftpConnector(sftp_server.props(), context())
    try:
        for name in [*format_files(), *SELECTED]:
            assert_format_preview(await connector.preview(name, 1 << 20, 10), name)
        for name in big_files():
            assert_big_preview(await connector.preview(name, BIG_CAP, 10), name)
    finally:
        await connector.aclose()
