"""A STAND-IN for Salesforce: no Salesforce server can run here, so this plays one at the edge.

It is the loopback OAuth 2.0 provider of ``tests/oauth/authserver.py`` (authlib: PKCE with
S256 required, rotating refresh tokens, revocation) mounted where Salesforce has its OAuth
endpoints (``/services/oauth2/authorize``, ``/token``, plus ``/userinfo``), and a small REST
API answering the calls dcaas's connector makes, in Salesforce's shapes: ``/services/data``
(versions), ``/services/data/v62.0/sobjects`` (the sObject list), ``.../sobjects/X/describe``
and ``.../query?q=SELECT ... FROM X LIMIT n``. Every REST call checks the bearer token with
the provider (401 INVALID_SESSION_ID otherwise). The SOQL it understands is only that one
form; the queries it received are kept in ``queries``.
"""

from __future__ import annotations

import re
import threading
from typing import Any, Self

from flask import Flask, jsonify, request
from tests.oauth.authserver import Store, build_app
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.serving import make_server

VERSION = "62.0"
FIELDS = {
    "Account": [
        ("Id", "id", False),
        ("Name", "string", False),
        ("AnnualRevenue", "currency", True),
        ("NumberOfEmployees", "int", True),
        ("IsActive__c", "boolean", True),
        ("CreatedDate", "datetime", False),
        ("Logo__c", "base64", True),
    ],
    "Contact": [("Id", "id", False), ("LastName", "string", False)],
}
ACCOUNTS = [
    {
        "Id": f"001{i:015}",
        "Name": f"Account {i}",
        "AnnualRevenue": 1000.5 * i,
        "NumberOfEmployees": 10 * i,
        "IsActive__c": i % 2 == 0,
        "CreatedDate": f"2024-01-0{i + 1}T10:00:00.000+0000",
    }
    for i in range(3)
]
_SOQL = re.compile(r"SELECT (?P<fields>[\w, ]+) FROM (?P<object>\w+) LIMIT (?P<limit>\d+)")


class SalesforceStandIn:
    """The provider and the REST API on one loopback port, served in a thread until stopped."""

    def __init__(self) -> None:
        self.store = Store()
        self.queries: list[str] = []
        oauth = build_app(self.store)
        oauth.add_url_rule("/userinfo", "userinfo", self._userinfo)
        rest = Flask("salesforce-stand-in")
        rest.add_url_rule("/services/data", "versions", self._versions)
        rest.add_url_rule(f"/services/data/v{VERSION}/sobjects", "sobjects", self._sobjects)
        rest.add_url_rule(
            f"/services/data/v{VERSION}/sobjects/<name>/describe", "describe", self._describe
        )
        rest.add_url_rule(f"/services/data/v{VERSION}/query", "query", self._query)
        app = DispatcherMiddleware(rest.wsgi_app, {"/services/oauth2": oauth.wsgi_app})
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.base = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)

    # -- the bearer check -------------------------------------------------------------------
    def _caller(self) -> Any:
        value = request.headers.get("Authorization", "").removeprefix("Bearer ")
        token = self.store.by_access(value)
        if token is None or token.is_revoked() or token.is_expired():
            return None
        return token

    @staticmethod
    def _refused() -> Any:
        body = [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
        return jsonify(body), 401

    # -- routes ------------------------------------------------------------------------------
    def _userinfo(self) -> Any:
        token = self._caller()
        if token is None:
            return self._refused()
        return jsonify(
            {
                "user_id": "005000000000001AAA",
                "organization_id": "00D000000000001EAA",
                "preferred_username": f"{token.user.id}@example.com",
                "urls": {"rest": f"{self.base}/services/data/v{{version}}/"},
            }
        )

    def _versions(self) -> Any:
        if self._caller() is None:
            return self._refused()
        return jsonify(
            [
                {"label": "Winter '24", "url": "/services/data/v59.0", "version": "59.0"},
                {"label": "Winter '25", "url": f"/services/data/v{VERSION}", "version": VERSION},
            ]
        )

    def _sobjects(self) -> Any:
        if self._caller() is None:
            return self._refused()
        objects = [
            {"name": name, "label": name, "custom": False, "queryable": True} for name in FIELDS
        ]
        objects.append({"name": "Hidden", "label": "Hidden", "custom": True, "queryable": False})
        return jsonify({"encoding": "UTF-8", "maxBatchSize": 200, "sobjects": objects})

    def _describe(self, name: str) -> Any:
        if self._caller() is None:
            return self._refused()
        if name not in FIELDS:
            return jsonify([{"errorCode": "NOT_FOUND", "message": "not found"}]), 404
        fields = [{"name": n, "type": t, "nillable": nil, "label": n} for n, t, nil in FIELDS[name]]
        return jsonify({"name": name, "fields": fields})

    def _query(self) -> Any:
        if self._caller() is None:
            return self._refused()
        soql = request.args.get("q", "")
        self.queries.append(soql)
        found = _SOQL.fullmatch(soql)
        if found is None or found["object"] not in FIELDS:
            return jsonify([{"errorCode": "MALFORMED_QUERY", "message": "unexpected"}]), 400
        names = [f.strip() for f in found["fields"].split(",")]
        rows = ACCOUNTS if found["object"] == "Account" else []
        records = [
            {"attributes": {"type": found["object"]}, **{n: r.get(n) for n in names}}
            for r in rows[: int(found["limit"])]
        ]
        return jsonify({"totalSize": len(records), "done": True, "records": records})
