"""Answers of the connection test, browse and preview endpoints."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from dcaas.kit.schemas import TopLevelLinks


class ProbeStep(BaseModel):
    """One step of a connection test; a failed step says what to do about it."""

    name: str
    status: Literal["passed", "failed", "skipped"]
    elapsedMs: int
    code: str | None = None
    failureClass: str | None = None
    detail: str | None = None


class ProbeResponse(BaseModel):
    status: Literal["passed", "failed"]
    steps: list[ProbeStep]


class BrowseItem(BaseModel):
    """A schema, table, column, bucket, folder, file or endpoint behind a connection."""

    name: str
    path: str
    type: str
    size: int | None = None
    modified: str | None = None
    etag: str | None = None
    extra: dict[str, Any] | None = Field(
        default=None, description="Type-specific facts, e.g. a column's dataType and nullable"
    )


class BrowsePage(BaseModel):
    data: list[BrowseItem]
    links: TopLevelLinks


class PreviewResponse(BaseModel):
    """The start of a file, table or endpoint: rows when the format is known, bytes otherwise."""

    path: str
    kind: Literal["rows", "bytes"]
    columns: list[str] | None = None
    types: list[str] | None = Field(
        default=None,
        description="Each column's type, inferred from the rows read: string, integer, number, "
        "boolean, date, datetime, time, object, array, binary, mixed or null",
    )
    rows: list[list[Any]] | None = None
    content: str | None = Field(default=None, description="Text, or base64 when encoding is")
    encoding: Literal["utf-8", "base64"] | None = None
    bytesRead: int
    truncated: bool
    contentType: str | None = None
