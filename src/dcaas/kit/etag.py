"""Entity tags from a row's optimistic-lock ``version``, and ``If-Match`` preconditions.

The tag is strong, ``"<version>"``. ``If-Match`` takes ``*`` or a list of tags; a ``W/``
prefix is ignored because a compressing proxy may weaken a tag on its way to the client.
A missing header means an unconditional write (Qlik's clients never send one).
"""

from __future__ import annotations

from dcaas.errors import Code, PreconditionFailed


def etag(version: int) -> str:
    return f'"{version}"'


def _tags(header: str) -> list[str]:
    tags = []
    for raw in header.split(","):
        tag = raw.strip().removeprefix("W/").strip()
        if tag:
            tags.append(tag.strip('"'))
    return tags


def matches(if_match: str, version: int) -> bool:
    tags = _tags(if_match)
    return "*" in tags or str(version) in tags


def require(if_match: str | None, version: int, what: str) -> None:
    """412 unless ``If-Match`` is absent, ``*`` or names the current version."""
    if if_match is None or matches(if_match, version):
        return
    raise stale(what, version)


def stale(what: str, version: int | None = None) -> PreconditionFailed:
    current = f"; its current ETag is {etag(version)}" if version is not None else ""
    return PreconditionFailed(
        f"{what} has changed since the If-Match tag was read{current}; "
        "GET it again and retry with the new ETag",
        code=Code.PRECONDITION_FAILED,
        meta={"header": "If-Match"},
    )
