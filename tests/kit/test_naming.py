"""Errors renamed to the client's spelling of Qlik's aliased fields."""

from __future__ import annotations

import pytest

from dcaas.errors import BadRequest, ValidationFailed
from dcaas.kit.naming import named_as_sent


def test_alias_sent_renames_field_pointer_and_detail() -> None:
    """dataSourceId sent: meta.field, meta.pointer and the detail say dataSourceId."""
    with pytest.raises(ValidationFailed) as raised, named_as_sent({"dataSourceId": "x"}):
        raise ValidationFailed("field datasourceID: unknown", field="datasourceID")
    assert raised.value.meta == {"field": "dataSourceId", "pointer": "/dataSourceId"}
    assert raised.value.detail == "field dataSourceId: unknown"


def test_plain_words_are_left_alone() -> None:
    """ "space" in a sentence is not a field name: only "field space" is renamed."""
    body = {"spaceId": "s"}
    with pytest.raises(BadRequest) as raised, named_as_sent(body):
        raise BadRequest("field space: no such space", meta={"field": "space"})
    assert raised.value.detail == "field spaceId: no such space"
    assert raised.value.meta["field"] == "spaceId"


def test_canonical_name_sent_is_kept_even_where_aliases_are_preferred() -> None:
    """On the deprecated endpoint a client that sent datasourceID still reads datasourceID,
    while a field it did not send is named the endpoint's way (connectionName)."""
    names = ["qName", "datasourceID"]
    sent = {"datasourceID": 5}
    with pytest.raises(ValidationFailed) as raised, named_as_sent(sent, prefer_aliases=True):
        raise ValidationFailed("bad: qName, datasourceID", field="qName", extra={"missing": names})
    assert raised.value.meta["field"] == "connectionName"
    assert raised.value.meta["missing"] == ["connectionName", "datasourceID"]
    assert raised.value.detail == "bad: connectionName, datasourceID"
