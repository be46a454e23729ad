"""Before serving: is the address free? Said in one line with a way out, not uvicorn's exit."""

from __future__ import annotations

import errno
import socket

from dcaas.exits import ADDRESS_IN_USE, CommandFailed

PICK_ANOTHER = (
    "pick another port: `make run ARGS='--port {port}'`, `dcaas serve --port {port}`, "
    "or DCAAS_PORT={port}"
)


def ensure_free(host: str, port: int) -> None:
    """Raise :class:`CommandFailed` when ``host:port`` cannot be bound, saying why."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror:
        raise CommandFailed(
            f"cannot serve on {host!r}: the name does not resolve",
            "give --host an address of this machine (127.0.0.1, 0.0.0.0) or set DCAAS_HOST",
            ADDRESS_IN_USE,
        ) from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind(address)
        except OSError as exc:
            raise _refused(host, port, exc) from None


def _refused(host: str, port: int, exc: OSError) -> CommandFailed:
    if exc.errno == errno.EADDRINUSE:
        return CommandFailed(
            f"port {port} on {host} is already in use (another dcaas, or another program)",
            PICK_ANOTHER.format(port=port + 1),
            ADDRESS_IN_USE,
        )
    if exc.errno == errno.EACCES:
        return CommandFailed(
            f"not allowed to listen on port {port} (ports below 1024 need privileges)",
            PICK_ANOTHER.format(port=8080),
            ADDRESS_IN_USE,
        )
    return CommandFailed(
        f"cannot listen on {host}:{port} ({exc.strerror or exc})",
        "give --host an address of this machine (127.0.0.1, 0.0.0.0) or set DCAAS_HOST",
        ADDRESS_IN_USE,
    )
