"""Real servers for the file-connector tests, each on 127.0.0.1 and a free port.

Servers that run as child processes read their standard input and stop when it closes, so
they end with the test run even when it is killed; each also has a lifetime cap.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from gcp_storage_emulator.server import create_server
from tests import log_guard

_MOTO = """
import os, sys, threading
from moto.server import ThreadedMotoServer
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
print(server.get_host_and_port()[1], flush=True)
threading.Timer(float(sys.argv[1]), lambda: os._exit(0)).start()
sys.stdin.read()
os._exit(0)
"""

# The first requests go unchecked: they create the IAM user, its policy and its key.
_UNCHECKED = 3


@dataclass
class Moto:
    endpoint: str
    access_key: str
    secret_key: str
    process: subprocess.Popen[str]


def start_moto(lifetime: float = 3600) -> Moto:
    """moto's S3 in a child process, with signature checking on after the IAM bootstrap."""
    env = {
        "INITIAL_NO_AUTH_ACTION_COUNT": str(_UNCHECKED),
        "PATH": "/usr/bin:/bin",
        "AWS_ACCESS_KEY_ID": "bootstrap",
        "AWS_SECRET_ACCESS_KEY": "bootstrap",
    }
    process = subprocess.Popen(
        [sys.executable, "-c", _MOTO, str(lifetime)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    assert process.stdout is not None
    port = int(process.stdout.readline())
    endpoint = f"http://127.0.0.1:{port}"
    key, secret = _bootstrap_iam(endpoint)
    return Moto(endpoint, key, secret, process)


def _bootstrap_iam(endpoint: str) -> tuple[str, str]:
    iam = boto3.client(
        "iam",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="bootstrap",
        aws_secret_access_key="bootstrap",
    )
    iam.create_user(UserName="dcaas")
    iam.put_user_policy(
        UserName="dcaas",
        PolicyName="s3-all",
        PolicyDocument='{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
        '"Action":["s3:*","iam:*"],"Resource":"*"}]}',
    )
    made = iam.create_access_key(UserName="dcaas")["AccessKey"]
    return made["AccessKeyId"], made["SecretAccessKey"]


def limited_user(moto: Moto, name: str, actions: list[str]) -> tuple[str, str]:
    """A second IAM user allowed only ``actions``; made with the first user's key."""
    iam = boto3.client(
        "iam",
        endpoint_url=moto.endpoint,
        region_name="us-east-1",
        aws_access_key_id=moto.access_key,
        aws_secret_access_key=moto.secret_key,
    )
    iam.create_user(UserName=name)
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}],
    }
    iam.put_user_policy(UserName=name, PolicyName="limited", PolicyDocument=json.dumps(policy))
    made = iam.create_access_key(UserName=name)["AccessKey"]
    return made["AccessKeyId"], made["SecretAccessKey"]


def stop(process: subprocess.Popen[str]) -> None:
    """Close the child's standard input (it exits), then make sure it has."""
    if process.stdin is not None:
        process.stdin.close()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_port(port: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")


def closed_port() -> int:
    """A local port with nothing listening on it (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- GCS: the emulator, and a token endpoint that checks the JWT assertion's signature -----
class _TokenHandler(BaseHTTPRequestHandler):
    public_pem: bytes = b""
    issued: list[str]  # set on the subclass made per server

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        form = urllib.parse.parse_qs(self.rfile.read(length).decode())
        assertion = form.get("assertion", [""])[0]
        # google-auth signs for Google's token audience whatever the key's token_uri says.
        token_uri = f"http://127.0.0.1:{self.server.server_address[1]}/token"
        audiences = [token_uri, "https://oauth2.googleapis.com/token"]
        try:
            claims = jwt.decode(
                assertion, self.public_pem, algorithms=["RS256"], audience=audiences
            )
        except jwt.PyJWTError:
            self._reply(400, {"error": "invalid_grant", "error_description": "Invalid JWT"})
            return
        self.issued.append(claims["iss"])
        token = "ya29." + uuid.uuid4().hex
        log_guard.remember(token)
        self._reply(
            200,
            {
                "access_token": token,
                "expires_in": 3600,
                "token_type": "Bearer",
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


@dataclass
class Gcs:
    endpoint: str
    token_uri: str
    key: rsa.RSAPrivateKey
    issued: list[str]
    stop: Any

    def key_file(self, key: rsa.RSAPrivateKey | None = None) -> dict[str, str]:
        pem = (
            (key or self.key)
            .private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            .decode()
        )
        return {
            "type": "service_account",
            "project_id": "dcaas-test",
            "private_key_id": "test-key",
            "private_key": pem,
            "client_email": "reader@dcaas-test.iam.gserviceaccount.com",
            "client_id": "1",
            "token_uri": self.token_uri,
        }


def start_gcs() -> Gcs:
    """The GCS emulator and a token endpoint, in threads of this process."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    issued: list[str] = []
    handler = type("Handler", (_TokenHandler,), {"public_pem": public, "issued": issued})
    tokens = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=tokens.serve_forever, daemon=True).start()
    emulator = create_server("127.0.0.1", 0, in_memory=True)
    emulator.start()
    port = emulator._api._httpd.server_address[1]

    def stop() -> None:
        tokens.shutdown()
        tokens.server_close()
        emulator.stop()

    return Gcs(
        f"http://127.0.0.1:{port}",
        f"http://127.0.0.1:{tokens.server_address[1]}/token",
        key,
        issued,
        stop,
    )
