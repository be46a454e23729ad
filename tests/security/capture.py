"""An attacker's hosts on loopback: every byte they receive is recorded and searched.

* :class:`HttpCapture`: HTTP (and HTTPS, with a generated CA) recording each request's line,
  headers (``Basic`` credentials decoded) and body; answers 200 ``[]``.
* :class:`TcpCapture`: a raw TCP listener recording every byte, with a greeter that plays
  just enough of a protocol to be sent a secret: PostgreSQL asks for a cleartext password,
  MySQL offers ``mysql_clear_password``.
* :class:`SshCapture`: an SSH server (asyncssh) whose host key a victim can pin, recording
  every user name and password offered and every public key tried.
* :class:`TokenServer`: the legitimate token endpoint of a service-account key (it issues
  access tokens that must then never reach a capture).

:func:`leaked` finds secrets in what was recorded: raw, base64 (any alignment: base64 runs
are decoded), hex, and URL-encoded.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import secrets
import socket
import socketserver
import struct
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, quote_plus

import asyncssh
from tests import log_guard

if TYPE_CHECKING:
    import ssl
    from collections.abc import Callable, Iterable


class Recorder:
    """What the captures received, in order; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._chunks: list[bytes] = []

    def add(self, data: bytes) -> None:
        with self._lock:
            self._chunks.append(data)

    def mark(self) -> int:
        with self._lock:
            return len(self._chunks)

    def since(self, mark: int = 0) -> bytes:
        with self._lock:
            return b"\n".join(self._chunks[mark:])


# -- searching -----------------------------------------------------------------------------
_B64_RUN = re.compile(rb"[A-Za-z0-9+/_-]{8,}={0,2}")
_HEX_RUN = re.compile(rb"(?:[0-9a-fA-F]{2}){6,}")


def _forms(secret: str) -> set[bytes]:
    raw = secret.encode()
    return {
        raw,
        base64.b64encode(raw).rstrip(b"="),
        base64.urlsafe_b64encode(raw).rstrip(b"="),
        raw.hex().encode(),
        raw.hex().upper().encode(),
        quote(secret, safe="").encode(),
        quote_plus(secret).encode(),
    }


def _decoded(data: bytes) -> list[bytes]:
    """``data`` and whatever its base64 and hex runs decode to (at every alignment)."""
    found = [data]
    for run in _B64_RUN.findall(data):
        body = run.rstrip(b"=")
        for start in range(4):
            chunk = body[start:]
            chunk = chunk[: len(chunk) - len(chunk) % 4]
            for decode in (base64.b64decode, base64.urlsafe_b64decode):
                try:
                    found.append(decode(chunk))
                except (binascii.Error, ValueError):
                    continue
    found += [binascii.unhexlify(run) for run in _HEX_RUN.findall(data)]
    return found


def leaked(data: bytes, needles: Iterable[str]) -> list[str]:
    """The needles found in ``data`` in any of their forms."""
    haystacks = _decoded(data)
    return sorted(
        needle
        for needle in set(needles)
        if any(form in hay for form in _forms(needle) for hay in haystacks)
    )


