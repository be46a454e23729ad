"""Small HTTP helpers shared by endpoints: base URLs, page links, OpenAPI bodies.

``base_url`` lives in :mod:`dcaas.kit.hosts`, with the rules about the Host header.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from fastapi import Request, Response

from dcaas.kit.hosts import LinkBase, base_url
from dcaas.kit.schemas import Href, TopLevelLinks

if TYPE_CHECKING:
    from pydantic import BaseModel

    from dcaas.kit.paging import Cursor

__all__ = ["base_url", "json_body_doc", "model_response", "page_links"]


def page_links(
    request: Request, nxt: Cursor | None, prev: Cursor | None, *, links: LinkBase
) -> TopLevelLinks:
    url = base_url(request, links) + request.url.path

    def href(cursor: Cursor | None) -> str:
        params = [(k, v) for k, v in request.query_params.multi_items() if k != "page"]
        if cursor is not None:
            params.append(("page", cursor.encode()))
        query = urlencode(params)
        return f"{url}?{query}" if query else url

    return TopLevelLinks(
        self=Href(href=href(None) if "page" not in request.query_params else _self(request, url)),
        next=Href(href=href(nxt)) if nxt else None,
        prev=Href(href=href(prev)) if prev else None,
    )


def _self(request: Request, path: str) -> str:
    query = request.url.query
    return f"{path}?{query}" if query else path


def json_body_doc(*models: type[BaseModel]) -> dict[str, Any]:
    """``openapi_extra`` documenting a JSON body that the endpoint parses itself."""
    refs = [{"$ref": f"#/components/schemas/{m.__name__}"} for m in models]
    schema = refs[0] if len(refs) == 1 else {"oneOf": refs}
    return {
        "requestBody": {"required": True, "content": {"application/json": {"schema": schema}}},
    }


def model_response(model: BaseModel, status_code: int = 200) -> Response:
    """Serialise an already validated answer once (FastAPI would validate it again).

    The route keeps its ``response_model`` for the OpenAPI document.
    """
    return Response(
        model.model_dump_json(exclude_none=True, by_alias=True),
        status_code=status_code,
        media_type="application/json",
    )
