"""Shapes of the OAuth endpoints."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel


class CallbackResponse(BaseModel):
    """The callback's answer: which connection the authorization completed."""

    status: Literal["created", "re-authorized"]
    qID: str
    qName: str
    detail: str