# -- HTTP ------------------------------------------------------------------------------------
class _HttpHandler(BaseHTTPRequestHandler):
    server: _Http
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
        """Quiet: the recorder keeps everything."""

    def _capture(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        lines = [self.requestline.encode(), bytes(self.headers)]
        auth = self.headers.get("Authorization", "")
        if auth.lower().startswith("basic "):
            try:
                lines.append(base64.b64decode(auth[6:].strip()))
            except (binascii.Error, ValueError):
                lines.append(b"<undecodable basic credentials>")
        self.server.recorder.add(b"\n".join([*lines, body]))
        data = b"[]"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = do_PATCH = _capture


class _Http(ThreadingHTTPServer):
    daemon_threads = True
    recorder: Recorder


class HttpCapture:
    """An HTTP(S) server on a free loopback port; ``url`` is its base."""

    def __init__(self, recorder: Recorder, context: ssl.SSLContext | None = None) -> None:
        self._httpd = _Http(("127.0.0.1", 0), _HttpHandler)
        self._httpd.recorder = recorder
        if context is not None:
            self._httpd.socket = context.wrap_socket(self._httpd.socket, server_side=True)
        self.port = int(self._httpd.server_address[1])
        self.url = f"{'https' if context else 'http'}://127.0.0.1:{self.port}"
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


# -- raw TCP, with protocol greeters -------------------------------------------------------------


def _read(sock: socket.socket, size: int, record: Callable[[bytes], None]) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            break
        record(chunk)
        data += chunk
    return data


def postgres_greeter(sock: socket.socket, record: Callable[[bytes], None]) -> None:
    """Refuse TLS, then ask for the password in cleartext (AuthenticationCleartextPassword)."""
    while True:
        head = _read(sock, 8, record)
        if len(head) < 8:
            return
        length, code = struct.unpack("!ii", head)
        if code == 80877103:  # SSLRequest
            sock.sendall(b"N")
            continue
        _read(sock, length - 8, record)  # the rest of the startup message
        sock.sendall(b"R" + struct.pack("!ii", 8, 3))
        kind = _read(sock, 5, record)
        if len(kind) == 5:
            _read(sock, struct.unpack("!i", kind[1:])[0] - 4, record)
        return


def mysql_greeter(sock: socket.socket, record: Callable[[bytes], None]) -> None:
    """Greet as MySQL 8 with mysql_clear_password as the server's authentication plugin."""
    caps = 0x1 | 0x8 | 0x200 | 0x8000 | 0x80000  # long password, db, 4.1, secure, plugin auth
    salt = secrets.token_bytes(20).replace(b"\0", b"x")
    payload = (
        b"\x0a8.0.36-capture\x00"
        + struct.pack("<I", 7)
        + salt[:8]
        + b"\x00"
        + struct.pack("<H", caps & 0xFFFF)
        + bytes([33])
        + struct.pack("<H", 2)
        + struct.pack("<H", caps >> 16)
        + bytes([21])
        + b"\x00" * 10
        + salt[8:]
        + b"\x00"
        + b"mysql_clear_password\x00"
    )
    sock.sendall(struct.pack("<I", len(payload))[:3] + b"\x00" + payload)
    head = _read(sock, 4, record)
    if len(head) == 4:
        _read(sock, int.from_bytes(head[:3], "little"), record)
    error = b"\xff" + struct.pack("<H", 1045) + b"#28000access denied"
    sock.sendall(struct.pack("<I", len(error))[:3] + b"\x02" + error)


def silent_greeter(sock: socket.socket, record: Callable[[bytes], None]) -> None:
    """Say nothing; record whatever arrives until the peer stops."""
    while _read(sock, 4096, record):
        pass


class _TcpHandler(socketserver.BaseRequestHandler):
    server: _Tcp

    def handle(self) -> None:
        sock: socket.socket = self.request
        sock.settimeout(3)
        record = self.server.recorder.add
        record(b"<tcp connection>")
        try:
            self.server.greeter(sock, record)
        except OSError:
            return


class _Tcp(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    recorder: Recorder
    greeter: Any


class TcpCapture:
    """A TCP listener on a free loopback port running ``greeter`` for each connection."""

    def __init__(self, recorder: Recorder, greeter: Any = silent_greeter) -> None:
        self._server = _Tcp(("127.0.0.1", 0), _TcpHandler)
        self._server.recorder = recorder
        self._server.greeter = greeter
        self.port = int(self._server.server_address[1])
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


# -- SSH ---------------------------------------------------------------------------------------
class _SshServer(asyncssh.SSHServer):
    def __init__(self, recorder: Recorder) -> None:
        self._recorder = recorder

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        del conn
        self._recorder.add(b"<ssh connection>")

    def begin_auth(self, username: str) -> bool:
        self._recorder.add(f"ssh user {username}".encode())
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        self._recorder.add(f"ssh password {username} {password}".encode())
        return False

    def public_key_auth_supported(self) -> bool:
        return True

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        self._recorder.add(f"ssh public key {username} ".encode() + key.export_public_key())
        return False


@dataclass
class SshCapture:
    """An SSH server on a free loopback port; start it in the test's event loop."""

    recorder: Recorder
    host_key: asyncssh.SSHKey = field(
        default_factory=lambda: asyncssh.generate_private_key("ssh-ed25519")
    )
    port: int = 0
    _server: Any = None

    @property
    def fingerprint(self) -> str:
        return str(self.host_key.get_fingerprint("sha256"))

    @property
    def public_key(self) -> str:
        return self.host_key.export_public_key().decode().strip()

    async def start(self) -> None:
        self._server = await asyncssh.listen(
            "127.0.0.1",
            0,
            server_host_keys=[self.host_key],
            server_factory=lambda: _SshServer(self.recorder),
        )
        self.port = int(self._server.sockets[0].getsockname()[1])

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()


# -- the legitimate token endpoint of a service-account key ----------------------------------------
class _TokenHandler(BaseHTTPRequestHandler):
    server: _TokenHttp

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
        """Quiet."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        token = "ya29." + secrets.token_urlsafe(24)
        self.server.issued.append(token)
        log_guard.remember(token)
        data = json.dumps({"access_token": token, "expires_in": 3600, "token_type": "Bearer"})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data.encode())


class _TokenHttp(ThreadingHTTPServer):
    daemon_threads = True
    issued: list[str]


class TokenServer:
    """Issues an access token for any assertion; ``issued`` lists them (they are secrets)."""

    def __init__(self) -> None:
        self._httpd = _TokenHttp(("127.0.0.1", 0), _TokenHandler)
        self._httpd.issued = []
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}/token"
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()

    @property
    def issued(self) -> list[str]:
        return list(self._httpd.issued)

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


def closed_port() -> int:
    """A local port with nothing listening on it (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
