"""A webhook's ``filter``: Qlik's subset of SCIM filters over an event's common attributes.

Attributes ``id`` and ``topLevelResourceId`` (the event's object), ``spaceId`` and
``data.status``; operators ``eq`` and ``ne``; ``and``, ``or``, ``not`` and parentheses, e.g.
``spaceId eq "65f0…" and not (id eq "…")``. Checked when the webhook is saved, matched
against each event when it is enqueued.
"""

from __future__ import annotations

from typing import Any

from dcaas.errors import BadRequest, Code, ValidationFailed
from dcaas.kit.scim import And, Compare, Node, Not, Op, Or, Present, parse_filter

ATTRIBUTES = ("id", "topLevelResourceId", "spaceId", "data.status")


def checked(text: str) -> Node:
    """The parsed filter, or a 400 naming what is not supported."""
    try:
        node = parse_filter(text)
    except BadRequest as exc:
        raise ValidationFailed(exc.detail, field="filter", code=Code.WEBHOOK_INVALID) from None
    _check(node)
    return node


def _check(node: Node) -> None:
    if isinstance(node, And | Or):
        for item in node.items:
            _check(item)
    elif isinstance(node, Not):
        _check(node.item)
    elif isinstance(node, Present) or node.attr not in ATTRIBUTES or node.op not in (Op.EQ, Op.NE):
        raise ValidationFailed(
            f"a webhook filter compares {', '.join(ATTRIBUTES)} with eq or ne",
            field="filter",
            code=Code.WEBHOOK_INVALID,
        )


def attributes(event: dict[str, Any]) -> dict[str, Any]:
    """An event's filterable attributes (from its stored form)."""
    data = event.get("data") or {}
    return {
        "id": event.get("objectId"),
        "topLevelResourceId": event.get("objectId"),
        "spaceId": data.get("spaceId"),
        "data.status": data.get("status"),
    }


def matches(text: str | None, attrs: dict[str, Any]) -> bool:
    """Whether an event with ``attrs`` passes the filter (no filter: every event)."""
    return not text or _matches(parse_filter(text), attrs)


def _matches(node: Node, attrs: dict[str, Any]) -> bool:
    if isinstance(node, And):
        return all(_matches(item, attrs) for item in node.items)
    if isinstance(node, Or):
        return any(_matches(item, attrs) for item in node.items)
    if isinstance(node, Not):
        return not _matches(node.item, attrs)
    if isinstance(node, Compare):
        equal = attrs.get(node.attr) == node.value
        return equal if node.op is Op.EQ else not equal
    return False
