"""The one envelope renderer: details never carry a Python repr."""

from __future__ import annotations

import pytest

from dcaas.errors import BadRequest, envelope


@pytest.mark.parametrize(
    "detail",
    [
        "Expected one of <generator object Algorithm.check.<locals>.<genexpr> at 0x7f29b9973100>",
        "got <dcaas.kit.Thing object at 0xdeadbeef> instead",
        "callback <function handler at 0x1a2b> failed",
    ],
)
def test_reprs_are_replaced_in_the_envelope(detail: str) -> None:
    """An object repr that slipped into a detail is replaced by a neutral phrase."""
    rendered = envelope(BadRequest(detail))["errors"][0]["detail"]
    assert " at 0x" not in rendered
    assert "(an internal value)" in rendered


def test_ordinary_angle_brackets_stay() -> None:
    """Text in angle brackets that is not a repr is left alone."""
    assert envelope(BadRequest("use <qID>"))["errors"][0]["detail"] == "use <qID>"
