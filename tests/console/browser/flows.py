"""What a person does in the console, step by step (shared by the browser tests)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from playwright.sync_api import expect

if TYPE_CHECKING:
    from playwright.sync_api import Page
    from tests.console.browser.conftest import Dcaas


def sign_in(page: Page, server: Dcaas, key: str) -> None:
    page.goto(server.url + "/sign-in")
    page.get_by_label("API key").fill(key)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("heading", name="Connections", level=1)).to_be_visible()


def choose_source(page: Page, name: str) -> None:
    page.get_by_role("link", name="New connection").first.click()
    page.get_by_label("Search data sources").fill(name)
    page.locator(".source-card", has_text=name).first.click()
    expect(page.locator("#prop")).to_be_visible()


def name_connection(page: Page, name: str) -> None:
    page.locator("#conn-name").fill(name)


def add_pair(page: Page, field: str, name: str, value: str, *, encrypt: bool = False) -> None:
    """Add a row to a name/value list (REST headers, query parameters)."""
    index = page.locator(f"#prop_{field} .pair").count()
    page.locator(f"#prop_{field}").get_by_role("button", name=re.compile("^Add to")).click()
    page.locator(f"#prop_{field}_{index}_name").fill(name)
    page.locator(f"#prop_{field}_{index}_value").fill(value)
    if encrypt:
        page.locator(f"#prop_{field}_{index}_encrypt").check()


def run_test(page: Page) -> None:
    page.get_by_role("button", name=re.compile("^Test")).first.click()
    expect(page.locator(".test-result")).to_be_visible(timeout=30_000)


def expect_all_passed(page: Page) -> None:
    expect(page.locator(".test-result")).to_contain_text("every step succeeded")
    rows = page.locator(".test-result tbody tr")
    assert rows.count() > 0
    for status in rows.evaluate_all("rows => rows.map(r => r.dataset.status)"):
        assert status == "passed"


def create_rest(
    server: Dcaas, key: str, name: str, url: str, header_value: str, **extra: Any
) -> str:
    """A REST connection with an encrypted X-Api-Key header, made through the API."""
    body = {
        "qName": name,
        "datasourceID": "rest",
        "connectionProperties": {
            "url": url,
            "queryHeaders": [{"name": "X-Api-Key", "value": header_value, "encrypt": True}],
        },
        **extra,
    }
    with server.api(key) as client:
        made = client.post("/api/v1/data-connections", json=body)
        assert made.status_code == 201, made.text
        return str(made.json()["qID"])
