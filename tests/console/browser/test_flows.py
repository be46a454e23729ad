"""The console in a real browser: each scenario of issue 16 is one test."""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import expect
from tests import rest_server
from tests.connectors.drivers.servers import start_moto, stop
from tests.console.browser.flows import (
    add_pair,
    choose_source,
    create_rest,
    expect_all_passed,
    name_connection,
    run_test,
    sign_in,
)
from tests.oauth.authserver import AuthServer

if TYPE_CHECKING:
    from collections.abc import Iterator

    from playwright.sync_api import Page
    from tests.console.browser.conftest import Dcaas, Seen
    from tests.rest_server import Server


@pytest.fixture(scope="module")
def rest() -> Iterator[Server]:
    httpd, server = rest_server.start()
    yield server
    httpd.shutdown()


def test_sign_in_with_a_key(page: Page, dcaas_server: Dcaas) -> None:
    """An API key signs in; the key is then nowhere the page can read (cookie is HttpOnly)."""
    sign_in(page, dcaas_server, dcaas_server.admin_key)
    expect(page.locator(".who")).to_contain_text("admin")
    assert page.evaluate("document.cookie") == ""
    stored = page.evaluate("JSON.stringify([{...localStorage}, {...sessionStorage}])")
    assert dcaas_server.admin_key not in stored
    assert dcaas_server.admin_key not in page.content()
    assert dcaas_server.admin_key not in page.url


def test_rest_connection_with_an_encrypted_header(
    page: Page, dcaas_server: Dcaas, rest: Server
) -> None:
    """Create, test (every step passed), save, browse and preview a REST connection."""
    sign_in(page, dcaas_server, dcaas_server.admin_key)
    choose_source(page, "REST")
    name_connection(page, "items-api")
    page.locator("#prop_url").fill(rest.base + "/header/items")
    add_pair(page, "queryHeaders", "X-Api-Key", rest_server.API_KEY, encrypt=True)
    run_test(page)
    expect_all_passed(page)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("heading", name="items-api", level=1)).to_be_visible()
    expect(page.locator(".properties")).to_contain_text("encrypted, never shown")
    page.get_by_role("tab", name="Browse and preview").click()
    page.get_by_role("button", name="Browse", exact=True).click()
    page.get_by_role("button", name=re.compile("^Preview")).first.click()
    table = page.locator("table.preview")
    expect(table).to_contain_text("alpha")
    expect(table).to_contain_text("gamma")
    expect(table.locator("thead")).to_contain_text("name")


def test_s3_with_a_wrong_secret_fails_at_authenticate(page: Page, dcaas_server: Dcaas) -> None:
    """Against moto with a wrong secret, the authenticate step fails with the credentials hint."""
    moto = start_moto(lifetime=300)
    try:
        sign_in(page, dcaas_server, dcaas_server.admin_key)
        choose_source(page, "Amazon S3 V2")
        page.locator(".source-card", has_text="Amazon S3 V2")
        name_connection(page, "s3-wrong")
        page.locator("#prop_accessKey").fill(moto.access_key)
        page.locator("#prop_secretKey").fill("wrong-" + secrets.token_hex(8))
        page.locator("#prop_bucketName").fill("console-bucket")
        page.locator("#prop_endpointUrl").fill(moto.endpoint)
        page.locator("#prop_forcePathStyle").check()
        run_test(page)
        row = page.locator('.test-result tr[data-step="authenticate"]')
        expect(row).to_have_attribute("data-status", "failed")
        expect(row).to_contain_text("fix-credentials")
        expect(row).to_contain_text("Change the user, password, key or token")
    finally:
        stop(moto.process)


def test_edit_without_touching_the_secret_keeps_it(
    page: Page, dcaas_server: Dcaas, rest: Server, seen: Seen
) -> None:
    """Change the timeout only: the patch holds only that, and the test still passes."""
    qid = create_rest(
        dcaas_server,
        dcaas_server.admin_key,
        "edit-me",
        rest.base + "/header/items",
        rest_server.API_KEY,
    )
    sign_in(page, dcaas_server, dcaas_server.admin_key)
    page.goto(f"{dcaas_server.url}/connections/{qid}")
    page.get_by_role("button", name="Edit", exact=True).click()
    expect(page.locator("#prop_queryHeaders_0_value")).to_have_value("")
    page.locator("#prop_timeout").fill("20")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("button", name="Edit", exact=True)).to_be_visible()
    patches = [b for b in seen.bodies if "/connectionProperties/" in b]
    assert patches == ['[{"op":"add","path":"/connectionProperties/timeout","value":20}]']
    run_test(page)
    expect_all_passed(page)


