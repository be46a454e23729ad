"""A real HTTP(S) server on 127.0.0.1 for REST connector tests (stdlib, one thread).

Routes: /open/items (JSON array), /open/paged (an object with a next link), /basic/items
(basic auth), /bearer/items (bearer token), /header/items (X-Api-Key), /forbidden (403),
/post (echoes the POST body), /query (echoes the query), /big (3 MB of text),
/redirect?to=URL (302). Anything else is 404. ``seen`` keeps the requests' headers.
"""

from __future__ import annotations

import base64
import datetime as dt
import ipaddress
import json
import ssl
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

if TYPE_CHECKING:
    from pathlib import Path

USER, PASSWORD = "rest-user", "rest-password-Qe4"
TOKEN = "rest-token-Hy6"
API_KEY = "rest-api-key-Ur2"
ITEMS = [{"id": 1, "name": "alpha"}, {"id": 2, "name": "beta"}, {"id": 3, "name": "gamma"}]


@dataclass
class Server:
    base: str
    port: int
    seen: list[dict[str, Any]] = field(default_factory=list)
    ca_pem: str | None = None


class _Handler(BaseHTTPRequestHandler):
    server: _Http

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Quiet: tests read ``seen`` instead."""

    def _send(self, status: int, body: Any, content_type: str = "application/json") -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _auth_ok(self, path: str) -> bool:
        auth = self.headers.get("Authorization", "")
        if path.startswith("/basic/"):
            return auth == "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        if path.startswith("/bearer/"):
            return auth == f"Bearer {TOKEN}"
        if path.startswith("/header/"):
            return self.headers.get("X-Api-Key") == API_KEY
        return True

    def do_GET(self) -> None:
        self._route(b"")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self._route(self.rfile.read(length))

    def _route(self, body: bytes) -> None:
        parts = urlsplit(self.path)
        self.server.record.seen.append(
            {
                "path": parts.path,
                "headers": dict(self.headers),
                "query": parts.query,
                "body": body.decode(),
            }
        )
        if not self._auth_ok(parts.path):
            self._send(401, {"error": "unauthorized"})
            return
        if parts.path.endswith("/items"):
            self._send(200, ITEMS)
        elif parts.path == "/open/paged":
            self._send(200, {"data": ITEMS, "links": {"next": self.server.record.base + "/p2"}})
        elif parts.path == "/forbidden":
            self._send(403, {"error": "forbidden"})
        elif parts.path == "/post":
            self._send(200, {"method": self.command, "body": body.decode()})
        elif parts.path == "/query":
            self._send(200, [dict(parse_qsl(parts.query))])
        elif parts.path == "/big":
            self._send(200, b"x" * 3_000_000, "text/plain")
        elif parts.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", dict(parse_qsl(parts.query))["to"])
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self._send(404, {"error": "not found"})


class _Http(ThreadingHTTPServer):
    daemon_threads = True
    record: Server


def start(context: ssl.SSLContext | None = None, ca_pem: str | None = None) -> tuple[_Http, Server]:
    """Serve on a free port of 127.0.0.1 in a daemon thread; stop with ``httpd.shutdown()``."""
    httpd = _Http(("127.0.0.1", 0), _Handler)
    if context is not None:
        httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    port = httpd.server_address[1]
    scheme = "https" if context else "http"
    httpd.record = Server(f"{scheme}://127.0.0.1:{port}", int(port), ca_pem=ca_pem)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, httpd.record


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _cert(subject: str, issuer: x509.Name, public: Any, signer: Any, *extensions: Any) -> Any:
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
    )
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical=critical)
    return builder.sign(signer, hashes.SHA256())


def make_tls(tmp: Path) -> tuple[ssl.SSLContext, str]:
    """A throwaway CA and a server certificate for 127.0.0.1 / localhost signed by it."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _cert(
        "dcaas test CA",
        _name("dcaas test CA"),
        ca_key.public_key(),
        ca_key,
        (x509.BasicConstraints(ca=True, path_length=None), True),
    )
    key = ec.generate_private_key(ec.SECP256R1())
    san = x509.SubjectAlternativeName(
        [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    )
    cert = _cert("localhost", ca.subject, key.public_key(), ca_key, (san, False))
    cert_file, key_file = tmp / "server.pem", tmp / "server.key"
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
