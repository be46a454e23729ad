"""Talking to the data source behind a connection: test, browse, preview."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from dcaas_client.models.common import ApiModel, PageLinks


class TestStep(ApiModel):
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
    name: str
    path: str
    type: str
    size: int | None = None
    modified: str | None = None
    etag: str | None = None


class Entries(ApiModel):
    """One page of a browse listing."""

    data: list[Entry]
    links: PageLinks = Field(default_factory=PageLinks)


class Preview(ApiModel):
    """The start of a file or table: rows when the format is known, content otherwise."""

    path: str | None = None
    kind: str | None = None
    columns: list[str] = Field(default_factory=list)
    rows: list[list[Any]] = Field(default_factory=list)
    content: str | None = None
    encoding: str | None = None
    truncated: bool | None = None
