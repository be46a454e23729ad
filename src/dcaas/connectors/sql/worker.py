"""Blocking drivers in worker threads that resolve names only through the outbound policy.

A sync driver (snowflake-connector-python, pymssql, oracledb, ...) runs in one daemon thread
per connector call (:class:`Worker`), so it never blocks the event loop. The caller awaits
each driver call under the probe's total timeout; when the timeout passes the await is
cancelled and the call is **abandoned, not waited for**: the thread keeps running until the
driver's own socket timeout (every engine passes the connect and total timeouts to its
driver) ends the call, then closes the connection and exits. At most
:data:`MAX_THREADS` such threads live at once; beyond that a call fails fast as transient.

Python-level drivers resolve host names with :func:`socket.getaddrinfo`. Inside a worker
thread that function is guarded (:func:`install` replaces it once, process-wide; threads
without a guard see the original): the connection's own host answers with the addresses
the ``resolve-host`` step checked (so the driver connects where the policy approved, and a
second DNS answer cannot steer it), and any other name (an OCSP responder, a token
endpoint) is resolved and checked by the same :class:`~dcaas.kit.outbound.OutboundPolicy`.
Drivers written in C or Go (FreeTDS, ODBC drivers, teradatasql) resolve names themselves:
their engines pass the checked IP address instead of the name.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import queue
import socket
import threading
from typing import TYPE_CHECKING, Any, TypeVar

from dcaas.connectors.base import FailureClass, SourceFailure
from dcaas.errors import Code
from dcaas.kit.outbound import HostNotFound

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from dcaas.kit.outbound import OutboundPolicy

T = TypeVar("T")
MAX_THREADS = 64
_HANDOVER_SECONDS = 5.0  # how long a finished call waits for the event loop to take it
_threads = threading.BoundedSemaphore(MAX_THREADS)
_local = threading.local()
_original_getaddrinfo = socket.getaddrinfo
_install_lock = threading.Lock()
_installed = False


class Guard:
    """Name resolution for one connector's worker thread."""

    def __init__(self, policy: OutboundPolicy, pinned: Mapping[str, list[str]]) -> None:
        self.policy = policy
        self.pinned = {_key(host): list(addrs) for host, addrs in pinned.items()}

    def getaddrinfo(  # noqa: PLR0917 - the stdlib signature
        self, host: Any, port: Any, family: int, type_: int, proto: int, flags: int
    ) -> list[Any]:
        name = host.decode() if isinstance(host, bytes) else host
        if name is None:  # a local bind, not a destination
            return _original_getaddrinfo(host, port, family, type_, proto, flags)
        pinned = self.pinned.get(_key(name))
        if pinned is not None:
            infos: list[Any] = []
            for address in pinned:
                numeric = flags | socket.AI_NUMERICHOST
                with contextlib.suppress(socket.gaierror):  # e.g. an IPv6 pin, AF_INET asked
                    infos += _original_getaddrinfo(address, port, family, type_, proto, numeric)
            if not infos:
                raise socket.gaierror(socket.EAI_NONAME, "no checked address of this family")
            return infos
        try:
            infos = _original_getaddrinfo(host, port, family, type_, proto, flags)
        except (socket.gaierror, UnicodeError):
            raise HostNotFound(str(name)) from None
        for info in infos:
            checked = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
            self.policy.check_address(str(name), checked)
        return infos


def _key(host: str) -> str:
    return host.rstrip(".").strip("[]").lower()


def _guarded_getaddrinfo(  # noqa: PLR0917 - the stdlib signature, names included
    host: Any,
    port: Any,
    family: int = 0,
    type: int = 0,  # noqa: A002
    proto: int = 0,
    flags: int = 0,
) -> list[Any]:
    guard: Guard | None = getattr(_local, "guard", None)
    if guard is None:
        return _original_getaddrinfo(host, port, family, type, proto, flags)
    return guard.getaddrinfo(host, port, family, type, proto, flags)


def install() -> None:
    """Route ``socket.getaddrinfo`` through the guard of the calling worker thread (once)."""
    global _installed  # noqa: PLW0603 - one process-wide replacement, made once
    with _install_lock:
        if not _installed:
            socket.getaddrinfo = _guarded_getaddrinfo
            _installed = True


class Worker:
    """One daemon thread that runs a connector's blocking calls in order."""

    def __init__(self, name: str, guard: Guard) -> None:
        self.name = name
        self.guard = guard
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

    def _start(self) -> None:
        if self._thread is not None:
            return
        if not _threads.acquire(blocking=False):
            raise SourceFailure(
                Code.SOURCE_RATE_LIMITED,
                FailureClass.TRANSIENT,
                "too many calls to slow data sources are still running here; retry later",
            )
        install()
        self._thread = threading.Thread(target=self._main, name=self.name, daemon=True)
        self._thread.start()

    async def run(
        self,
        fn: Callable[..., T],
        *args: Any,
        on_abandon: Callable[[T], Any] | None = None,
    ) -> T:
        """``fn(*args)`` in the thread; cancelling the await abandons the call.

        When an abandoned call still succeeds, ``on_abandon(result)`` runs in the thread
        (a connection nobody will use is closed there, not leaked).
        """
        self._start()
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._queue.put((fn, args, loop, future, on_abandon))
        return await future

    def close(self, cleanup: Callable[[], Any] | None = None) -> None:
        """Run ``cleanup`` after any call still running, then end the thread; never waits."""
        if self._thread is None:
            return
        if cleanup is not None:
            self._queue.put((cleanup, (), None, None, None))
        self._queue.put(None)

    def _main(self) -> None:
        _local.guard = self.guard
        try:
            while (item := self._queue.get()) is not None:
                fn, args, loop, future, on_abandon = item
                try:
                    result = fn(*args)
                except BaseException as exc:  # noqa: BLE001 - handed to the awaiting caller
                    _hand_over(loop, future, None, exc)
                    continue
                if not _hand_over(loop, future, result, None) and on_abandon is not None:
                    with contextlib.suppress(Exception):
                        on_abandon(result)
        finally:
            _threads.release()


def _hand_over(
    loop: asyncio.AbstractEventLoop | None,
    future: asyncio.Future[Any] | None,
    result: Any,
    exc: BaseException | None,
) -> bool:
    """Give the outcome to the awaiting caller; False when nobody took it (abandoned)."""
    if loop is None or future is None:
        return True  # a cleanup: nobody waits for it
    taken = threading.Event()
    accepted: list[bool] = []

    def settle() -> None:
        if not future.done():
            if exc is not None:
                future.set_exception(exc)
            else:
                future.set_result(result)
            accepted.append(True)
        taken.set()

    try:
        loop.call_soon_threadsafe(settle)
    except RuntimeError:  # the loop closed meanwhile
        return False
    taken.wait(_HANDOVER_SECONDS)
    return bool(accepted)
