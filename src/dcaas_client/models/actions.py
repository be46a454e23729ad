"""Talking to the data source behind a connection: test, browse, preview."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from dcaas_client.models.common import ApiModel, PageLinks


class TestStep(ApiModel):
    """One step of a test (resolve-host, connect, tls, authenticate, ...); a failed step has
    a stable ``code`` (``DCAAS-60xx``), a ``failureClass`` and a ``detail`` saying what to do."""

    name: str
    status: str  # passed, failed or skipped
    elapsedMs: int = 0
    code: str | None = None
    failureClass: str | None = None
    detail: str | None = None


class TestResult(ApiModel):
    """``status`` is ``passed`` or ``failed``; the steps say where and why."""

    __test__ = False  # not a pytest class, despite the name

    status: str  # passed or failed
    steps: list[TestStep] = Field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.status == "passed"


class Entry(ApiModel):
    """A schema, table, column, bucket, folder, file or endpoint behind a connection."""

    name: str
    path: str
    type: str
    size: int | None = None
    modified: str | None = None
    etag: str | None = None
    extra: dict[str, Any] | None = None  # type-specific facts, e.g. a column's dataType


class Entries(ApiModel):
    """One page of a browse listing."""

    data: list[Entry]
    links: PageLinks = Field(default_factory=PageLinks)


class Preview(ApiModel):
    """The start of a file, table or endpoint: ``kind`` ``rows`` (columns and rows) when the
    format is known, ``bytes`` (``content``, text or base64 per ``encoding``) otherwise."""

    path: str
    kind: str  # rows or bytes
    columns: list[str] | None = None
    types: list[str] | None = None  # per column: string, integer, number, boolean, date, ...
    rows: list[list[Any]] | None = None
    content: str | None = None
    encoding: str | None = None  # utf-8 or base64
    bytesRead: int = 0
    truncated: bool = False
    contentType: str | None = None
