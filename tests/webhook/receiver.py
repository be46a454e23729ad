"""A webhook receiver on loopback: verifies ``Qlik-Signature``, counts deliveries by event
id, and can be told to fail (answer 503), to be slow, or to go down and come back on the
same port.

It also notes when two requests for the same event id are in flight at once (``overlaps``):
two workers must never send the same delivery attempt concurrently.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    event_id: str
    body: dict[str, Any]
    headers: dict[str, str]
    signed: bool  # the signature verified under the receiver's secret


@dataclass
class Receiver:
    secret: str | None = None
    fail_status: int | None = None  # answer this instead of 200
    delay: float = 0.0
    echo: bool = False  # answer with the request's headers (a careless receiver)
    received: list[Received] = field(default_factory=list)
    overlaps: list[str] = field(default_factory=list)
    _in_flight: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                body = json.loads(raw)
                event_id = body.get("eventId") or body.get("id")
                receiver.enter(event_id)
                try:
                    if receiver.delay:
                        time.sleep(receiver.delay)
                    status = receiver.fail_status or 200
                    if status == 200:
                        receiver.record(event_id, raw, body, dict(self.headers.items()))
                    self.send_response(status)
                    self.send_header("Content-Type", "text/plain")
                    self.end_headers()
                    answer = b"ok" if status == 200 else b"down for maintenance"
                    if receiver.echo:
                        answer = json.dumps(dict(self.headers.items())).encode()
                    self.wfile.write(answer)
                finally:
                    receiver.leave(event_id)

            def log_message(self, *_: Any) -> None:
                return

        server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        server.daemon_threads = True
        self.port = server.server_address[1]
        self._server = server
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Down: the port refuses connections until :meth:`start` again."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def enter(self, event_id: str) -> None:
        with self._lock:
            self._in_flight[event_id] = self._in_flight.get(event_id, 0) + 1
            if self._in_flight[event_id] > 1:
                self.overlaps.append(event_id)

    def leave(self, event_id: str) -> None:
        with self._lock:
            self._in_flight[event_id] -= 1

    def record(
        self, event_id: str, raw: bytes, body: dict[str, Any], headers: dict[str, str]
    ) -> None:
        signature = {k.lower(): v for k, v in headers.items()}.get("qlik-signature", "")
        expected = (
            hmac.new(self.secret.encode(), raw, hashlib.sha256).hexdigest() if self.secret else ""
        )
        with self._lock:
            self.received.append(
                Received(
                    event_id,
                    body,
                    headers,
                    bool(self.secret) and hmac.compare_digest(signature, expected),
                )
            )

    def ids(self) -> list[str]:
        with self._lock:
            return [r.event_id for r in self.received]
