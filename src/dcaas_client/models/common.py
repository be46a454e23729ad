"""Shapes shared by every resource: links, meta, and the two model bases."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ApiModel(BaseModel):
    """A response: unknown members are kept (servers add fields), aliases accepted."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)


class RequestModel(BaseModel):
    """A request body: unknown members are refused before anything is sent."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    def body(self) -> dict[str, Any]:
        """The JSON body: wire names, unset optional members left out."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class Href(ApiModel):
    href: str | None = None


class Link(ApiModel):
    self: Href


class PageLinks(ApiModel):
    self: Href | None = None
    next: Href | None = None
    prev: Href | None = None


class Meta(ApiModel):
    count: int


class ErrorItem(ApiModel):
    code: str
    title: str
    detail: str | None = None
    status: int | None = None
    meta: dict[str, Any] = Field(default_factory=dict)


class Etagged(ApiModel):
    """A single resource; ``etag`` is the answer's ETag header, for ``if_match=``."""

    etag: str | None = Field(default=None, exclude=True)
