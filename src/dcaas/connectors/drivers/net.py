"""Sockets for connectors: connect only to addresses the outbound policy let through.

A connector resolves its host once through :meth:`OutboundPolicy.resolve` and connects to
one of the returned addresses, never to the name again (a second lookup could answer
differently). TLS still checks the certificate against the *name*: :class:`PinnedContext`
makes every handshake use the host name the user configured for SNI and verification,
whatever address the driver passes.
"""

from __future__ import annotations

import asyncio
import base64
import ssl
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from dcaas.kit.outbound import OutboundPolicy

Verify = Literal["default", "none", "custom"]


class PinnedContext(ssl.SSLContext):
    """An SSL context that always verifies (and sends SNI for) one host name."""

    pinned_host: str | None = None

    def wrap_bio(
        self,
        incoming: ssl.MemoryBIO,
        outgoing: ssl.MemoryBIO,
        server_side: bool = False,
        server_hostname: str | bytes | None = None,
        session: ssl.SSLSession | None = None,
    ) -> ssl.SSLObject:
        host = self.pinned_host if self.pinned_host is not None else server_hostname
        return super().wrap_bio(incoming, outgoing, server_side, host, session)

    def wrap_socket(  # noqa: PLR0917 - the stdlib signature
        self,
        sock: Any,
        server_side: bool = False,
        do_handshake_on_connect: bool = True,
        suppress_ragged_eofs: bool = True,
        server_hostname: str | bytes | None = None,
        session: ssl.SSLSession | None = None,
    ) -> ssl.SSLSocket:
        host = self.pinned_host if self.pinned_host is not None else server_hostname
        return super().wrap_socket(
            sock, server_side, do_handshake_on_connect, suppress_ragged_eofs, host, session
        )


def _sni_name(host: str) -> str | None:
    """SNI is for names only; an IP literal is verified against the certificate's IP SANs."""
    return host.strip("[]")


def tls_context(
    host: str, *, verify: Verify, check_hostname: bool = True, roots: list[str] | None = None
) -> PinnedContext:
    """A client context: system roots, no verification, or the given PEM roots only."""
    context = PinnedContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.pinned_host = _sni_name(host)
    if verify == "none":
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    if verify == "custom":
        context.load_verify_locations(cadata="\n".join(roots or []))
    else:
        context.load_default_certs()
    context.check_hostname = check_hostname
    return context


def pem_text(value: str) -> str:
    """A PEM file's text, whether it was sent as text or as base64 of the text."""
    if "-----BEGIN" in value:
        return value
    try:
        return base64.b64decode(value, validate=True).decode()
    except (ValueError, UnicodeDecodeError):
        return value  # load_verify_locations reports it; the table classifies that


async def open_checked(
    policy: OutboundPolicy, host: str, port: int, seconds: float
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A TCP connection to the first checked address of ``host`` that answers."""
    addresses = await policy.resolve(host, port)
    return await connect_any(addresses, port, seconds)


async def connect_any(
    addresses: list[str], port: int, seconds: float
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """Try each address in turn, ``seconds`` each; raise the last failure."""
    last: OSError | None = None
    for address in addresses:
        try:
            async with asyncio.timeout(seconds):
                return await asyncio.open_connection(address, port)
        except OSError as exc:  # TimeoutError is an OSError: try the next address
            last = exc
    raise last or OSError("no address to connect to")


async def close(writer: asyncio.StreamWriter) -> None:
    """Close a stream without waiting on a peer that never answers."""
    writer.close()
    try:
        async with asyncio.timeout(1):
            await writer.wait_closed()
    except (OSError, TimeoutError, ssl.SSLError):
        pass  # closing is best effort; the socket is gone either way


async def tls_handshake(
    writer: asyncio.StreamWriter, context: ssl.SSLContext, host: str, seconds: float
) -> None:
    """Upgrade an open stream to TLS (after a protocol's own "start TLS" exchange)."""
    async with asyncio.timeout(seconds):
        await writer.start_tls(context, server_hostname=_sni_name(host))
