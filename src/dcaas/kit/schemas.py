"""Shared API shapes: links, tags, the error envelope, and JSON-encoded-string leniency."""

from __future__ import annotations

import json
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

MAX_TAGS = 32
MAX_TAG_BYTES = 256
MAX_NAME = 256


class Href(BaseModel):
    href: str


class Link(BaseModel):
    self: Href


class TopLevelLinks(BaseModel):
    self: Href
    next: Href | None = None
    prev: Href | None = None


class Meta(BaseModel):
    count: int


class ErrorItem(BaseModel):
    code: str
    title: str
    detail: str
    status: int
    meta: dict[str, Any] = Field(default_factory=dict)


class ErrorEnvelope(BaseModel):
    errors: list[ErrorItem]


def decode_json_string(value: Any) -> Any:
    """Qlik's own examples send arrays and objects as JSON-encoded strings; accept both."""
    if isinstance(value, str) and value.strip()[:1] in ("[", "{"):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def _check_tags(value: Any) -> Any:
    value = decode_json_string(value)
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueError("tags must be an array of strings")  # noqa: TRY004 - pydantic wants ValueError
    if len(value) > MAX_TAGS:
        raise ValueError(f"at most {MAX_TAGS} tags, got {len(value)}")
    for tag in value:
        if not isinstance(tag, str):
            raise ValueError("each tag must be a string")  # noqa: TRY004
        if len(tag.encode()) > MAX_TAG_BYTES:
            raise ValueError(f"a tag is at most {MAX_TAG_BYTES} bytes")
    return value


Tags = Annotated[list[str], BeforeValidator(_check_tags)]


class StrictModel(BaseModel):
    """Request bodies: unknown members are refused, aliases accepted."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
