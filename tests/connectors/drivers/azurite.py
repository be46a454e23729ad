"""Azurite (Microsoft's Azure Storage emulator, from npm) on 127.0.0.1 and a free port.

Azurite is installed by ``.ci/run`` (and by hand: ``npm install --prefix ~/.cache/dcaas-test-npm
azurite@3``) into ``$DCAAS_TEST_NPM_DIR`` (default ``~/.cache/dcaas-test-npm``), outside the
repository. Without it the Azure tests skip, saying so, unless ``DCAAS_REQUIRE_AZURITE=1``
(CI) makes them fail. It runs with the machine's Node.js, keeps its data in memory, checks
shared-key signatures and SAS tokens of its well-known development account, and stops when
its standard input closes (so also when the test run is killed).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import time
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING

import jwt
import pytest
from tests.connectors.drivers import servers

if TYPE_CHECKING:
    import ssl

ACCOUNT = "devstoreaccount1"
# Azurite's published development key (not a secret: every emulator install has it).
KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
_RUNNER = """
const { spawn } = require("child_process");
const child = spawn(process.argv[2], process.argv.slice(3), { stdio: "ignore" });
process.stdin.on("end", () => { child.kill(); process.exit(0); });
process.stdin.resume();
setTimeout(() => { child.kill(); process.exit(0); }, 3600 * 1000);
"""


def npm_dir() -> Path:
    return Path(os.environ.get("DCAAS_TEST_NPM_DIR", "~/.cache/dcaas-test-npm")).expanduser()


def azurite_main() -> Path | None:
    main = npm_dir() / "node_modules" / "azurite" / "dist" / "src" / "blob" / "main.js"
    return main if main.is_file() and shutil.which("node") else None


def require_azurite() -> Path:
    """Azurite's entry point, or a skip (a failure when DCAAS_REQUIRE_AZURITE=1)."""
    main = azurite_main()
    if main is None:
        reason = (
            f"Azurite is not installed in {npm_dir()} (or node is missing): run "
            f"`npm install --prefix {npm_dir()} azurite@3`; .ci/run does"
        )
        if os.environ.get("DCAAS_REQUIRE_AZURITE") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return main


@dataclass
class Azurite:
    port: int
    process: subprocess.Popen[str]
    scheme: str = "http"

    @property
    def endpoint(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}/{ACCOUNT}"

    @property
    def connection_string(self) -> str:
        return (
            f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={KEY};"
            f"BlobEndpoint={self.endpoint};"
        )


def start(main: Path, workdir: Path, *, tls: tuple[Path, Path] | None = None) -> Azurite:
    """Azurite's blob service, in memory, on a free loopback port; ready when it answers.

    With ``tls`` (certificate and key files) it serves https and accepts OAuth bearer tokens
    (``--oauth basic``: issuer, audience and lifetime are checked, the signature is not).
    """
    port = servers.closed_port()
    args = [
        shutil.which("node") or "node",
        str(main),
        "--blobHost",
        "127.0.0.1",
        "--blobPort",
        str(port),
        "--inMemoryPersistence",
        "--skipApiVersionCheck",
        "--loose",
        "--silent",
        "--disableProductStyleUrl",
    ]
    if tls is not None:
        args += ["--cert", str(tls[0]), "--key", str(tls[1]), "--oauth", "basic"]
    process = subprocess.Popen(
        ["node", "-e", _RUNNER, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=workdir,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            servers.wait_port(port, timeout=0.5)
        except TimeoutError:
            if process.poll() is not None:
                raise RuntimeError("Azurite exited on start") from None
            continue
        return Azurite(port, process, "https" if tls else "http")
    servers.stop(process)
    raise TimeoutError("Azurite did not start within 30 seconds")


# -- a Microsoft Entra stand-in: the client-credentials token endpoint of a tenant ----------
TENANT = "dcaas-test-tenant"
SP_ID = "00000000-0000-0000-0000-0000000000aa"


class _TokenHandler(BaseHTTPRequestHandler):
    secret: str
    issued: list[str]

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
        if self.path != f"/{TENANT}/oauth2/v2.0/token":
            self._reply(400, {"error": "invalid_request", "error_description": "AADSTS90002"})
        elif form.get("client_id") != SP_ID or form.get("client_secret") != self.secret:
            self._reply(401, {"error": "invalid_client", "error_description": "AADSTS7000215"})
        elif form.get("grant_type") != "client_credentials":
            self._reply(400, {"error": "unsupported_grant_type"})
        else:
            now = int(time.time())
            claims = {
                "aud": "https://storage.azure.com",
                "iss": f"https://sts.windows.net/{TENANT}/",
                "tid": TENANT,
                "appid": SP_ID,
                "oid": SP_ID,
                "iat": now,
                "nbf": now - 60,
                "exp": now + 3600,
            }
            token = jwt.encode(claims, "not-checked-by-azurite-basic-oauth", algorithm="HS256")
            self.issued.append(form.get("scope", ""))
            self._reply(200, {"token_type": "Bearer", "expires_in": 3600, "access_token": token})

    def _reply(self, status: int, body: dict[str, object]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@dataclass
class Login:
    url: str
    secret: str
    issued: list[str]
    server: ThreadingHTTPServer


def start_login(context: ssl.SSLContext, secret: str) -> Login:
    """The token endpoint on https://127.0.0.1:<port>/<tenant>/oauth2/v2.0/token."""
    issued: list[str] = []
    handler = type("Handler", (_TokenHandler,), {"secret": secret, "issued": issued})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return Login(f"https://127.0.0.1:{server.server_address[1]}", secret, issued, server)
