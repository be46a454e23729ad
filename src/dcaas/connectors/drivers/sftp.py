"""SFTP through asyncssh, with the server's host key pinned before any credential is sent.

The host key is checked during the key exchange, in ``connect``: authentication (and so the
password or the key signature) happens only after the key matched ``publicKey`` and/or
``publicKeyFingerprint``. A connection with neither accepts the key it is shown and reports
its fingerprint in the ``connect`` step, so that the user can pin it. Nothing is read from
the server's own ``~/.ssh`` (config, known hosts, keys, agent).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import posixpath
import stat
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import asyncssh

from dcaas.connectors.base import (
    ConnectorContext,
    Entry,
    EntryPage,
    FailureClass,
    Preview,
    SourceFailure,
    Step,
    Steps,
)
from dcaas.connectors.drivers import files
from dcaas.connectors.sftp import SftpProperties
from dcaas.errors import Code

if TYPE_CHECKING:
    from dcaas.connectors.spec import FileItem


class _HostKeyCheck(asyncssh.SSHClient):
    """Compares the server's host key with the pinned key and fingerprint, if any."""

    def __init__(self, fingerprint: str | None, public_key: asyncssh.SSHKey | None) -> None:
        self._fingerprint = fingerprint
        self._public_key = public_key
        self.observed: asyncssh.SSHKey | None = None
        self.matched = False
        self.checked: asyncio.Event = asyncio.Event()

    @property
    def pinned(self) -> bool:
        return self._fingerprint is not None or self._public_key is not None

    def validate_host_public_key(
        self,
        host: str,  # noqa: ARG002 - asyncssh's signature; the pin is per connection
        addr: str,  # noqa: ARG002
        port: int,  # noqa: ARG002
        key: asyncssh.SSHKey,
    ) -> bool:
        self.observed = key
        self.matched = _key_matches(key, self._public_key) and _fingerprint_matches(
            key, self._fingerprint
        )
        self.checked.set()
        return self.matched


def _key_matches(key: asyncssh.SSHKey, pinned: asyncssh.SSHKey | None) -> bool:
    return pinned is None or key.public_data == pinned.public_data


def _fingerprint_matches(key: asyncssh.SSHKey, fingerprint: str | None) -> bool:
    if fingerprint is None:
        return True
    if fingerprint.startswith("MD5:"):
        return key.get_fingerprint("md5").lower() == fingerprint.lower()
    return key.get_fingerprint("sha256").rstrip("=") == fingerprint.rstrip("=")


