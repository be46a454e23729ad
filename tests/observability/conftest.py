"""Log capture through the redacting formatters, and a route that fails unexpectedly."""

from __future__ import annotations

import io
import json
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest

from dcaas.deps import (
    NO_UNIT_OF_WORK,
    Body,
    Caller,
)
from dcaas.observability import JsonFormatter, TextFormatter

if TYPE_CHECKING:
    from collections.abc import Iterator

    from fastapi import FastAPI


@dataclass
class Captured:
    """Everything the root logger wrote, formatted once as JSON lines and once as text."""

    json_out: io.StringIO = field(default_factory=io.StringIO)
    text_out: io.StringIO = field(default_factory=io.StringIO)

    def lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.json_out.getvalue().splitlines()]

    def outputs(self) -> tuple[str, str]:
        return self.json_out.getvalue(), self.text_out.getvalue()


@pytest.fixture
def logs() -> Iterator[Captured]:
    captured = Captured()
    root = logging.getLogger()
    handlers = [logging.StreamHandler(captured.json_out), logging.StreamHandler(captured.text_out)]
    handlers[0].setFormatter(JsonFormatter())
    handlers[1].setFormatter(TextFormatter())
    level = root.level
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield captured
    for handler in handlers:
        root.removeHandler(handler)
    root.setLevel(level)


def add_failing_route(app: FastAPI) -> str:
    """``POST /test/boom``: authenticates, then raises an exception quoting the body."""

    async def boom(data: Body, caller: Caller) -> None:
        raise RuntimeError(f"could not handle {data} for {caller.user_id}")

    app.add_api_route("/test/boom", boom, methods=["POST"], dependencies=[NO_UNIT_OF_WORK])
    return "/test/boom"
