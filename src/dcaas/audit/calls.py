"""Events of routes that call a source (test, browse, preview): recorded after the call.

The call runs with no transaction open (see :mod:`dcaas.unit_of_work`); its event goes into
the route's short write after it, committed with the answer. A call that fails answers an
error, which rolls the route's write back: its event (outcome ``failure``, with the error's
code) is then recorded in a short write of its own, so a refused browse is in the trail too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from dcaas.audit.service import emit
from dcaas.errors import DcaasError

if TYPE_CHECKING:
    from collections.abc import Awaitable

    from dcaas.unit_of_work import UnitOfWork

T = TypeVar("T")


async def audited_call(
    unit: UnitOfWork,
    type_: str,
    work: Awaitable[T],
    *,
    object_id: str | None,
    data: dict[str, Any],
) -> T:
    """Await ``work`` (the call) and record its event: ``success``, or ``failure`` when it
    raised an error answered to the client."""
    try:
        result = await work
    except DcaasError as exc:
        async with unit.store.write() as session:
            emit(
                session,
                type_,
                object_type="data-connection",
                object_id=object_id,
                outcome="failure",
                data={**data, "code": str(exc.code), "status": exc.status},
            )
        raise
    emit(unit.writing, type_, object_type="data-connection", object_id=object_id, data=data)
    return result


def record_test(
    unit: UnitOfWork, type_: str, *, object_id: str | None, passed: bool, data: dict[str, Any]
) -> None:
    """A test's event: it answers 200 whether it passed or not; ``outcome`` says which."""
    emit(
        unit.writing,
        type_,
        object_type="data-connection",
        object_id=object_id,
        outcome="success" if passed else "failure",
        data=data,
    )
