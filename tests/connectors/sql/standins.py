"""Local stand-ins for servers that cannot run here, at the edge dcaas talks to.

* :func:`tls_listener`: a TLS server with the given context: a certificate for
  127.0.0.1/localhost from a throwaway CA (``rest_server.make_tls``), or one for another
  name (:func:`wrong_name_tls`), which a client that trusts the CA still refuses;
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

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from tests import rest_server

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

_HEADER = struct.Struct(">BBHHBB")


def wrong_name_tls(tmp: Path) -> tuple[ssl.SSLContext, str]:
    """A server context whose certificate names only db.wrong.example, and its CA's PEM."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = rest_server._name("dcaas wrong-name CA")
    basic = (x509.BasicConstraints(ca=True, path_length=None), True)
    ca = rest_server._cert("dcaas wrong-name CA", ca_name, ca_key.public_key(), ca_key, basic)
    key = ec.generate_private_key(ec.SECP256R1())
    san = (x509.SubjectAlternativeName([x509.DNSName("db.wrong.example")]), False)
    cert = rest_server._cert("db.wrong.example", ca.subject, key.public_key(), ca_key, san)
    cert_file, key_file = tmp / "wrong.pem", tmp / "wrong.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    return context, ca.public_bytes(serialization.Encoding.PEM).decode()


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
