"""The console's admin pages for what the engine, gateway and audit issues added: an engine
grant given to a new key, gateways, the records of secret releases and the audit events."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

import httpx
from playwright.sync_api import expect
from tests.console.browser.flows import create_rest, sign_in

if TYPE_CHECKING:
    from playwright.sync_api import Page
    from tests.console.browser.conftest import Dcaas

FILTER = "/api/v1/data-sources/endpoints/actions/filter"


def test_engine_grant_releases_gateways_and_audit_in_the_admin_pages(
    page: Page, dcaas_server: Dcaas
) -> None:
    """An admin makes an engine key in the console; its release of a connection is listed
    (never the secret), as are a registered gateway and the audit events."""
    name = "released-" + secrets.token_hex(3)
    header = "Header-Secret-" + secrets.token_hex(6)
    qid = create_rest(
        dcaas_server, dcaas_server.admin_key, name, "https://api.example.com/items", header
    )
    gateway = "gw-" + secrets.token_hex(3)
    with dcaas_server.api() as admin:
        made = admin.post(
            "/api/v1/gateways", json={"name": gateway, "dataSources": ["DG_postgres"]}
        )
        assert made.status_code == 201, made.text
    sign_in(page, dcaas_server, dcaas_server.admin_key)
    page.goto(f"{dcaas_server.url}/admin/api-keys")
    page.get_by_label("Description").fill("reload jobs")
    page.get_by_label("Engine grant", exact=False).check()
    page.get_by_role("button", name="Create a key").click()
    engine_key = page.get_by_label("The new API key").input_value()
    page.get_by_role("button", name="Done").click()
    expect(page.locator("table")).to_contain_text("engine")

    reload_id = "reload-" + secrets.token_hex(4)
    with httpx.Client(base_url=dcaas_server.url) as client:
        released = client.post(
            FILTER,
            json={"connectionId": qid, "reloadId": reload_id},
            headers={"Authorization": f"Bearer {engine_key}"},
        )
    assert released.status_code == 201, released.text
    assert header in released.text  # what the engine gets; the console shows none of it

    for path, heading, expected in (
        ("releases", "Secret releases", name),
        ("gateways", "Gateways", gateway),
        ("audit", "Audit events", "data-connection.created"),
    ):
        page.get_by_role("link", name=heading).click()
        section = page.get_by_role("region", name=heading)
        section.get_by_role("button", name="Show").click()
        expect(section.locator("table")).to_contain_text(expected)
        if path == "releases":
            expect(section.locator("table")).to_contain_text(reload_id)
        assert page.url.endswith(f"/admin/{path}")
        assert header not in page.content()
