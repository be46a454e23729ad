"""GET /metrics: request counts and latency by route template, connector tests, rate limits."""

from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING

import pytest
from tests.conftest import assert_error

from dcaas.observability import record_connector_test, record_rate_limited

if TYPE_CHECKING:
    from tests.conftest import Api


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample in Prometheus text; 0 when it is absent."""
    for line in text.splitlines():
        match = re.fullmatch(rf"{name}\{{(.*)\}} (\S+)", line)
        if match and dict(re.findall(r'(\w+)="([^"]*)"', match[1])) == labels:
            return float(match[2])
    return 0.0


async def test_requests_are_counted_by_route_template(api: Api) -> None:
    """Requests to a connection id count under the route template, never the raw path."""
    labels = {"method": "GET", "route": "/api/v1/data-connections/{qID}", "status": "404"}
    before = sample((await api.client.get("/metrics")).text, "dcaas_http_requests_total", **labels)
    ids = [str(uuid.uuid4()) for _ in range(3)]
    for conn_id in ids:
        res = await api.client.get(f"/api/v1/data-connections/{conn_id}", headers=api.h(api.alice))
        assert res.status_code == 404
    res = await api.client.get("/metrics")
    assert res.status_code == 200
    assert res.headers["content-type"].startswith("text/plain")
    assert sample(res.text, "dcaas_http_requests_total", **labels) == before + 3
    assert sample(res.text, "dcaas_http_request_duration_seconds_count", **labels) == before + 3
    assert ids[0] not in res.text


async def test_requests_refused_before_routing_share_one_label(api: Api) -> None:
    """A 413 from the body limit, answered before routing, counts as route="unmatched"."""
    labels = {"method": "POST", "route": "unmatched", "status": "413"}
    before = sample((await api.client.get("/metrics")).text, "dcaas_http_requests_total", **labels)
    res = await api.client.post(
        "/api/v1/data-connections",
        headers=api.h(api.alice),
        content=b"x" * (api.settings.max_body_bytes + 1),
    )
    assert_error(res, 413)
    after = sample((await api.client.get("/metrics")).text, "dcaas_http_requests_total", **labels)
    assert after == before + 1


async def test_unknown_paths_share_one_label(api: Api) -> None:
    """Paths matching no route count as route="unmatched", keeping cardinality bounded."""
    await api.client.get("/no/such/path/x9")
    text = (await api.client.get("/metrics")).text
    assert sample(text, "dcaas_http_requests_total", method="GET", route="unmatched", status="404")
    assert "x9" not in text


async def test_connector_tests_and_rate_limits_are_exposed(api: Api) -> None:
    """record_connector_test and record_rate_limited show up as labelled counters."""
    test_labels = {"data_source": "rest", "status": "failed", "failure_class": "unreachable"}
    before = sample(
        (await api.client.get("/metrics")).text, "dcaas_connector_tests_total", **test_labels
    )
    record_connector_test("rest", "failed", "unreachable")
    record_connector_test("rest", "passed", None)
    record_rate_limited("tenant")
    text = (await api.client.get("/metrics")).text
    assert sample(text, "dcaas_connector_tests_total", **test_labels) == before + 1
    assert (
        sample(
            text,
            "dcaas_connector_tests_total",
            data_source="rest",
            status="passed",
            failure_class="none",
        )
        >= 1
    )
    assert sample(text, "dcaas_rate_limited_total", tier="tenant") >= 1


@pytest.mark.settings(metrics_token="scrape-token-8c")
async def test_metrics_token_guards_the_endpoint(api: Api) -> None:
    """With DCAAS_METRICS_TOKEN set, /metrics needs that bearer token (401 envelope otherwise)."""
    assert_error(await api.client.get("/metrics"), 401, "DCAAS-5001")
    wrong = {"Authorization": "Bearer nope"}
    assert_error(await api.client.get("/metrics", headers=wrong), 401, "DCAAS-5001")
    ok = await api.client.get("/metrics", headers={"Authorization": "Bearer scrape-token-8c"})
    assert ok.status_code == 200
    assert "dcaas_http_requests_total" in ok.text


@pytest.mark.settings(env="production")
async def test_production_without_a_token_serves_no_metrics(api: Api) -> None:
    """Outside development and without DCAAS_METRICS_TOKEN, /metrics does not exist (404)."""
    assert_error(await api.client.get("/metrics"), 404, "HTTP-404")


@pytest.mark.settings(env="production", metrics_token="scrape-token-9d")
async def test_production_with_a_token_serves_metrics_to_it_only(api: Api) -> None:
    """In production with DCAAS_METRICS_TOKEN, /metrics answers that token only."""
    assert_error(await api.client.get("/metrics"), 401, "DCAAS-5001")
    ok = await api.client.get("/metrics", headers={"Authorization": "Bearer scrape-token-9d"})
    assert ok.status_code == 200
