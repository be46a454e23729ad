"""GET one and list pages answer connection_doc serialised once: exactly the model's dump."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dcaas.connection.presenter import connection_doc
from dcaas.connection.repository import ConnectionRow
from dcaas.connection.schemas import ConnectionGet

NOW = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)


def _row(**changes: object) -> ConnectionRow:
    fields: dict[str, object] = {
        "id": "7f1d1c1e-0000-4000-8000-000000000001",
        "tenant_id": "t",
        "space_id": "s",
        "owner_id": "u",
        "name": "users",
        "data_source_id": "rest",
        "q_type": "QvRestConnector.exe",
        "connect_statement": 'CUSTOM CONNECT TO "provider=QvRestConnector.exe;"',
        "properties": {"url": "https://example.com"},
        "tags": ["a"],
        "log_on": 0,
        "architecture": 0,
        "separate_credentials": False,
        "credential_id": None,
        "auth_status": None,
        "version": 3,
        "created": NOW,
        "updated": NOW,
        "space_type": "personal",
        "space_owner_id": "u",
        "roles": None,
    }
    fields.update(changes)
    return ConnectionRow(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "parse"),
    [
        ({}, False),
        ({}, True),
        (
            {
                "credential_id": "c",
                "auth_status": "ok",
                "data_source_id": "File_AmazonS3ConnectorV2",
            },
            True,
        ),
        ({"log_on": 1, "separate_credentials": True, "tags": []}, False),
    ],
)
def test_the_document_is_what_the_model_dumps(changes: dict[str, object], parse: bool) -> None:
    """connection_doc equals ConnectionGet's dump (None members out), member for member."""
    doc = connection_doc(_row(**changes), ["list", "read"], "http://x", parse=parse)
    model = ConnectionGet.model_validate(doc)
    assert doc == model.model_dump(mode="json", exclude_none=True, by_alias=True)
    assert list(doc) == list(model.model_dump(exclude_none=True))
