"""Small HTTP helpers shared by endpoints: base URLs, page links, OpenAPI bodies.

``base_url`` lives in :mod:`dcaas.kit.hosts`, with the rules about the Host header.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlencode

import orjson
from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from dcaas.kit.hosts import LinkBase, base_url
from dcaas.kit.schemas import Href, TopLevelLinks

if TYPE_CHECKING:
    from dcaas.kit.paging import Cursor

__all__ = ["PATCH_BODY", "base_url", "json_body_doc", "page_links"]

Q = TypeVar("Q", bound=BaseModel)


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


def json_body_doc(*models: type[BaseModel] | str, required: bool = True) -> dict[str, Any]:
    """``openapi_extra`` documenting a JSON body that the endpoint parses itself: models, or
    the names of schemas the app adds to the document itself (``PATCH_BODY``)."""
    refs = [
        {"$ref": f"#/components/schemas/{m if isinstance(m, str) else m.__name__}"} for m in models
    ]
    schema = refs[0] if len(refs) == 1 else {"oneOf": refs}
    return {
        "requestBody": {"required": required, "content": {"application/json": {"schema": schema}}},
    }


# A JSON Patch body; app.py documents the ``PatchRequest`` schema (a list of PatchOp).
PATCH_BODY = json_body_doc("PatchRequest")


def json_response(
    doc: Any, status_code: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """Serialise JSON-ready data once, with orjson (the route keeps its ``response_model`` for
    the OpenAPI document; the data must already be in that shape)."""
    return Response(
        orjson.dumps(doc), status_code=status_code, headers=headers, media_type="application/json"
    )


def query_model_doc(model: type[BaseModel]) -> dict[str, Any]:
    """``openapi_extra`` documenting query parameters that the route parses itself with
    :func:`parse_query` (FastAPI's own parsing of a query model costs more per request)."""
    schema = model.model_json_schema()
    required = set(schema.get("required", []))
    parameters = []
    for name, prop in schema["properties"].items():
        parameter: dict[str, Any] = {
            "name": name,
            "in": "query",
            "required": name in required,
            "schema": prop,
        }
        if "description" in prop:
            parameter["description"] = prop["description"]
        parameters.append(parameter)
    return {"parameters": parameters}


def parse_query(request: Request, model: type[Q]) -> Q:
    """The query string as ``model`` (the last value of a repeated name), or the 400 that
    FastAPI's own validation of a query parameter gives."""
    try:
        return model.model_validate(dict(request.query_params))
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        raise RequestValidationError([{**e, "loc": ("query", *e["loc"])} for e in errors]) from None
