"""Where the server is and who the caller is: arguments first, then the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass

import httpx

DEFAULT_URL = "http://127.0.0.1:8080"
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
USER_AGENT = "dcaas-client/0.1"


@dataclass(frozen=True)
class Target:
    base_url: str
    token: str | None

    def headers(self) -> dict[str, str]:
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers


def resolve(base_url: str | None, token: str | None) -> Target:
    """``base_url``, else ``DCAAS_URL``, else the default; ``token``, else ``DCAAS_TOKEN``."""
    url = base_url or os.environ.get("DCAAS_URL") or DEFAULT_URL
    return Target(url.rstrip("/"), token or os.environ.get("DCAAS_TOKEN") or None)


def same_origin(base: httpx.URL, href: str) -> str:
    """A page link to follow; a link to another origin is re-based on ours, so the token
    is never sent to a host the caller did not name."""
    target = base.join(href)
    if (target.scheme, target.host, target.port) == (base.scheme, base.host, base.port):
        return str(target)
    return str(base.copy_with(raw_path=target.raw_path))
