"""A row of the failure table (:mod:`dcaas.connectors.failures`) and ways to match one.

Rows match a driver's exception by class, or by the class's module and name
(:func:`named`), so that the table imports no optional driver library.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from dcaas.connectors.source_failure import FailureClass, SourceFailure

if TYPE_CHECKING:
    from collections.abc import Callable

    from dcaas.errors import Code


@dataclass(frozen=True)
class Rule:
    kind: type[BaseException] | tuple[type[BaseException], ...]
    code: Code
    failure_class: FailureClass
    detail: str | Callable[[BaseException], str]
    when: Callable[[BaseException], bool] | None = None
    http_status: int = 503

    def matches(self, exc: BaseException) -> bool:
        return isinstance(exc, self.kind) and (self.when is None or self.when(exc))

    def failure(self, exc: BaseException) -> SourceFailure:
        detail = self.detail(exc) if callable(self.detail) else self.detail
        return SourceFailure(self.code, self.failure_class, detail, http_status=self.http_status)


_CHAIN_LIMIT = 32  # links of an exception chain looked at


def caused_by(kind: type[BaseException]) -> Callable[[BaseException], bool]:
    """Whether ``kind`` is anywhere in the exception's chain (libraries wrap the root cause;
    urllib3 keeps it in ``reason`` or as its first argument)."""

    def check(exc: BaseException) -> bool:
        # Every link is followed (cause, context and urllib3's reason): under load a retry
        # leaves a context beside the reason, and the root cause may be behind either.
        todo: list[BaseException] = [exc]
        seen: set[int] = set()
        while todo and len(seen) < _CHAIN_LIMIT:
            current = todo.pop()
            if id(current) in seen:
                continue
            seen.add(id(current))
            if isinstance(current, kind):
                return True
            todo += [e for e in (current.__cause__, current.__context__, _wrapped(current)) if e]
        return False

    return check


def _wrapped(exc: BaseException) -> BaseException | None:
    """urllib3's ``reason``, or the first exception among the arguments (its ProtocolError
    is ``('Connection aborted.', RemoteDisconnected(...))``)."""
    reason = getattr(exc, "reason", None)
    if isinstance(reason, BaseException):
        return reason
    return next((a for a in exc.args if isinstance(a, BaseException)), None)


def named(module: str, *names: str) -> Callable[[BaseException], bool]:
    """Match a library's exception by class name, so that the table imports no library."""

    def match(exc: BaseException) -> bool:
        return any(
            c.__module__.startswith(module) and c.__name__ in names for c in type(exc).__mro__
        )

    return match


def all_of(*tests: Callable[[BaseException], bool]) -> Callable[[BaseException], bool]:
    return lambda exc: all(test(exc) for test in tests)
