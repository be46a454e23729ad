"""Create errors name what the client sent (in its own spelling) and what to do about it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from tests.conftest import assert_error

if TYPE_CHECKING:
    from tests.conftest import Api

URL = "/api/v1/data-connections"
LEGACY = "/api/v1/dcaas/actions/data-connections"
S3 = "File_AmazonS3ConnectorV2"


async def post(api: Api, url: str, body: Any) -> Any:
    return await api.client.post(url, json=body, headers=api.h(api.alice))


def s3_body(**properties: Any) -> dict[str, Any]:
    base = {"bucketName": "my-bucket", "accessKey": "AKIAX", "secretKey": "s-Kk3"}
    return {"qName": "s3", "datasourceID": S3, "connectionProperties": base | properties}


async def test_empty_create_lists_every_missing_field(api: Api) -> None:
    """`{}` on /data-connections names all four required fields, and the other form."""
    error = assert_error(await post(api, URL, {}), 400, "DCAAS-1001")
    missing = ["qName", "qConnectStatement", "qType", "datasourceID"]
    assert error["meta"]["missing"] == missing
    assert error["meta"]["field"] == "qName"
    assert ", ".join(missing) in error["detail"]
    assert "connectionProperties" in error["detail"]


async def test_empty_legacy_create_uses_the_legacy_names(api: Api) -> None:
    """`{}` on the deprecated endpoint names its documented fields: dataSourceId ..."""
    error = assert_error(await post(api, LEGACY, {}), 400, "DCAAS-1001")
    assert error["meta"]["missing"] == ["connectionName", "dataSourceId", "connectionProperties"]
    assert "datasourceID" not in error["detail"]


@pytest.mark.parametrize("url", [URL, LEGACY])
async def test_unknown_source_is_named_as_the_client_spelled_it(api: Api, url: str) -> None:
    """dataSourceId sent: the error's field and pointer say dataSourceId, not datasourceID."""
    body = {"dataSourceId": "no-such", "connectionName": "x", "connectionProperties": {}}
    error = assert_error(await post(api, url, body), 400, "DCAAS-2002")
    assert error["meta"]["field"] == "dataSourceId"
    assert error["meta"]["pointer"] == "/dataSourceId"


async def test_canonical_spelling_is_kept(api: Api) -> None:
    """datasourceID sent: the error names datasourceID."""
    body = {"qName": "x", "datasourceID": "no-such", "connectionProperties": {}}
    error = assert_error(await post(api, URL, body), 400, "DCAAS-2002")
    assert error["meta"]["field"] == "datasourceID"


async def test_missing_properties_are_listed_together(api: Api) -> None:
    """Empty S3 properties: the bucket and both keys in meta.missing, in one answer."""
    body = {"qName": "s3", "datasourceID": S3, "connectionProperties": {}}
    error = assert_error(await post(api, URL, body), 400, "DCAAS-1009")
    assert error["meta"]["missing"] == [
        "connectionProperties.bucketName",
        "connectionProperties.accessKey",
        "connectionProperties.secretKey",
    ]


async def test_number_for_a_url_says_so(api: Api) -> None:
    """ "url": 123 is "expected an http:// or https:// URL ..., got a number", not a regex."""
    body = {"qName": "r", "datasourceID": "rest", "connectionProperties": {"url": 123}}
    error = assert_error(await post(api, URL, body), 400, "DCAAS-1009")
    assert error["meta"]["field"] == "connectionProperties.url"
    assert "expected an http:// or https:// URL" in error["detail"]
    assert "got a number" in error["detail"]
    assert "pattern" not in error["detail"]


async def test_wrong_scheme_url_says_what_is_expected(api: Api) -> None:
    """An ftp:// URL: what is expected, without echoing the value (it may hold a password)."""
    url = "ftp://user:pw-Secret9@example.com/x"
    body = {"qName": "r", "datasourceID": "rest", "connectionProperties": {"url": url}}
    error = assert_error(await post(api, URL, body), 400, "DCAAS-1009")
    assert "expected an http:// or https:// URL" in error["detail"]
    assert "pw-Secret9" not in error["detail"]


@pytest.mark.parametrize("value", ["yes", "1", 1, "on", ""])
async def test_boolean_property_refuses_anything_but_true_or_false(api: Api, value: Any) -> None:
    """forcePathStyle "yes" (or 1, "on") is refused, naming what was sent, never taken as true."""
    error = assert_error(await post(api, URL, s3_body(forcePathStyle=value)), 400, "DCAAS-1009")
    assert error["meta"]["field"] == "connectionProperties.forcePathStyle"
    assert (
        'expected true or false (a JSON boolean, or the text "true" or "false")'
        in (error["detail"])
    )
    if value == "yes":
        assert "got the text 'yes'" in error["detail"]


@pytest.mark.parametrize(
    ("value", "stored"), [(True, "true"), ("true", "true"), ("False", "false")]
)
async def test_boolean_property_takes_json_and_text_booleans(
    api: Api, value: Any, stored: str
) -> None:
    """true, "true" and "False" are accepted (Qlik's clients send the text)."""
    res = await post(api, URL, s3_body(forcePathStyle=value))
    assert res.status_code == 201, res.text
    assert f"forcePathStyle={stored};" in res.json()["qConnectStatement"]
