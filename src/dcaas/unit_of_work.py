"""The unit of work of a request, declared where its route is declared.

A route says what it does to the database by the type of one parameter (or, for a route
that touches no database, with ``dependencies=[NO_UNIT_OF_WORK]``):

* ``Read``: a session on the reading pool. No transaction: on SQLite each SELECT is its own
  autocommit statement; on PostgreSQL the reading connections are read-only and autocommit.
  A write through it fails.
* ``Write``: one short transaction, the only kind that takes SQLite's write lock. The session
  reads through the reading pool until its first write statement, which begins the
  transaction (``BEGIN IMMEDIATE`` on SQLite): validation and sealing happen before it.
* ``CallsOut``: for routes that call a data source, an OAuth provider or anything else over
  the network. ``async with unit.read() as db`` reads what the call needs and gives the
  connection back; the call runs with nothing held; ``unit.writing`` then records results
  in a short write, committed like a ``Write``. ``unit.scratch()`` is a read phase that may
  also write provisionally (a test with a JSON Patch body): it is always rolled back.

:class:`UnitOfWorkRoute` (every router's ``route_class``) refuses, when the app is built, a
route that declares no kind or two; ``tests/test_unit_of_work.py`` walks every route. It also
runs the unit of work: after the route has built its answer, the Idempotency-Key answer is
stored with the work and the transaction commits, and only then is the answer sent; a route
that raises is rolled back. Services never commit.
"""

from __future__ import annotations

import enum
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Annotated, Any, Protocol

from fastapi import Depends, Request
from fastapi.routing import APIRoute
from sqlalchemy.ext.asyncio import AsyncSession

from dcaas.kit.db import commit

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Coroutine

    from fastapi.dependencies.models import Dependant
    from starlette.responses import Response

    from dcaas.kit.db import Store

SCOPE_KEY = "dcaas.unit_of_work"


class Kind(enum.StrEnum):
    READ = "read"
    WRITE = "write"
    CALLS_OUT = "calls-out"
    NONE = "none"


class RouteWithoutUnitOfWork(TypeError):
    """A route declares no unit of work, or more than one kind."""


class UnitOfWorkMisuse(RuntimeError):
    """A route used its unit of work outside what its kind allows (a bug, not bad input)."""


class AnswerKeeper(Protocol):
    """Something that stores a route's answer with its work (the Idempotency-Key claim)."""

    async def keep(self, session: AsyncSession, response: Response) -> None: ...

    async def drop(self) -> None: ...


class UnitOfWork:
    """One request's database work, opened only as its route's kind allows."""

    def __init__(self, store: Store, kind: Kind) -> None:
        self.store = store
        self.kind = kind
        self._reading: AsyncSession | None = None
        self._writing: AsyncSession | None = None
        self._keepers: list[AnswerKeeper] = []

    def _require(self, *kinds: Kind) -> None:
        if self.kind not in kinds:
            raise UnitOfWorkMisuse(f"a {self.kind} unit of work cannot do this")

    @property
    def reading(self) -> AsyncSession:
        """The session of a ``Read`` route."""
        self._require(Kind.READ)
        if self._reading is None:
            self._reading = self.store.read_session()
        return self._reading

    @property
    def writing(self) -> AsyncSession:
        """The request's write session (``Write``; ``CallsOut`` after its call)."""
        self._require(Kind.WRITE, Kind.CALLS_OUT)
        if self._writing is None:
            self._writing = self.store.write_session()
        return self._writing

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A short read before a call: nothing is held once the block ends."""
        self._require(Kind.CALLS_OUT)
        async with self.store.read() as session:
            yield session

    @asynccontextmanager
    async def scratch(self) -> AsyncIterator[AsyncSession]:
        """Like :meth:`read`, but the work may also write: it is always rolled back."""
        self._require(Kind.CALLS_OUT)
        async with self.store.write_session() as session:
            try:
                yield session
            finally:
                await session.rollback()

    def keep_answer(self, keeper: AnswerKeeper) -> None:
        self._require(Kind.WRITE, Kind.CALLS_OUT)
        self._keepers.append(keeper)

    async def finish(self, response: Response) -> None:
        """The route answered: store what must go with the work, then commit."""
        for keeper in self._keepers:
            await keeper.keep(self.writing, response)
        if self._writing is not None:
            await commit(self._writing)

    async def abort(self) -> None:
        """The route (or the commit) failed: nothing it did stays. The connection goes back
        to the pool before the keepers free their claims in short writes of their own."""
        if self._writing is not None:
            session, self._writing = self._writing, None
            try:
                await session.rollback()
            finally:
                await session.close()
        for keeper in self._keepers:
            await keeper.drop()

    async def close(self) -> None:
        for session in (self._reading, self._writing):
            if session is not None and session.in_transaction():  # else it holds nothing
                await session.close()


def current(request: Request) -> UnitOfWork:
    unit: UnitOfWork = request.scope[SCOPE_KEY]
    return unit


async def _read(request: Request) -> AsyncSession:
    return current(request).reading


async def _write(request: Request) -> AsyncSession:
    return current(request).writing


async def _calls_out(request: Request) -> UnitOfWork:
    return current(request)


async def _none() -> None:
    return None


Read = Annotated[AsyncSession, Depends(_read)]
Write = Annotated[AsyncSession, Depends(_write)]
CallsOut = Annotated[UnitOfWork, Depends(_calls_out)]
NO_UNIT_OF_WORK = Depends(_none)

_KINDS: dict[Callable[..., Any], Kind] = {
    _read: Kind.READ,
    _write: Kind.WRITE,
    _calls_out: Kind.CALLS_OUT,
    _none: Kind.NONE,
}


def _declared(dependant: Dependant) -> set[Kind]:
    found = {_KINDS[dependant.call]} if dependant.call in _KINDS else set()
    for sub in dependant.dependencies:
        found |= _declared(sub)
    return found


def declared_kind(dependant: Dependant, where: str) -> Kind:
    """The one kind a route's parameters and dependencies declare."""
    kinds = _declared(dependant)
    if len(kinds) != 1:
        raise RouteWithoutUnitOfWork(
            f"route {where} must declare exactly one unit of work (Read, Write, CallsOut or "
            f"dependencies=[NO_UNIT_OF_WORK]); it declares {sorted(kinds) or 'none'}"
        )
    return kinds.pop()


class UnitOfWorkRoute(APIRoute):
    """An APIRoute that declares its unit of work and runs it around its handler."""

    unit_of_work: Kind

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        kind = declared_kind(self.dependant, f"{sorted(self.methods or ())} {self.path}")
        self.unit_of_work = kind
        handler = super().get_route_handler()
        if kind is Kind.NONE:
            return handler

        async def run(request: Request) -> Response:
            unit = UnitOfWork(request.app.state.dcaas.store, kind)
            request.scope[SCOPE_KEY] = unit
            try:
                response = await handler(request)
                await unit.finish(response)
            except BaseException:
                await unit.abort()
                raise
            finally:
                await unit.close()
            return response

        return run
