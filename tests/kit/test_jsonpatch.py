"""JSON Patch follows RFC 6902 (add, replace, remove), with Qlik's case-insensitive keys.

The well-kept ``jsonpatch`` library is the oracle for exact-case paths: both succeed with
the same result, or both fail.
"""

from __future__ import annotations

from typing import Any

import jsonpatch
import pytest

from dcaas.errors import BadRequest
from dcaas.kit.jsonpatch import PatchOp, apply

DOC: dict[str, Any] = {"qName": "c", "tags": ["a", "b"], "props": {"host": "h", "port": 1}}
CASES: list[list[dict[str, Any]]] = [
    [{"op": "remove", "path": "/props/missing"}],
    [{"op": "remove", "path": "/props/host"}],
    [{"op": "remove", "path": "/tags/5"}],
    [{"op": "remove", "path": "/tags/1"}],
    [{"op": "replace", "path": "/props/missing", "value": 1}],
    [{"op": "replace", "path": "/props/port", "value": 2}],
    [{"op": "add", "path": "/props/new", "value": "x"}],
    [{"op": "add", "path": "/tags/-", "value": "c"}],
    [{"op": "add", "path": "/tags/0", "value": "z"}],
    [{"op": "add", "path": "/tags/9", "value": "z"}],
    [{"op": "add", "path": "/missing/deeper", "value": 1}],
    [{"op": "remove", "path": "/props/host"}, {"op": "remove", "path": "/props/host"}],
]


@pytest.mark.parametrize("ops", CASES)
def test_agrees_with_the_jsonpatch_library(ops: list[dict[str, Any]]) -> None:
    """Each case succeeds with the library's result, or fails as the library does."""
    try:
        expected: Any = jsonpatch.apply_patch(DOC, ops)
    except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException):
        expected = BadRequest
    if expected is BadRequest:
        with pytest.raises(BadRequest) as raised:
            apply(DOC, PatchOp.parse_list(ops))
        assert raised.value.code == "DCAAS-1007"
    else:
        assert apply(DOC, PatchOp.parse_list(ops)) == expected


def test_remove_of_a_missing_member_fails_and_changes_nothing() -> None:
    """RFC 6902 4.2: remove needs its target; the document given is left as it was."""
    doc = {"a": {"b": 1}}
    with pytest.raises(BadRequest, match="does not exist"):
        apply(doc, PatchOp.parse_list([{"op": "remove", "path": "/a/c"}]))
    assert doc == {"a": {"b": 1}}


def test_keys_match_case_insensitively_as_qlik_writes_them() -> None:
    """/qname replaces qName, and remove of /PROPS/HOST removes props.host."""
    ops = [
        {"op": "replace", "path": "/qname", "value": "d"},
        {"op": "remove", "path": "/PROPS/HOST"},
    ]
    assert apply(DOC, PatchOp.parse_list(ops)) == {**DOC, "qName": "d", "props": {"port": 1}}
