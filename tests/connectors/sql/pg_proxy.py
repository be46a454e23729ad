"""A PostgreSQL-protocol proxy that lets redshift_connector talk to PostgreSQL.

Two differences between Redshift and PostgreSQL stop the driver, and the proxy bridges
both: the start-up message carries parameters only Redshift knows
(``client_protocol_version``, ``driver_version``, ...), which PostgreSQL refuses, so they
are removed; and the driver parses ``server_version`` strictly (Debian's
``15.20 (Debian ...)`` fails), so that one parameter status is reported as ``15.20``.
Everything else (password exchange, queries, errors) is relayed unchanged. The proxy
answers "no" to TLS: tests use sslMode disable. An approximation of Redshift, not Redshift.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

_SSL_REQUEST = 80877103
_REDSHIFT_ONLY = {
    b"client_protocol_version",
    b"driver_version",
    b"os_version",
    b"driver_discovery_version",
    b"plugin_name",
}


def _read(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data


def _startup(client: socket.socket) -> bytes:
    """The client's start-up message, Redshift-only parameters removed."""
    while True:
        length, code = struct.unpack("!ii", _read(client, 8))
        if code != _SSL_REQUEST:
            break
        client.sendall(b"N")
    body = _read(client, length - 8)
    fields = body.split(b"\0")
    pairs = [(fields[i], fields[i + 1]) for i in range(0, len(fields) - 2, 2) if fields[i]]
    kept = b"".join(k + b"\0" + v + b"\0" for k, v in pairs if k not in _REDSHIFT_ONLY) + b"\0"
    return struct.pack("!ii", len(kept) + 8, code) + kept


def _pipe(src: socket.socket, dst: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := src.recv(65536):
            dst.sendall(data)
    with contextlib.suppress(OSError):
        dst.shutdown(socket.SHUT_WR)


def _until_ready(upstream: socket.socket, client: socket.socket) -> None:
    """Relay the server's messages up to the first ReadyForQuery, fixing server_version."""
    while True:
        kind = _read(upstream, 1)
        length = _read(upstream, 4)
        body = _read(upstream, struct.unpack("!i", length)[0] - 4)
        if kind == b"S" and body.startswith(b"server_version\0"):
            number = body.split(b"\0")[1].split(b" ")[0]
            body = b"server_version\0" + number + b"\0"
            length = struct.pack("!i", len(body) + 4)
        client.sendall(kind + length + body)
        if kind in {b"Z", b"E"}:
            return


def _serve(client: socket.socket, upstream_port: int) -> None:
    with client, contextlib.suppress(OSError, ConnectionError):
        message = _startup(client)
        with socket.create_connection(("127.0.0.1", upstream_port)) as upstream:
            upstream.sendall(message)
            # The password exchange needs the client's answers: relay them meanwhile.
            ahead = threading.Thread(target=_pipe, args=(client, upstream), daemon=True)
            ahead.start()
            _until_ready(upstream, client)
            _pipe(upstream, client)
            ahead.join()


@contextlib.contextmanager
def redshift_proxy(upstream_port: int) -> Iterator[int]:
    """A proxy to the PostgreSQL at ``upstream_port``; its own port."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.settimeout(0.2)
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                client, _ = server.accept()
            except OSError:
                continue
            threading.Thread(target=_serve, args=(client, upstream_port), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield int(server.getsockname()[1])
    finally:
        stop.set()
        thread.join()
        server.close()
