"""Redaction: secret names from the connector registry, and what is hidden in text and data."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import pytest

from dcaas.connectors import all_data_sources
from dcaas.observability.redaction import REDACTED, is_secret_name, redact, redact_text

if TYPE_CHECKING:
    from tests.observability.conftest import Captured

log = logging.getLogger("tests.redaction")


def test_every_flagged_property_is_a_secret_name() -> None:
    """Each data source's secret_fields() are secret names, with no hand-kept list."""
    flagged = {name for ds in all_data_sources() for name in ds.properties.secret_fields()}
    assert {"secretKey", "serviceAccountKeyFile", "privateKeyPassphrase"} <= flagged
    assert all(is_secret_name(name) for name in flagged)
    assert not any(is_secret_name(name) for name in ("host", "region", "bucketName", "qName"))


@pytest.mark.parametrize(
    ("args", "secret"),
    [
        (("%s", {"password": "s3cr3t"}), "s3cr3t"),
        (("password=s3cr3t",), "s3cr3t"),
        (("headers %s", {"Authorization": "Bearer tok-9x"}), "tok-9x"),
        (("sent Authorization: Bearer tok-9x to %s", "host"), "tok-9x"),
        (("key %s", "dcaas_0123456789abcdef_SeCrEt-part"), "SeCrEt-part"),
        (("dsn %s", "postgresql://app:pw-9q@db:5432/dcaas"), "pw-9q"),
        (("cache %s", "redis://:rp-1@cache:6379/0"), "rp-1"),
        (("jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln",), "eyJzdWIiOiJ4In0"),
        (("%r", b'{"clientSecret": "cs-77"}'), "cs-77"),
    ],
)
def test_logged_secrets_come_out_redacted(
    logs: Captured, args: tuple[object, ...], secret: str
) -> None:
    """A secret in a dict argument, key=value text, a header, a key, a DSN or a JWT is hidden."""
    log.warning(*args)
    for output in logs.outputs():
        assert secret not in output
        assert REDACTED in output


def _refuse(body: dict[str, str]) -> None:
    raise ValueError(f"refused {body}")


def test_extra_fields_and_exceptions_are_redacted(logs: Captured) -> None:
    """``extra`` values under secret names and exception text are redacted in JSON lines."""
    try:
        _refuse({"secretKey": "sk-41", "region": "eu-west-1"})
    except ValueError:
        log.exception("failed", extra={"body": {"accessToken": "at-12", "qName": "n"}})
    line = logs.lines()[-1]
    assert line["body"] == {"accessToken": REDACTED, "qName": "n"}
    assert "sk-41" not in line["exception"]
    assert "eu-west-1" in line["exception"]
    assert "sk-41" not in logs.outputs()[1]


def test_encrypted_items_hide_their_value() -> None:
    """Items with encrypt: true lose their value; plain items and split secrets are handled."""
    items = [{"name": "X-Key", "value": "hv-1", "encrypt": True}, {"name": "a", "value": "pub"}]
    hidden = {"name": "X-Key", "value": REDACTED, "encrypt": True}
    assert redact({"queryHeaders": items})["queryHeaders"] == [hidden, items[1]]
    assert redact({"queryHeaders": {"X-Key": "hv-1"}}) == {"queryHeaders": {"X-Key": REDACTED}}
    text = redact_text(str({"queryHeaders": items}))
    assert "hv-1" not in text
    assert "pub" in text


def test_nested_secret_values_in_text_are_hidden_whole() -> None:
    """A secret property holding a list of files is hidden up to its closing bracket."""
    text = redact_text('{"privateKey": [{"name": "k.pem", "value": "pk-3"}], "host": "h"}')
    assert text == '{"privateKey": ***, "host": "h"}'


def test_ordinary_text_is_left_alone() -> None:
    """Lines without secrets are unchanged, including ones that mention a secret's name."""
    for text in (
        "GET /api/v1/data-connections/{qID} 200 3.1ms",
        'password authentication failed for user "postgres"',
        "SELECT credentials.id FROM credentials WHERE credentials.tenant_id = ?",
    ):
        assert redact_text(text) == text
