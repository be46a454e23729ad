"""The seeds' flows in a real browser: S3, GCS and SFTP connections made in the create wizard,
tested (every step passed), saved, browsed and previewed, against real servers on loopback
(moto, the GCS emulator with a token endpoint, asyncssh's SFTP server)."""

from __future__ import annotations

import asyncio
import json
import threading
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import asyncssh
import boto3
import pytest
from playwright.sync_api import expect
from tests import log_guard
from tests.connectors.drivers.conftest import SFTP_PASSPHRASE, SFTP_USER, gcs_admin
from tests.connectors.drivers.servers import start_gcs, start_moto, stop
from tests.console.browser.flows import (
    choose_source,
    expect_all_passed,
    name_connection,
    run_test,
    sign_in,
)

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from playwright.sync_api import Page
    from tests.console.browser.conftest import Dcaas, Seen

CSV = b"city,visits\nOslo,3\nLima,5\nPerth,8\n"


def save_then_preview(page: Page, name: str, file_name: str) -> None:
    """Save the tested connection, browse its root and preview one CSV file."""
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("heading", name=name, level=1)).to_be_visible()
    page.get_by_role("tab", name="Browse and preview").click()
    page.get_by_role("button", name="Browse", exact=True).click()
    page.get_by_role("button", name=f"Preview {file_name}").click()
    table = page.locator("table.preview")
    expect(table.locator("thead")).to_contain_text("city")
    expect(table).to_contain_text("Lima")
    expect(table).to_contain_text("Perth")


def assert_unseen(page: Page, seen: Seen, dcaas_server: Dcaas, *values: str) -> None:
    """The typed secrets are in no later page, no request URL and no server log line."""
    html = page.content()
    for value in values:
        assert value not in html
        assert not any(value in url for url in seen.urls)
        assert value not in dcaas_server.log_text()


def test_s3_connection_tested_browsed_and_previewed(
    page: Page, dcaas_server: Dcaas, seen: Seen
) -> None:
    """An S3 connection to moto: every step passes, the bucket browses, a CSV previews."""
    moto = start_moto(lifetime=300)
    try:
        s3 = boto3.client(
            "s3",
            endpoint_url=moto.endpoint,
            aws_access_key_id=moto.access_key,
            aws_secret_access_key=moto.secret_key,
            region_name="us-east-1",
        )
        bucket = "seed-" + uuid.uuid4().hex[:10]
        s3.create_bucket(Bucket=bucket)
        s3.put_object(Bucket=bucket, Key="visits.csv", Body=CSV)
        sign_in(page, dcaas_server, dcaas_server.admin_key)
        choose_source(page, "Amazon S3 V2")
        name_connection(page, "s3-seed")
        page.locator("#prop_accessKey").fill(moto.access_key)
        page.locator("#prop_secretKey").fill(moto.secret_key)
        page.locator("#prop_bucketName").fill(bucket)
        page.locator("#prop_endpointUrl").fill(moto.endpoint)
        run_test(page)
        expect_all_passed(page)
        save_then_preview(page, "s3-seed", "visits.csv")
        assert_unseen(page, seen, dcaas_server, moto.secret_key)
    finally:
        stop(moto.process)


def test_gcs_connection_with_a_key_file(
    page: Page, dcaas_server: Dcaas, seen: Seen, tmp_path: Path
) -> None:
    """A GCS connection made with an uploaded service-account key file passes, browses, previews."""
    gcs = start_gcs()
    try:
        bucket = "seed-" + uuid.uuid4().hex[:10]
        gcs_admin(gcs).create_bucket(bucket).blob("visits.csv").upload_from_string(CSV)
        key_file = tmp_path / "service-account.json"
        key = gcs.key_file()
        key_file.write_text(json.dumps(key))
        sign_in(page, dcaas_server, dcaas_server.admin_key)
        choose_source(page, "Google Cloud Storage")
        name_connection(page, "gcs-seed")
        page.locator("#prop_serviceAccountKeyFile input[type=file]").set_input_files(key_file)
        expect(page.locator("#prop_serviceAccountKeyFile")).to_contain_text("service-account.json")
        page.locator("#prop_bucketName").fill(bucket)
        page.locator("#prop_endpointUrl").fill(gcs.endpoint)
        run_test(page)
        expect_all_passed(page)
        save_then_preview(page, "gcs-seed", "visits.csv")
        assert gcs.issued, "the token endpoint was never asked: the key file was not used"
        pem_line = key["private_key"].splitlines()[1]
        assert_unseen(page, seen, dcaas_server, pem_line)
    finally:
        gcs.stop()


