"""JSON Patch (RFC 6902) restricted to Qlik's operations: add, replace, remove.

Object keys match case-insensitively when there is no exact match, as Qlik's own
examples write ``"Value"`` and ``"/qname"``: that is why this is not the ``jsonpatch``
library, which (rightly, for plain RFC 6902) matches keys exactly. Otherwise it follows the
RFC: ``remove`` and ``replace`` need their target to exist, a patch applies entirely or
not at all.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from dcaas.errors import BadRequest, Code


class PatchOp(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    op: Literal["add", "replace", "remove"]
    path: str = Field(min_length=1, max_length=1024, pattern=r"^/")
    value: Any = None

    @classmethod
    def parse_list(cls, raw: Any) -> list[PatchOp]:
        if not isinstance(raw, list) or not raw:
            raise BadRequest(
                "the body must be a non-empty JSON Patch array of {op, path, value}",
                code=Code.INVALID_PATCH,
                meta={"field": "body"},
            )
        if len(raw) > 256:  # noqa: PLR2004
            raise BadRequest("at most 256 operations", code=Code.INVALID_PATCH)
        ops = []
        for i, item in enumerate(raw):
            if not isinstance(item, dict):
                raise _bad(i, "each operation must be an object")
            lowered = {str(k).lower(): v for k, v in item.items()}
            unknown = sorted(set(lowered) - {"op", "path", "value"})
            if unknown:
                raise _bad(i, f"unknown member(s) {', '.join(unknown)}")
            op, path = lowered.get("op"), lowered.get("path")
            if op not in ("add", "replace", "remove"):
                raise _bad(i, "op must be add, replace or remove")
            if not isinstance(path, str) or not path.startswith("/") or len(path) > 1024:  # noqa: PLR2004
                raise _bad(
                    i, "path must be a JSON Pointer such as /qName (at most 1024 characters)"
                )
            if op != "remove" and "value" not in lowered:
                raise _bad(i, f"{op} needs a value")
            ops.append(cls(op=op, path=path, value=lowered.get("value")))
        return ops

    @property
    def tokens(self) -> list[str]:
        return [t.replace("~1", "/").replace("~0", "~") for t in self.path[1:].split("/")]


def _bad(index: int, message: str) -> BadRequest:
    return BadRequest(
        f"operation {index}: {message}",
        code=Code.INVALID_PATCH,
        meta={"field": f"body.{index}", "pointer": f"/{index}"},
    )


@dataclass
class _Target:
    parent: Any
    key: str | int


def _key(container: dict[str, Any], token: str) -> str:
    if token in container:
        return token
    for existing in container:
        if existing.lower() == token.lower():
            return existing
    return token


def _locate(doc: Any, op: PatchOp) -> _Target:
    node = doc
    tokens = op.tokens
    for token in tokens[:-1]:
        if isinstance(node, dict):
            key = _key(node, token)
            if key not in node:
                raise BadRequest(f"path {op.path} does not exist", code=Code.INVALID_PATCH)
            node = node[key]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            raise BadRequest(f"path {op.path} does not exist", code=Code.INVALID_PATCH)
    last = tokens[-1]
    if isinstance(node, dict):
        return _Target(node, _key(node, last))
    if isinstance(node, list):
        if last == "-":
            return _Target(node, len(node))
        if last.isdigit():
            return _Target(node, int(last))
    raise BadRequest(f"path {op.path} does not exist", code=Code.INVALID_PATCH)


def apply(document: dict[str, Any], ops: list[PatchOp]) -> dict[str, Any]:
    """A patched deep copy; the input is left untouched, so a failure changes nothing."""
    doc = copy.deepcopy(document)
    for op in ops:
        target = _locate(doc, op)
        parent, key = target.parent, target.key
        if isinstance(parent, dict):
            assert isinstance(key, str)  # noqa: S101 - _locate guarantees it
            if op.op != "add" and key not in parent:
                # RFC 6902 4.2 and 4.3: the target location MUST exist for remove and replace.
                raise BadRequest(f"path {op.path} does not exist", code=Code.INVALID_PATCH)
            if op.op == "remove":
                del parent[key]
            else:
                parent[key] = copy.deepcopy(op.value)
            continue
        assert isinstance(key, int)  # noqa: S101
        if op.op == "add" and key <= len(parent):
            parent.insert(key, copy.deepcopy(op.value))
        elif key < len(parent):
            if op.op == "remove":
                parent.pop(key)
            else:
                parent[key] = copy.deepcopy(op.value)
        else:
            raise BadRequest(f"index out of range in {op.path}", code=Code.INVALID_PATCH)
    return doc


@dataclass(frozen=True)
class Touched:
    """Which top-level members (and connection properties) a patch touches."""

    top: frozenset[str]
    properties: frozenset[str]


def touched(ops: list[PatchOp]) -> Touched:
    top, props = set(), set()
    for op in ops:
        tokens = op.tokens
        top.add(tokens[0].lower())
        if tokens[0].lower() == "connectionproperties":
            if len(tokens) > 1:
                props.add(tokens[1].lower())
            elif isinstance(op.value, dict):
                props |= {str(k).lower() for k in op.value}
    return Touched(frozenset(top), frozenset(props))
