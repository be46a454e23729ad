"""What a failed call to a data source means: a stable code, and what the caller should do.

The vocabulary of the Connector contract (:mod:`dcaas.connectors.base` re-exports it) and of
the one table that classifies exceptions into it (:mod:`dcaas.connectors.failures`). It lives
apart so the imports run one way: base uses the table, the table uses only this module.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dcaas.errors import Code


class FailureClass(StrEnum):
    """What the caller should do about a failure."""

    CONFIGURATION = "fix-configuration"
    CREDENTIALS = "fix-credentials"
    REAUTHENTICATE = "re-authenticate"
    TRANSIENT = "transient"
    UNREACHABLE = "unreachable"
    INTERNAL = "internal"


class SourceFailure(Exception):
    """A classified failure: raised by connectors directly, or made by the failure table.

    ``detail`` is shown to the user and must never contain a secret.
    """

    def __init__(
        self,
        code: Code,
        failure_class: FailureClass,
        detail: str,
        *,
        http_status: int = 503,
    ) -> None:
        self.code = code
        self.failure_class = failure_class
        self.detail = detail
        self.http_status = http_status
        super().__init__(f"{code}: {detail}")
