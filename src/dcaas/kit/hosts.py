"""Which Host a request may name, and the base URL of the links and redirect URIs it gets.

The Host header is the client's to choose: taken as is it would let ``Host: evil.test``
put its own name into every ``links`` href and the OAuth ``redirect_uri``. So the base URL
is, in order:

1. ``DCAAS_PUBLIC_URL`` when set;
2. the request's own scheme and Host when ``DCAAS_ALLOWED_HOSTS`` is set: :class:`HostCheck`
   has answered 400 (``DCAAS-1021``) to any other Host before routing;
3. in development only (production refuses to start without 1 or 2): the request's Host
   when it names this machine (localhost, a loopback address), else the address
   ``dcaas serve`` binds (``DCAAS_HOST``:``DCAAS_PORT``).
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any, Protocol

from starlette.datastructures import Headers

from dcaas.errors import BadRequest, Code, envelope

if TYPE_CHECKING:
    from fastapi import FastAPI, Request

    from dcaas.config import Settings


class LinkBase(Protocol):
    """What decides the base URL (the app's settings satisfy it; kit reads no app state)."""

    @property
    def public_url(self) -> str | None: ...
    @property
    def host_names(self) -> tuple[str, ...]: ...
    @property
    def host(self) -> str: ...
    @property
    def port(self) -> int: ...


# Probes and scrapes (load balancers and Kubernetes name a pod by its address): never links.
_UNCHECKED = frozenset({"/health/live", "/health/ready", "/metrics"})


def host_name(host_header: str) -> str:
    """``Host`` without its port, lower case (``[::1]:8080`` -> ``::1``)."""
    host = host_header.strip().lower()
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def is_allowed(host: str, allowed: tuple[str, ...]) -> bool:
    """Exact names, or any subdomain of an entry written with a leading dot."""
    return any(
        host == entry or (entry.startswith(".") and (host.endswith(entry) or host == entry[1:]))
        for entry in allowed
    )


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def base_url(request: Request, settings: LinkBase) -> str:
    """The external base URL for links and redirect URIs (see the module's rules)."""
    if settings.public_url:
        return settings.public_url
    if settings.host_names or _is_loopback(host_name(request.headers.get("host", ""))):
        return str(request.base_url).rstrip("/")
    return f"http://{settings.host}:{settings.port}"


class HostCheck:
    """Pure ASGI: 400 in the envelope for a Host not in ``DCAAS_ALLOWED_HOSTS``."""

    def __init__(self, app: Any, allowed: tuple[str, ...]) -> None:
        self.app = app
        self.allowed = allowed

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope.get("path") in _UNCHECKED:
            await self.app(scope, receive, send)
            return
        host = host_name(Headers(scope=scope).get("host", ""))
        if is_allowed(host, self.allowed):
            await self.app(scope, receive, send)
            return
        from starlette.responses import JSONResponse  # noqa: PLC0415 - the refusal path only

        error = BadRequest(
            "this Host is not one dcaas answers to; use the service's own name",
            code=Code.HOST_NOT_ALLOWED,
            meta={"field": "Host"},
        )
        await JSONResponse(envelope(error), status_code=error.status)(scope, receive, send)


def install_host_check(app: FastAPI, settings: Settings) -> None:
    """Refuse Hosts outside ``DCAAS_ALLOWED_HOSTS`` (nothing to do when it is not set)."""
    if settings.host_names:
        app.add_middleware(HostCheck, allowed=settings.host_names)