def test_delete_asks_then_deletes(page: Page, dcaas_server: Dcaas, rest: Server) -> None:
    """Delete asks for confirmation, then the connection is gone."""
    qid = create_rest(
        dcaas_server, dcaas_server.admin_key, "delete-me", rest.base + "/open/items", "v"
    )
    sign_in(page, dcaas_server, dcaas_server.admin_key)
    page.goto(f"{dcaas_server.url}/connections/{qid}")
    page.get_by_role("button", name="Delete", exact=True).click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("cannot be undone")
    dialog.get_by_role("button", name="Delete", exact=True).click()
    expect(page.get_by_role("heading", name="Connections", level=1)).to_be_visible()
    with dcaas_server.api() as client:
        assert client.get(f"/api/v1/data-connections/{qid}").status_code == 404


def test_oauth_connection_authorized_in_a_popup(
    page: Page, dcaas_server: Dcaas, seen: Seen
) -> None:
    """Authorize opens the provider in a popup; consent there creates the connection."""
    with AuthServer() as provider:
        seen.allowed.append(provider.base)  # the popup visits the provider's consent page
        provider.add_client(
            "console-app", "console-app-secret", dcaas_server.url + "/api/v1/oauth/callback"
        )
        sign_in(page, dcaas_server, dcaas_server.admin_key)
        choose_source(page, "REST (OAuth 2.0)")
        name_connection(page, "oauth-api")
        page.locator("#prop_url").fill(provider.base + "/api/me")
        page.locator("#prop_authorizationUrl").fill(provider.base + "/authorize")
        page.locator("#prop_tokenUrl").fill(provider.base + "/token")
        page.locator("#prop_scopes").fill("read")
        page.locator("#prop_clientId").fill("console-app")
        page.locator("#prop_clientSecret").fill("console-app-secret")
        with page.context.expect_page() as popup_info:
            page.get_by_role("button", name="Authorize and save").click()
        popup = popup_info.value
        popup.wait_for_event("close", timeout=20_000)
        expect(page.get_by_role("heading", name="oauth-api", level=1)).to_be_visible()
        expect(page.locator(".properties")).to_contain_text("console-app")
        qid = page.url.rsplit("/", 1)[-1]
        with dcaas_server.api() as client:
            made = client.get(f"/api/v1/data-connections/{qid}").json()
        assert (made["qName"], made["authStatus"]) == ("oauth-api", "ok")
        assert provider.store.token_requests["authorization_code"] == 1


def test_a_use_only_member_sees_no_edit_or_delete(
    page: Page, dcaas_server: Dcaas, rest: Server
) -> None:
    """A consumer of a shared space may test the connection but gets no edit, move or delete."""
    bob = dcaas_server.key_for("bob")
    with dcaas_server.api() as admin, dcaas_server.api(bob) as as_bob:
        space = admin.post("/api/v1/spaces", json={"name": "team-" + secrets.token_hex(3)}).json()
        bob_id = as_bob.get("/api/v1/spaces").json()["data"][0]["ownerId"]
        assigned = admin.post(
            f"/api/v1/spaces/{space['id']}/assignments",
            json={"assigneeId": bob_id, "roles": ["consumer"]},
        )
        assert assigned.status_code == 201, assigned.text
    qid = create_rest(
        dcaas_server,
        dcaas_server.admin_key,
        "shared-api",
        rest.base + "/open/items",
        "v",
        space=space["id"],
    )
    sign_in(page, dcaas_server, bob)
    page.get_by_role("link", name="shared-api").click()
    expect(page.get_by_role("heading", name="shared-api", level=1)).to_be_visible()
    expect(page.get_by_role("button", name="Test", exact=True)).to_be_visible()
    toolbar = page.get_by_role("toolbar")
    for action in ("Edit", "Delete", "Move", "Duplicate"):
        expect(toolbar.get_by_role("button", name=action, exact=True)).to_have_count(0)
    expect(page.get_by_text("You may use this connection")).to_be_visible()
    assert qid in page.url


def test_sign_out_then_back_shows_nothing_private(
    page: Page, dcaas_server: Dcaas, rest: Server
) -> None:
    """After sign-out, Back shows the sign-in page, not the connection seen before."""
    qid = create_rest(
        dcaas_server, dcaas_server.admin_key, "private-name-x1", rest.base + "/open/items", "v"
    )
    sign_in(page, dcaas_server, dcaas_server.admin_key)
    page.goto(f"{dcaas_server.url}/connections/{qid}")
    expect(page.get_by_role("heading", name="private-name-x1")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_label("API key")).to_be_visible()
    page.go_back()
    expect(page.get_by_label("API key")).to_be_visible()
    assert "private-name-x1" not in page.content()
    with dcaas_server.api() as client:  # the session is gone on the server too
        assert client.get("/api/v1/console/session").status_code == 401


