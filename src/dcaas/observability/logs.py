"""Log lines: one JSON object per line (or plain text), with the request's context, redacted.

Redaction (see :mod:`dcaas.observability.redaction`) covers arguments and ``extra`` fields
as structures, then the formatted message, exception and stack text as text. It happens in
two places, on purpose:

* :class:`RedactingFilter`, installed on every handler of the root logger (and on the
  handlers of any logger that does not propagate), redacts each record in place before any
  handler sees it: every library's lines (asyncssh, botocore, httpx, asyncpg, aiomysql,
  urllib3, google-auth, uvicorn, SQLAlchemy ...) go through it, whatever their logger;
* both formatters redact a copy of any record the filter has not seen (a handler someone
  added without it), so a formatted line is never unredacted.
"""

from __future__ import annotations

import copy
import json
import logging
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import IO, Any, Literal

from dcaas.observability.context import current
from dcaas.observability.redaction import redact, redact_text

CONTEXT_FIELDS = ("requestId", "tenantId", "userId")
# Attributes every LogRecord has; anything else on a record came from ``extra=``.
# uvicorn's ``color_message`` is the message again, with terminal colour codes.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
    "color_message",
    *CONTEXT_FIELDS,
}
_HANDLER_MARK = "_dcaas_handler"
_REDACTED_MARK = "_dcaas_redacted"
_EXCEPTIONS = logging.Formatter()


def redact_record(record: logging.LogRecord) -> None:
    """Redact a record in place: message, arguments, extras, exception and stack text."""
    if getattr(record, _REDACTED_MARK, False):
        return
    if not isinstance(record.msg, str):
        record.msg = redact(record.msg)
    if isinstance(record.args, Mapping | tuple):
        record.args = redact(record.args)
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a bad format string must not break the caller
        message = f"{record.msg!s} (the log arguments did not fit the message)"
    record.msg, record.args = redact_text(message), None
    for name in extra_names(record):
        setattr(record, name, redact(getattr(record, name)))
    if record.exc_info and not record.exc_text:
        record.exc_text = _EXCEPTIONS.formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = redact_text(record.exc_text)
    if record.stack_info:
        record.stack_info = redact_text(record.stack_info)
    setattr(record, _REDACTED_MARK, True)


class RedactingFilter(logging.Filter):
    """Redacts every record a handler is about to emit, in place; never drops one."""

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


def install_redaction(*loggers: logging.Logger) -> None:
    """Put one :class:`RedactingFilter` on every handler of the root logger, of the given
    loggers, and of every existing logger that does not propagate (its lines never reach
    the root's handlers). Idempotent."""
    manager = logging.Logger.manager
    others = [
        logger
        for logger in manager.loggerDict.values()
        if isinstance(logger, logging.Logger) and not logger.propagate
    ]
    for logger in (logging.getLogger(), *loggers, *others):
        for handler in logger.handlers:
            if not any(isinstance(f, RedactingFilter) for f in handler.filters):
                handler.addFilter(RedactingFilter())


def _redacted_copy(record: logging.LogRecord) -> logging.LogRecord:
    """A copy whose message, arguments and extras hold no secret, stamped with the context."""
    clone = copy.copy(record)
    redact_record(clone)
    ctx = current()
    for name, value in (ctx.fields() if ctx is not None else {}).items():
        if not hasattr(clone, name):
            setattr(clone, name, value)
    return clone


def extra_names(record: logging.LogRecord) -> list[str]:
    return [k for k in vars(record) if k not in _STANDARD and not k.startswith("_")]


class JsonFormatter(logging.Formatter):
    """``{"timestamp", "level", "logger", "message", requestId?, tenantId?, userId?, ...}``."""

    def format(self, record: logging.LogRecord) -> str:
        clean = _redacted_copy(record)
        doc: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": clean.getMessage(),
        }
        for name in (*CONTEXT_FIELDS, *extra_names(clean)):
            if hasattr(clean, name) and name not in doc:
                doc[name] = _jsonable(getattr(clean, name))
        if clean.exc_text:
            doc["exception"] = clean.exc_text
        if clean.stack_info:
            doc["stack"] = clean.stack_info
        return json.dumps(doc, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """``time LEVEL logger [requestId] message``, redacted like the JSON lines."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(requestId)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        clean = _redacted_copy(record)
        if not hasattr(clean, "requestId"):
            clean.requestId = "-"
        return redact_text(super().format(clean))


def _jsonable(value: Any) -> Any:
    """JSON types as they are; anything else as its (redacted) text."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    return redact_text(str(value))


def configure_logging(
    level: str, log_format: Literal["json", "text"], stream: IO[str] | None = None
) -> logging.Handler:
    """Send every logger's lines to stderr (or ``stream``) through one handler on the root
    logger, and redaction onto every handler (see :func:`install_redaction`).

    Idempotent: a handler installed by an earlier call is replaced, others are left alone.
    """
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _HANDLER_MARK, False)]:
        root.removeHandler(old)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    setattr(handler, _HANDLER_MARK, True)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # google-api-core turns the "google" logger's propagation off on its first use unless
    # that logger is configured already: configured here, Google's lines reach this handler.
    google = logging.getLogger("google")
    google.setLevel(level.upper())
    google.propagate = True
    install_redaction()
    return handler