class SftpConnector:
    """Directories and files on an SFTP server; previews read at most ``max_bytes``."""

    def __init__(self, properties: dict[str, Any], context: ConnectorContext) -> None:
        self._props = files.parse_properties(SftpProperties, properties)
        self._ctx = context
        self._addresses: list[str] | None = None
        self._check: _HostKeyCheck | None = None
        self._task: asyncio.Task[asyncssh.SSHClientConnection] | None = None
        self._key_error: Exception | None = None
        self._conn: asyncssh.SSHClientConnection | None = None
        self._sftp: asyncssh.SFTPClient | None = None

    # -- test ------------------------------------------------------------------------------
    async def test(self, steps: Steps) -> None:
        await files.run_steps(
            steps,
            [
                (Step.RESOLVE, self._resolve),
                (Step.CONNECT, self._connect),
                (Step.AUTHENTICATE, self._authenticate),
                (Step.REACH_PATH, self._reach_path),
            ],
        )
        check = self._check
        connect = next((r for r in steps.results if r.name == Step.CONNECT), None)
        if connect and connect.status == "passed" and check and check.observed:
            fingerprint = check.observed.get_fingerprint("sha256")
            connect.detail = (
                f"the host key {fingerprint} matched the pinned key"
                if check.pinned
                else f"the host key is {fingerprint}; it is not pinned: set publicKeyFingerprint "
                "to refuse any other key"
            )

    async def _resolve(self) -> None:
        self._addresses = await self._ctx.outbound.resolve(self._props.host, self._props.sftpPort)

    async def _connect(self) -> None:
        """TCP, then the key exchange up to the host-key check; credentials are not sent yet."""
        if not self._props.username:  # asyncssh would log in as the server's own user
            raise SourceFailure(
                Code.SOURCE_AUTH_FAILED,
                FailureClass.CREDENTIALS,
                "username is required",
                http_status=400,
            )
        if self._addresses is None:
            await self._resolve()
        assert self._addresses is not None  # noqa: S101 - resolved above
        self._check = check = _HostKeyCheck(self._props.publicKeyFingerprint, self._pinned_key())
        key = await asyncio.to_thread(self._private_key)  # bcrypt KDF: seconds of CPU
        timeout = self._ctx.connect_timeout
        sock = await files.open_socket(self._addresses, self._props.sftpPort, timeout)
        self._task = asyncio.create_task(self._open(sock, check, key))
        waiter = asyncio.create_task(check.checked.wait())
        try:
            async with asyncio.timeout(timeout):
                await asyncio.wait({self._task, waiter}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiter.cancel()
        if check.observed is not None and not check.matched:
            raise SourceFailure(
                Code.SOURCE_HOST_KEY_MISMATCH,
                FailureClass.CONFIGURATION,
                f"the server's host key {check.observed.get_fingerprint('sha256')} does not "
                "match the pinned publicKey / publicKeyFingerprint; check them (or whether "
                "the server's key was changed)",
                http_status=400,
            )
        if self._task.done():
            self._task.result()  # the connection failed before the host key was shown

    async def _open(
        self, sock: Any, check: _HostKeyCheck, key: asyncssh.SSHKey | None
    ) -> asyncssh.SSHClientConnection:
        return await asyncssh.connect(
            sock=sock,
            host=self._props.host,
            port=self._props.sftpPort,
            username=self._props.username,
            password=self._props.password or None,
            client_keys=[key] if key is not None else None,
            client_factory=lambda: check,
            known_hosts=([], [], []),  # no trusted keys: every key goes to the check
            config=[],
            agent_path=None,
            gss_auth=False,
            gss_kex=False,
            host_based_auth=False,
            login_timeout=self._ctx.connect_timeout * 2,
        )

    def _private_key(self) -> asyncssh.SSHKey | None:
        """The client key, or None; a key that cannot be read is reported by authenticate."""
        if not self._props.privateKey:
            return None
        try:
            return _import_key(self._props.privateKey[0], self._props.privateKeyPassphrase)
        except (asyncssh.KeyImportError, asyncssh.KeyEncryptionError) as exc:
            self._key_error = exc
            return None

    def _pinned_key(self) -> asyncssh.SSHKey | None:
        if not self._props.publicKey:
            return None
        try:
            return asyncssh.import_public_key(self._props.publicKey.strip())
        except asyncssh.KeyImportError:
            raise SourceFailure(
                Code.SOURCE_HOST_KEY_MISMATCH,
                FailureClass.CONFIGURATION,
                "publicKey is not a public key in OpenSSH form (ssh-ed25519 AAAA...)",
                http_status=400,
            ) from None

    async def _authenticate(self) -> None:
        assert self._task is not None  # noqa: S101 - connect ran first
        if self._key_error is not None and not self._props.password:
            self._task.cancel()
            raise self._key_error
        async with asyncio.timeout(self._ctx.connect_timeout * 2):
            self._conn = await self._task

    async def _reach_path(self) -> None:
        sftp = await self._ensure_sftp()
        await sftp.stat(".")

    # -- browse ----------------------------------------------------------------------------
    async def browse(self, path: str, limit: int, token: str | None) -> EntryPage:
        async with files.classified():
            sftp = await self._ensure_sftp()
            where = path or "."
            names = sorted(
                (n for n in await sftp.readdir(where) if n.filename not in {".", ".."}),
                key=lambda n: str(n.filename),
            )
            start = _offset(token)
            page = names[start : start + max(1, limit)]
            more = start + len(page) < len(names)
            items = [_entry(path, n) for n in page]
            return EntryPage(items=items, next_token=str(start + len(page)) if more else None)

    # -- preview ---------------------------------------------------------------------------
    async def preview(self, path: str, max_bytes: int, max_rows: int) -> Preview:
        async with files.classified():
            sftp = await self._ensure_sftp()
            name, _ = files.file_of(path)  # without a "#selector"
            attrs = await sftp.stat(name)
            async with sftp.open(name, "rb") as handle:

                async def read(offset: int, length: int) -> bytes:
                    data = await handle.read(length, offset)
                    assert isinstance(data, bytes)  # noqa: S101 - opened in binary mode
                    return data

                reader = files.RangedReader(attrs.size or 0, read)
                cap = min(max_bytes, self._ctx.max_preview_bytes)
                return await files.preview(path, reader, cap, max_rows)

    async def aclose(self) -> None:
        if self._sftp is not None:
            self._sftp.exit()
            self._sftp = None
        if self._task is not None:
            if not self._task.done():
                self._task.cancel()
            elif not self._task.cancelled():
                self._task.exception()  # retrieved: a refused host key is no stray error
        if self._conn is not None:
            self._conn.close()
            await self._conn.wait_closed()
            self._conn = None

    async def _ensure_sftp(self) -> asyncssh.SFTPClient:
        if self._sftp is None:
            if self._conn is None:
                await self._connect()
                await self._authenticate()
            assert self._conn is not None  # noqa: S101
            self._sftp = await self._conn.start_sftp_client()
        return self._sftp


def _import_key(item: FileItem, passphrase: str | None) -> asyncssh.SSHKey:
    """A private key given as PEM / OpenSSH text, or as that text in base64."""
    text = item.value
    if "-----BEGIN" not in text:
        try:
            text = base64.b64decode(text, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise asyncssh.KeyImportError("not a private key") from None
    return asyncssh.import_private_key(text, passphrase or None)


def _offset(token: str | None) -> int:
    if not token:
        return 0
    if not token.isdigit():
        raise SourceFailure(
            Code.SOURCE_PROTOCOL_ERROR,
            FailureClass.CONFIGURATION,
            "the page token is not one this connection gave",
            http_status=400,
        )
    return int(token)


def _entry(parent: str, name: asyncssh.SFTPName) -> Entry:
    filename = str(name.filename)
    attrs = name.attrs
    is_dir = attrs.type == asyncssh.FILEXFER_TYPE_DIRECTORY or (
        attrs.permissions is not None and stat.S_ISDIR(attrs.permissions)
    )
    modified = (
        datetime.fromtimestamp(attrs.mtime, UTC).isoformat() if attrs.mtime is not None else None
    )
    return Entry(
        name=filename,
        path=posixpath.join(parent, filename) if parent else filename,
        type="folder" if is_dir else "file",
        size=None if is_dir else attrs.size,
        modified=modified,
    )
