"""Qlik's two namespaces of one API: ``/api/v1/data-*`` and ``/api/connectivity/data-*``.

Qlik's current client (``@qlik/api``'s ``connectivity/*`` modules) calls the same operations
as the ``/api/v1`` modules under ``/api/connectivity``: the paths after the prefix are the
same, and so are the query parameters and bodies (the few renamed fields, ``created`` and
``createdAt`` for instance, are answered under both names by the one implementation).
:func:`add_connectivity_aliases` therefore derives the second namespace from the app's route
table once every router is in it: each route under a prefix of :data:`PREFIXES` is served a
second time, as the same route object with only its path changed. A route added to those
routers later is served under both prefixes with no code of its own. The aliases are left out
of the OpenAPI document (one operation, one entry); :func:`canonical_path` names the operation
an alias serves, for the tests that walk the routes.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

from fastapi.routing import APIRoute
from starlette.routing import BaseRoute, compile_path

if TYPE_CHECKING:
    from fastapi import FastAPI

V1 = "/api/v1/"
CONNECTIVITY = "/api/connectivity/"
PREFIXES = ("data-connections", "data-credentials", "data-sources")


def connectivity_path(path: str) -> str | None:
    """The ``/api/connectivity`` twin of a ``/api/v1`` path it serves, else ``None``."""
    for name in PREFIXES:
        head = V1 + name
        if path == head or path.startswith(head + "/"):
            return CONNECTIVITY + path.removeprefix(V1)
    return None


def canonical_path(path: str) -> str:
    """The ``/api/v1`` path of an operation, given either of its paths."""
    if path.startswith(CONNECTIVITY):
        return V1 + path.removeprefix(CONNECTIVITY)
    return path


def add_connectivity_aliases(app: FastAPI) -> None:
    """Serve every ``/api/v1/data-*`` route under ``/api/connectivity/data-*`` too."""
    served: list[BaseRoute] = []
    for route in app.router.routes:
        served.append(route)
        if not isinstance(route, APIRoute) or (path := connectivity_path(route.path)) is None:
            continue
        alias = copy.copy(route)  # the same handler, dependencies and unit of work
        alias.path = path
        alias.path_regex, alias.path_format, alias.param_convertors = compile_path(path)
        alias.include_in_schema = False
        served.append(alias)  # next to its route: matched as early as the route is
    app.router.routes[:] = served
