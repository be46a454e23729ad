"""TLS settings of SQL engines as contexts the ``tls`` step and the drivers share."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dcaas.connectors.drivers.net import PinnedContext, pem_text, tls_context
from dcaas.connectors.sql.engine import Tls

if TYPE_CHECKING:
    import asyncio
    from collections.abc import Awaitable, Callable

    from dcaas.connectors.drivers.net import Verify
    from dcaas.connectors.spec import FileItem


def roots_of(items: list[FileItem] | None) -> list[str]:
    """PEM texts of ``[{name, value}]`` certificate files (text or base64)."""
    return [pem_text(item.value) for item in items or []]


def sslmode_context(host: str, mode: str, roots: list[str]) -> PinnedContext:
    """libpq's sslMode as a context: prefer/require check nothing, verify-* check more."""
    if mode in {"prefer", "require", "disable"}:
        return tls_context(host, verify="none")
    verify: Verify = "custom" if roots else "default"
    return tls_context(host, verify=verify, roots=roots, check_hostname=mode == "verify-full")


def sslmode_tls(
    host: str,
    mode: str,
    roots: list[str],
    start: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[bool]],
) -> Tls | None:
    """The ``tls`` step of a protocol that asks for TLS first; none for sslMode disable."""
    if mode == "disable":
        return None
    return Tls(sslmode_context(host, mode, roots), start, required=mode != "prefer")


def https_tls(host: str, roots: list[str] | None = None, *, verify: bool = True) -> Tls:
    """TLS from the first byte (HTTPS, TCPS), checked against the system's or given roots."""
    if not verify:
        return Tls(tls_context(host, verify="none"))
    if roots:
        return Tls(tls_context(host, verify="custom", roots=roots))
    return Tls(tls_context(host, verify="default"))
