"""Local stand-ins for servers that cannot run here, at the edge dcaas talks to.

* :func:`tls_listener`: a TLS server with a certificate for 127.0.0.1/localhost from a
  throwaway CA (so a client checking the system's roots, or another name, refuses it);
* :func:`tds_listener`: SQL Server's pre-login exchange with TLS carried in PRELOGIN
  packets, as a SQL Server answers a client that asks for encryption;
* :func:`silent_listener` (in helpers): a server that accepts and never answers.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import struct
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

_HEADER = struct.Struct(">BBHHBB")


@contextlib.contextmanager
def _server(handle: Callable[[socket.socket], None]) -> Iterator[int]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    sock.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except OSError:
                continue
            conn.settimeout(5)
            with conn, contextlib.suppress(OSError, ssl.SSLError, ConnectionError):
                handle(conn)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield int(sock.getsockname()[1])
    finally:
        stop.set()
        thread.join()
        sock.close()


@contextlib.contextmanager
def tls_listener(context: ssl.SSLContext) -> Iterator[int]:
    """Completes TLS handshakes with ``context`` (server side), then closes."""

    def handle(conn: socket.socket) -> None:
        with context.wrap_socket(conn, server_side=True):
            pass

    with _server(handle) as port:
        yield port


def _read(conn: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data


def _packet(conn: socket.socket) -> bytes:
    _, _, length, *_ = _HEADER.unpack(_read(conn, _HEADER.size))
    return _read(conn, length - _HEADER.size)


def _send(conn: socket.socket, kind: int, payload: bytes) -> None:
    conn.sendall(_HEADER.pack(kind, 1, _HEADER.size + len(payload), 0, 1, 0) + payload)


@contextlib.contextmanager
def tds_listener(context: ssl.SSLContext | None) -> Iterator[int]:
    """Answers PRELOGIN; with a context, encryption ON and the TLS handshake in TDS packets;
    without one, encryption NOT_SUP."""

    def handle(conn: socket.socket) -> None:
        _packet(conn)  # the client's PRELOGIN
        encryption = 0x01 if context is not None else 0x02
        options = struct.pack(">BHH", 0x00, 11, 6) + struct.pack(">BHH", 0x01, 17, 1)
        _send(conn, 0x04, options + b"\xff" + bytes([15, 0, 0, 0, 0, 0]) + bytes([encryption]))
        if context is None:
            return
        incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        tls = context.wrap_bio(incoming, outgoing, server_side=True)
        while True:
            incoming.write(_packet(conn))
            try:
                tls.do_handshake()
                done = True
            except ssl.SSLWantReadError:
                done = False
            if data := outgoing.read():
                _send(conn, 0x12, data)
            if done:
                return

    with _server(handle) as port:
        yield port
