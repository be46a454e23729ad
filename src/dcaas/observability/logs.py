"""Log lines: one JSON object per line (or plain text), with the request's context, redacted.

Both formatters redact (see :mod:`dcaas.observability.redaction`): arguments and ``extra``
fields as structures, then the formatted message and any exception text as text. They work
on a copy of the record, so a handler further along never sees a half-redacted record.
"""

from __future__ import annotations

import copy
import json
import logging
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Literal

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


def _redacted_copy(record: logging.LogRecord) -> logging.LogRecord:
    """A copy whose message, arguments and extras hold no secret, stamped with the context."""
    clone = copy.copy(record)
    clone.msg = redact(record.msg) if not isinstance(record.msg, str) else record.msg
    if isinstance(record.args, Mapping | tuple):
        clone.args = redact(record.args)
    message = redact_text(clone.getMessage())
    clone.msg, clone.args = message, None
    for name in extra_names(record):
        setattr(clone, name, redact(getattr(record, name)))
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
        if record.exc_info:
            doc["exception"] = redact_text(self.formatException(record.exc_info))
        if record.stack_info:
            doc["stack"] = redact_text(self.formatStack(record.stack_info))
        return json.dumps(doc, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """``time LEVEL logger [requestId] message``, redacted like the JSON lines."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(requestId)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        clean = _redacted_copy(record)
        if not hasattr(clean, "requestId"):
            clean.requestId = "-"
        clean.exc_text = None  # formatted again from the copy, then redacted below
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


def configure_logging(level: str, log_format: Literal["json", "text"]) -> logging.Handler:
    """Send every logger's lines to stderr through one redacting handler on the root logger.

    Idempotent: a handler installed by an earlier call is replaced, others are left alone.
    """
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _HANDLER_MARK, False)]:
        root.removeHandler(old)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    setattr(handler, _HANDLER_MARK, True)
    root.addHandler(handler)
    root.setLevel(level.upper())
    return handler