def test_no_request_goes_to_another_origin(page: Page, dcaas_server: Dcaas, seen: Seen) -> None:
    """Every page of the console and the API docs load from dcaas's own origin only."""
    sign_in(page, dcaas_server, dcaas_server.admin_key)
    for path, heading in (
        ("/connections/new", "New connection"),
        ("/admin/spaces", "Admin"),
        ("/admin/api-keys", "Admin"),
        ("/admin/data-sources", "Admin"),
        ("/", "Connections"),
    ):
        page.goto(dcaas_server.url + path)
        expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()
    page.goto(dcaas_server.url + "/api/v1/docs")
    expect(page.locator(".swagger-ui .info")).to_be_visible()
    assert seen.urls
    assert all(u.startswith(dcaas_server.url + "/") or u == "about:blank" for u in seen.urls)
    assert seen.foreign == []
    violations = [line for line in seen.console if "Content Security Policy" in line]
    assert violations == []


def test_api_docs_authorize_then_try_it_out(page: Page, dcaas_server: Dcaas) -> None:
    """Swagger UI renders offline; Authorize with a key, Try it out on GET data-sources: 200."""
    page.goto(dcaas_server.url + "/api/v1/docs")
    page.get_by_role("button", name=re.compile("Authorize")).first.click()
    dialog = page.locator(".modal-ux")
    dialog.locator("input").first.fill(dcaas_server.admin_key)
    dialog.locator("button.modal-btn.auth.authorize").first.click()
    dialog.locator("button.btn-done").first.click()
    operation = page.locator("#operations-data-sources-list_data_sources_api_v1_data_sources_get")
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.get_by_role("button", name="Execute").click()
    status = operation.locator(".live-responses-table tbody .response-col_status").first
    expect(status).to_have_text("200")


def test_typed_secrets_appear_nowhere_later(
    page: Page, dcaas_server: Dcaas, rest: Server, seen: Seen
) -> None:
    """Secrets typed into the form are in no later page, no request URL, no storage, no log."""
    header_secret = "hdr-" + secrets.token_hex(12)
    token_secret = "tok-" + secrets.token_hex(12)
    sign_in(page, dcaas_server, dcaas_server.admin_key)
    choose_source(page, "REST")
    name_connection(page, "secret-check")
    page.locator("#prop_url").fill(rest.base + "/open/items")
    add_pair(page, "queryHeaders", "X-Secret", header_secret, encrypt=True)
    page.locator("#prop_bearerToken").fill(token_secret)
    run_test(page)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("heading", name="secret-check", level=1)).to_be_visible()
    qid = page.url.rsplit("/", 1)[-1]
    pages_seen = [page.content()]
    page.get_by_role("button", name="Edit", exact=True).click()
    expect(page.locator("#prop_url")).to_have_value(rest.base + "/open/items")
    values = page.eval_on_selector_all("input, textarea, select", "els => els.map(e => e.value)")
    pages_seen += [page.content(), " ".join(values)]
    for path in ("/", f"/connections/{qid}", "/admin/api-keys"):
        page.goto(dcaas_server.url + path)
        page.wait_for_load_state("networkidle")
        pages_seen.append(page.content())
    storage = page.evaluate("JSON.stringify([{...localStorage}, {...sessionStorage}])")
    log = dcaas_server.log_text()
    for secret in (header_secret, token_secret):
        assert not [p for p in pages_seen if secret in p]
        assert not [u for u in seen.urls if secret in u]
        assert secret not in storage
        assert secret not in log
    assert any(header_secret in b for b in seen.bodies)  # it was sent, in bodies only


def test_readme_screenshot(page: Page, dcaas_server: Dcaas, rest: Server, tmp_path: Path) -> None:
    """The connection list as the README shows it (DCAAS_SCREENSHOT=path writes it there)."""
    create_rest(
        dcaas_server,
        dcaas_server.admin_key,
        "orders-api",
        rest.base + "/header/items",
        rest_server.API_KEY,
    )
    sign_in(page, dcaas_server, dcaas_server.admin_key)
    expect(page.get_by_role("link", name="orders-api")).to_be_visible()
    target = Path(os.environ.get("DCAAS_SCREENSHOT") or tmp_path / "console.png")
    page.set_viewport_size({"width": 1200, "height": 640})
    page.screenshot(path=str(target))
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
