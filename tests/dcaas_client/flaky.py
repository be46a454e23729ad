"""A tiny starlette app on loopback that answers what dcaas does not (yet) on demand:
429 and 503 sequences with Retry-After, 412, 500 and a non-JSON 502. It is not a model
of dcaas; it exists to drive the SDK's retry and error mapping over real HTTP."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from email.utils import formatdate
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

if TYPE_CHECKING:
    from starlette.requests import Request

CREATED = {"qID": "c-1", "qName": "flaky", "qType": "QvRestConnector.exe"}


@dataclass
class Script:
    """What the app answers next: a list of (status, headers) consumed per request."""

    answers: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    seen: list[dict[str, Any]] = field(default_factory=list)


def _envelope(status: int) -> dict[str, Any]:
    item = {
        "code": f"TEST-{status}",
        "title": f"scripted {status}",
        "detail": f"scripted answer {status}",
        "status": status,
        "meta": {},
    }
    return {"errors": [item]}


def make_app(script: Script) -> Starlette:
    async def any_call(request: Request) -> Response:
        script.seen.append(
            {"at": time.monotonic(), "method": request.method, "headers": dict(request.headers)}
        )
        status, headers = script.answers.pop(0) if script.answers else (200, {})
        if status == 502:
            return PlainTextResponse("<html>bad gateway</html>", status_code=502)
        if status >= 400:
            headers = {"Date": formatdate(usegmt=True), **headers}
            return JSONResponse(_envelope(status), status_code=status, headers=headers)
        if request.method == "DELETE":
            return Response(status_code=204)
        if request.method == "POST":
            return JSONResponse(CREATED, status_code=201)
        return JSONResponse({"data": [], "links": {}})

    paths = ["/api/v1/data-connections", "/api/v1/data-connections/{qid}"]
    return Starlette(routes=[Route(p, any_call, methods=["GET", "POST", "DELETE"]) for p in paths])
