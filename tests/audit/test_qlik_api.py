"""Qlik's ``@qlik/api`` ``audits`` module (2.19.0), run by Node.js against a live dcaas,
lists and reads the tenant's events, follows its pages, and reads types, sources and
settings, unchanged."""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx
import pytest
from tests.live import live_dcaas
from tests.qlik_api import run_module

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.live import Live

SCRIPT = """
const base = process.env.QLIK_API;
const authModule = await import(`${base}/auth.js`);
const auth = authModule.default ?? authModule;
const audits = (await import(`${base}/audits.js`)).default;
auth.setDefaultHostConfig({
  host: process.env.DCAAS_URL, authType: "apikey", apiKey: process.env.DCAAS_KEY,
});
const created = await audits.getAudits({
  eventType: "com.qlik.v1.data-connection.created", sort: "+eventTime", limit: 10,
});
const one = await audits.getAudit(created.data.data[0].id);
let page = await audits.getAudits({ limit: 2 });
const walked = page.data.data.map((e) => e.id);
while (page.next && walked.length < 200) {
  page = await page.next();
  walked.push(...page.data.data.map((e) => e.id));
}
const all = await audits.getAudits({ limit: 100 });
const types = await audits.getAuditTypes();
const sources = await audits.getAuditSources();
const settings = await audits.getAuditsSettings();
let missing = null;
try { await audits.getAudit("no-such-event"); } catch (e) { missing = e.status; }
console.log(JSON.stringify({
  created: created.data.data.map((e) => [e.eventType, e.objectId, e.userId]),
  one: one.data, walked, all: all.data.data.map((e) => e.id),
  types: types.data.data, sources: sources.data.data, settings: settings.data, missing,
}));
"""


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    with live_dcaas(tmp_path_factory.mktemp("qlik-audits")) as server:
        yield server


def _create(live: Live, name: str) -> str:
    body = {"qName": name, "datasourceID": "rest", "connectionProperties": {"url": "https://e.x"}}
    res = httpx.post(
        f"{live.url}/api/v1/data-connections",
        json=body,
        headers={"Authorization": f"Bearer {live.alice}"},
    )
    assert res.status_code == 201, res.text
    return str(res.json()["qID"])


def test_qlik_api_audits_module_reads_the_trail(live: Live) -> None:
    """getAudits (filters, sort, paging with next()), getAudit, types, sources, settings."""
    made = [_create(live, f"q{n}") for n in range(3)]
    out = run_module(SCRIPT, {"DCAAS_URL": live.url, "DCAAS_KEY": live.admin})
    assert [c[1] for c in out["created"]] == made
    assert all(c[0] == "com.qlik.v1.data-connection.created" and c[2] for c in out["created"])
    assert out["one"]["eventType"] == "com.qlik.v1.data-connection.created"
    assert out["one"]["objectId"] == made[0]
    assert out["walked"] == out["all"]
    assert len(out["walked"]) > 3
    assert "com.qlik.v1.data-connection.created" in out["types"]
    assert "com.qlik/data-connections" in out["sources"]
    assert out["settings"]["data"]["EventTTL"] > 0
    assert out["missing"] == 404


def test_qlik_api_as_a_non_admin_lists_nothing(live: Live) -> None:
    """The same module with a non-admin's key: an empty list, as Qlik answers."""
    _create(live, "quiet")
    script = SCRIPT.split("const created", maxsplit=1)[0] + (
        "const got = await audits.getAudits({ limit: 10 });"
        "console.log(JSON.stringify(got.data.data));"
    )
    assert run_module(script, {"DCAAS_URL": live.url, "DCAAS_KEY": live.alice}) == []
