"""A stand-in for Google's token endpoint and the one BigQuery call ``reach-database`` makes.

No BigQuery runs here. The token endpoint checks the service account's signed assertion
against the key's public half (as GCS's tests do) and issues an access token; the
"BigQuery" part answers ``GET /bigquery/v2/projects/{project}/datasets`` only for a bearer
token it issued, so a test proves the token exchange and that the token reaches the API.
"""

from __future__ import annotations

import contextlib
import json
import threading
import urllib.parse
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from tests import log_guard

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator


@dataclass
class Google:
    url: str
    key: rsa.RSAPrivateKey
    issued: list[str] = field(default_factory=list)
    api_calls: list[str] = field(default_factory=list)
    # Tokens issued elsewhere that the API accepts too (an OAuth provider's).
    also_valid: Callable[[str], bool] = lambda _: False

    def key_json(self, key: rsa.RSAPrivateKey | None = None) -> str:
        pem = (key or self.key).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        return json.dumps(
            {
                "type": "service_account",
                "project_id": "dcaas-test",
                "private_key_id": "k1",
                "private_key": pem.decode(),
                "client_email": "reader@dcaas-test.iam.gserviceaccount.com",
                "client_id": "1",
                "token_uri": f"{self.url}/token",
            }
        )


def _handler(state: Google, public_pem: bytes) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            form = urllib.parse.parse_qs(self.rfile.read(length).decode())
            try:
                jwt.decode(
                    form.get("assertion", [""])[0],
                    public_pem,
                    algorithms=["RS256"],
                    options={"verify_aud": False},
                )
            except jwt.PyJWTError:
                self._reply(400, {"error": "invalid_grant"})
                return
            token = "ya29." + uuid.uuid4().hex
            log_guard.remember(token)
            state.issued.append(token)
            self._reply(200, {"access_token": token, "expires_in": 3600, "token_type": "Bearer"})

        def do_GET(self) -> None:
            state.api_calls.append(self.path)
            bearer = self.headers.get("Authorization", "").removeprefix("Bearer ")
            if bearer not in state.issued and not state.also_valid(bearer):
                self._reply(401, {"error": {"code": 401, "message": "Invalid Credentials"}})
                return
            project = self.path.split("/projects/")[1].split("/")[0]
            self._reply(
                200,
                {
                    "kind": "bigquery#datasetList",
                    "datasets": [
                        {
                            "kind": "bigquery#dataset",
                            "id": f"{project}:sales",
                            "datasetReference": {"projectId": project, "datasetId": "sales"},
                        }
                    ],
                },
            )

        def _reply(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


@contextlib.contextmanager
def google_standin() -> Iterator[Google]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    state = Google("", key)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state, public))
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