@dataclass
class Sftp:
    port: int
    host_key: asyncssh.SSHKey
    client_key: asyncssh.SSHKey


class _Server(asyncssh.SSHServer):
    def __init__(self, client_key: asyncssh.SSHKey) -> None:
        self._client_key = client_key

    def begin_auth(self, username: str) -> bool:
        return True

    def public_key_auth_supported(self) -> bool:
        return True

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        return username == SFTP_USER and key.public_data == self._client_key.public_data


@contextmanager
def sftp_server(root: Path) -> Iterator[Sftp]:
    """asyncssh's SFTP server (public-key auth only, chrooted) on its own loop in a thread:
    the browser tests are synchronous."""
    loop = asyncio.new_event_loop()
    host_key = asyncssh.generate_private_key("ssh-ed25519")
    client_key = asyncssh.generate_private_key("ssh-ed25519")

    async def listen() -> Any:
        return await asyncssh.listen(
            "127.0.0.1",
            0,
            server_host_keys=[host_key],
            server_factory=lambda: _Server(client_key),
            sftp_factory=lambda chan: asyncssh.SFTPServer(chan, chroot=str(root).encode()),
        )

    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    # The listener's task copies this context: the lines the server logs (the user names it
    # is sent) are the server's, not dcaas's.
    with log_guard.server_side():
        server = asyncio.run_coroutine_threadsafe(listen(), loop).result(timeout=30)
    try:
        yield Sftp(server.sockets[0].getsockname()[1], host_key, client_key)
    finally:

        async def close() -> None:
            server.close()
            await server.wait_closed()

        asyncio.run_coroutine_threadsafe(close(), loop).result(timeout=30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=30)
        loop.close()


@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_sftp_connection_with_a_fingerprint_and_a_key_file(
    page: Page, dcaas_server: Dcaas, seen: Seen, tmp_path: Path
) -> None:
    """SFTP with an uploaded encrypted private key and the host key's SHA256 fingerprint."""
    root = tmp_path / "root"
    root.mkdir()
    (root / "visits.csv").write_bytes(CSV)
    with sftp_server(root) as server:
        key_file = tmp_path / "id_ed25519"
        pem = server.client_key.export_private_key(
            "openssh", SFTP_PASSPHRASE, rounds=4, ignore_few_rounds=True
        )
        key_file.write_bytes(pem)
        sign_in(page, dcaas_server, dcaas_server.admin_key)
        choose_source(page, "SFTP")
        name_connection(page, "sftp-seed")
        page.locator("#prop_host").fill("127.0.0.1")
        page.locator("#prop_sftpPort").fill(str(server.port))
        page.locator("#prop_username").fill(SFTP_USER)
        page.locator("#prop_privateKey input[type=file]").set_input_files(key_file)
        page.locator("#prop_privateKeyPassphrase").fill(SFTP_PASSPHRASE)
        fingerprint = server.host_key.get_fingerprint("sha256")
        page.locator("#prop_publicKeyFingerprint").fill(fingerprint)
        run_test(page)
        expect_all_passed(page)
        save_then_preview(page, "sftp-seed", "visits.csv")
        pem_line = pem.decode().splitlines()[1]
        assert_unseen(page, seen, dcaas_server, SFTP_USER, SFTP_PASSPHRASE, pem_line)
