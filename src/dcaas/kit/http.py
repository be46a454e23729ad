"""Small HTTP helpers shared by endpoints: base URLs, page links, OpenAPI bodies."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

import orjson
from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from dcaas.kit.schemas import Href, TopLevelLinks

if TYPE_CHECKING:
    from dcaas.kit.paging import Cursor

Q = TypeVar("Q", bound=BaseModel)


def base_url(request: Request) -> str:
    configured = request.app.state.dcaas.settings.public_url
    if configured:
        return str(configured).rstrip("/")
    scope = request.scope
    key = (scope["scheme"], request.headers.get("host"), scope.get("root_path", ""))
    found = _BASE_URLS.get(key)
    if found is None:
        found = str(request.base_url).rstrip("/")
        if len(_BASE_URLS) < _BASE_URLS_KEPT:  # hosts are few; a flood of names is not kept
            _BASE_URLS[key] = found
    return found


# The base URL a request's scheme, Host and root path make, built once per combination.
_BASE_URLS: dict[tuple[Any, ...], str] = {}
_BASE_URLS_KEPT = 64


def page_links(request: Request, nxt: Cursor | None, prev: Cursor | None) -> TopLevelLinks:
    url = base_url(request) + request.url.path

    def href(cursor: Cursor | None) -> str:
        params = [(k, v) for k, v in request.query_params.multi_items() if k != "page"]
        if cursor is not None:
            params.append(("page", cursor.encode()))
        from urllib.parse import urlencode  # noqa: PLC0415

        query = urlencode(params)
        return f"{url}?{query}" if query else url

    return TopLevelLinks(
        self=Href(href=href(None) if "page" not in request.query_params else str(_self(request))),
        next=Href(href=href(nxt)) if nxt else None,
        prev=Href(href=href(prev)) if prev else None,
    )


def _self(request: Request) -> str:
    query = request.url.query
    path = base_url(request) + request.url.path
    return f"{path}?{query}" if query else path


def json_body_doc(*models: type[BaseModel]) -> dict[str, Any]:
    """``openapi_extra`` documenting a JSON body that the endpoint parses itself."""
    refs = [{"$ref": f"#/components/schemas/{m.__name__}"} for m in models]
    schema = refs[0] if len(refs) == 1 else {"oneOf": refs}
    return {
        "requestBody": {"required": True, "content": {"application/json": {"schema": schema}}},
    }


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
