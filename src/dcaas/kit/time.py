"""UTC time, at the millisecond precision the API shows."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Now, truncated to milliseconds so stored values equal what responses show."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond - now.microsecond % 1000)


def iso(value: datetime) -> str:
    """RFC 3339 with milliseconds and ``Z``, as Qlik writes timestamps (naive values are UTC).
    ``isoformat`` truncates to milliseconds, as the stored values are."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(timespec="milliseconds") + "Z"
