"""The Azure Blob Storage and ADLS Gen2 connectors against Azurite: account key, SAS tokens
made by the SDK from Azurite's key, and a service principal (Azurite over https in its OAuth
mode, which checks a token's issuer, audience and lifetime but not its signature; the token
comes from a STAND-IN for the Microsoft Entra token endpoint, which checks the client secret).

Azurite has no ADLS Gen2 (hierarchical namespace, ``dfs``) endpoint. dcaas reads ADLS through
its Blob endpoint, which Azurite serves; what is ADLS's own there (directories listed as
empty marker blobs with ``hdi_isfolder=true``, the ``fileSystem`` property) is tested here.
ACLs, the dfs endpoint and a real hierarchical account are not.
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
import time
import uuid
from typing import Any

import pytest
from azure.storage.blob import (
    AccountSasPermissions,
    BlobServiceClient,
    ContainerSasPermissions,
    ResourceTypes,
    generate_account_sas,
    generate_container_sas,
)
from tests.connectors.drivers import azurite as emulator
from tests.connectors.drivers import servers
from tests.connectors.drivers.azurite import ACCOUNT, KEY, Azurite
from tests.connectors.drivers.conftest import (
    BIG_CAP,
    SELECTED,
    assert_big_preview,
    assert_format_preview,
    big_files,
    by_name,
    context,
    format_files,
)

from dcaas.connectors.base import FailureClass, SourceFailure, Steps
from dcaas.connectors.drivers.azure import (
    AdlsConnector,
    AdlsMetadataConnector,
    AzureBlobConnector,
    AzureBlobMetadataConnector,
)
from dcaas.kit.outbound import OutboundPolicy

ALL_STEPS = ["resolve-host", "connect", "authenticate", "reach-container"]
WRONG_KEY = "V3Jvbmcta2V5LXRoYXQtbXVzdC1ub3QtbGVhay0wMTIzNDU2Nzg5YWJjZGVmZ2hpams="


def props(azurite: Azurite, container: str | None, **over: Any) -> dict[str, Any]:
    base = {
        "accountName": ACCOUNT,
        "accountKey": KEY,
        "endpointUrl": azurite.endpoint,
        "containerName": container,
    }
    return {k: v for k, v in (base | over).items() if v is not None}


def put(azurite: Azurite, container: str, blobs: dict[str, bytes], **kwargs: Any) -> None:
    with BlobServiceClient.from_connection_string(azurite.connection_string) as service:
        for name, data in blobs.items():
            service.get_blob_client(container, name).upload_blob(data, overwrite=True, **kwargs)


async def run_test(properties: dict[str, Any], cls: type = AzureBlobConnector, **ctx: Any) -> Steps:
    connector = cls(properties, context(**ctx))
    steps = Steps()
    try:
        await connector.test(steps)
    finally:
        await connector.aclose()
    return steps


async def call(cls: type, properties: dict[str, Any], method: str, *args: Any, **ctx: Any) -> Any:
    connector = cls(properties, context(**ctx))
    try:
        return await getattr(connector, method)(*args)
    finally:
        await connector.aclose()


def sas(azurite: Azurite, container: str | None = None, *, hours: float = 1) -> str:
    """A SAS made by the SDK from Azurite's key: the container's, or the account's."""
    expiry = dt.datetime.now(dt.UTC) + dt.timedelta(hours=hours)
    if container:
        return generate_container_sas(
            ACCOUNT,
            container,
            account_key=KEY,
            permission=ContainerSasPermissions(read=True, list=True),
            expiry=expiry,
        )
    return generate_account_sas(
        ACCOUNT,
        KEY,
        resource_types=ResourceTypes(service=True, container=True, object=True),
        permission=AccountSasPermissions(read=True, list=True),
        expiry=expiry,
    )


async def test_good_key_passes_every_step(azurite, azure_container):
    """The account key and an existing container pass all four steps."""
    steps = await run_test(props(azurite, azure_container))
    assert [(r.name, r.status) for r in steps.results] == [(s, "passed") for s in ALL_STEPS]


async def test_wrong_key_fails_at_authenticate(azurite, azure_container):
    """A wrong account key fails authenticate with DCAAS-6006 (fix credentials)."""
    steps = await run_test(props(azurite, azure_container, accountKey=WRONG_KEY))
    assert by_name(steps)["authenticate"] == ("failed", "DCAAS-6006")
    assert steps.results[2].failure_class is FailureClass.CREDENTIALS
    assert by_name(steps)["reach-container"] == ("skipped", None)


async def test_key_that_is_not_base64_fails_at_authenticate(azurite, azure_container):
    """A key that is not base64 fails authenticate with DCAAS-6006, not an internal error."""
    steps = await run_test(props(azurite, azure_container, accountKey="not base64!"))
    assert by_name(steps)["authenticate"] == ("failed", "DCAAS-6006")


async def test_missing_container_fails_at_reach_container(azurite, azure_container):
    """A container that does not exist fails reach-container with DCAAS-6008 (configuration)."""
    steps = await run_test(props(azurite, "no-such-container"))
    assert by_name(steps)["authenticate"] == ("passed", None)
    assert by_name(steps)["reach-container"] == ("failed", "DCAAS-6008")
    assert steps.results[3].failure_class is FailureClass.CONFIGURATION


async def test_closed_port_fails_fast_at_connect():
    """An endpoint on a closed local port fails connect with DCAAS-6003, fast."""
    endpoint = f"http://127.0.0.1:{servers.closed_port()}/{ACCOUNT}"
    started = time.monotonic()
    steps = await run_test(
        {"accountName": ACCOUNT, "accountKey": KEY, "endpointUrl": endpoint}, connect_timeout=1.0
    )
    assert time.monotonic() - started < 1.0
    assert by_name(steps)["connect"] == ("failed", "DCAAS-6003")
    assert steps.results[1].failure_class is FailureClass.UNREACHABLE


async def test_default_policy_refuses_a_loopback_endpoint(azurite, azure_container):
    """Without DCAAS_OUTBOUND_ALLOW, a loopback endpoint fails resolve-host, and browse too."""
    properties = props(azurite, azure_container)
    steps = await run_test(properties, outbound=OutboundPolicy())
    assert by_name(steps)["resolve-host"] == ("failed", "DCAAS-6002")
    assert "loopback" in (steps.results[0].detail or "")
    with pytest.raises(SourceFailure) as caught:
        await call(
            AzureBlobConnector, properties, "browse", "", 10, None, outbound=OutboundPolicy()
        )
    assert caught.value.code == "DCAAS-6002"


async def test_connections_go_to_the_pinned_address(azurite, azure_container):
    """The client connects to the address resolve-host checked, never looking the name up again."""
    put(azurite, azure_container, {"a.txt": b"x"})
    endpoint = f"http://storage.invalid:{azurite.port}/{ACCOUNT}"
    connector = AzureBlobConnector(props(azurite, azure_container, endpointUrl=endpoint), context())
    connector._pinned["storage.invalid"] = ["127.0.0.1"]  # as resolve-host would have
    try:
        page = await connector.browse("", 10, None)
    finally:
        await connector.aclose()
    assert [e.path for e in page.items] == ["a.txt"]


async def test_account_sas_passes_and_browses(azurite, azure_container):
    """An account SAS generated from the key passes every step and lists blobs."""
    put(azurite, azure_container, {"d/x.csv": b"a\n1\n"})
    properties = props(azurite, azure_container, accountKey=None) | {
        "authType": "sasToken",
        "sasToken": "?" + sas(azurite),
    }
    steps = await run_test(properties)
    assert steps.passed, steps.results
    page = await call(AzureBlobConnector, properties, "browse", "d", 10, None)
    assert [e.path for e in page.items] == ["d/x.csv"]


async def test_container_sas_passes_for_its_container(azurite, azure_container):
    """A container SAS (read, list) passes every step for that container."""
    properties = props(azurite, azure_container, accountKey=None) | {
        "authType": "sasToken",
        "sasToken": sas(azurite, azure_container),
    }
    steps = await run_test(properties)
    assert steps.passed, steps.results


async def test_expired_or_forged_sas_fails_at_authenticate(azurite, azure_container):
    """An expired SAS, or one signed with another key, fails authenticate with DCAAS-6006."""
    expired = sas(azurite, hours=-1)
    forged = generate_account_sas(
        ACCOUNT,
        WRONG_KEY,
        resource_types=ResourceTypes(service=True, container=True, object=True),
        permission=AccountSasPermissions(read=True, list=True),
        expiry=dt.datetime.now(dt.UTC) + dt.timedelta(hours=1),
    )
    for token in (expired, forged):
        properties = props(azurite, azure_container, accountKey=None) | {
            "authType": "sasToken",
            "sasToken": token,
        }
        steps = await run_test(properties)
        assert by_name(steps)["authenticate"][1] == "DCAAS-6006", steps.results


async def test_browse_pages_through_folders_and_blobs(azurite, azure_container):
    """25 blobs under a prefix come in pages of 10 with size, time and etag; folders apart."""
    put(azurite, azure_container, {f"data/f{i:02}.csv": b"a\n1\n" for i in range(25)})
    put(azurite, azure_container, {"data/sub/inner.txt": b"x", "top.txt": b"y"})
    connector = AzureBlobConnector(props(azurite, azure_container), context())
    seen: list[Any] = []
    token, pages = None, 0
    while True:
        page = await connector.browse("data", 10, token)
        pages += 1
        assert len(page.items) <= 10
        seen += page.items
        token = page.next_token
        if token is None:
            break
    await connector.aclose()
    assert pages == 3
    assert ("folder", "data/sub/") in [(e.type, e.path) for e in seen]
    blobs = [e for e in seen if e.type == "file"]
    assert [e.path for e in blobs] == [f"data/f{i:02}.csv" for i in range(25)]
    assert all(e.size == 4 and e.modified and e.etag for e in blobs)


async def test_browse_without_container_lists_containers(azurite, azure_container):
    """Without containerName, the root lists containers; container/prefix browses inside."""
    put(azurite, azure_container, {"k/v.txt": b"x"})
    properties = props(azurite, None)
    root = await call(AzureBlobConnector, properties, "browse", "", 5000, None)
    assert (azure_container, "bucket") in [(e.name, e.type) for e in root.items]
    inside = await call(AzureBlobConnector, properties, "browse", f"{azure_container}/k", 10, None)
    assert [e.path for e in inside.items] == [f"{azure_container}/k/v.txt"]


async def test_metadata_browse_is_flat_with_content_type(azurite, azure_container):
    """The metadata source lists every blob under a prefix, flat, with its content type."""
    from azure.storage.blob import ContentSettings  # noqa: PLC0415

    put(
        azurite,
        azure_container,
        {"a/b/c.json": b"[]", "a/d.txt": b"hi"},
        content_settings=ContentSettings(content_type="application/json"),
    )
    page = await call(
        AzureBlobMetadataConnector, props(azurite, azure_container), "browse", "", 100, None
    )
    by_path = {e.path: e for e in page.items}
    assert set(by_path) == {"a/b/c.json", "a/d.txt"}
    assert by_path["a/b/c.json"].extra["contentType"] == "application/json"
    assert by_path["a/b/c.json"].size == 2


async def test_adls_directories_are_folders(azurite, azure_container):
    """An ADLS directory (an hdi_isfolder marker blob) browses as a folder, not a file."""
    put(azurite, azure_container, {"raw": b""}, metadata={"hdi_isfolder": "true"})
    put(azurite, azure_container, {"raw/2024/x.csv": b"a\n1\n", "top.csv": b"a\n1\n"})
    properties = props(azurite, None, containerName=None) | {"fileSystem": azure_container}
    page = await call(AdlsConnector, properties, "browse", "", 100, None)
    assert sorted((e.type, e.path) for e in page.items) == [("file", "top.csv"), ("folder", "raw/")]
    flat = await call(AdlsMetadataConnector, properties, "browse", "", 100, None)
    assert sorted(e.path for e in flat.items) == ["raw/2024/x.csv", "top.csv"]
    steps = await run_test(properties, AdlsConnector)
    assert steps.passed, steps.results


@pytest.mark.parametrize("name", sorted(format_files()))
async def test_preview_of_each_format(azurite, azure_container, name):
    """Each format written into Azurite previews as rows with types."""
    put(azurite, azure_container, {name: format_files()[name]})
    preview = await call(
        AzureBlobConnector, props(azurite, azure_container), "preview", name, 1 << 20, 10
    )
    assert_format_preview(preview, name)


async def test_preview_of_files_over_the_cap(azurite, azure_container):
    """Files larger than the cap preview as rows, reading no more than the cap."""
    put(azurite, azure_container, big_files())
    connector = AzureBlobConnector(props(azurite, azure_container), context())
    try:
        for name in big_files():
            assert_big_preview(await connector.preview(name, BIG_CAP, 10), name)
    finally:
        await connector.aclose()


async def test_preview_of_missing_blob_is_not_found(azurite, azure_container):
    """Previewing a blob that does not exist raises DCAAS-6008 with HTTP 404."""
    with pytest.raises(SourceFailure) as caught:
        await call(
            AzureBlobConnector, props(azurite, azure_container), "preview", "nope.csv", 1000, 5
        )
    assert (caught.value.code, caught.value.http_status) == ("DCAAS-6008", 404)


async def test_secrets_appear_in_no_detail_exception_or_log(azurite, azure_container, caplog):
    """Neither the key nor a SAS shows up in step details, raised failures or log records."""
    caplog.set_level(logging.DEBUG)
    steps = await run_test(props(azurite, azure_container, accountKey=WRONG_KEY))
    with pytest.raises(SourceFailure) as caught:
        await call(
            AzureBlobConnector,
            props(azurite, azure_container, accountKey=WRONG_KEY),
            "browse",
            "",
            10,
            None,
        )
    token = sas(azurite, hours=-1)
    expired = props(azurite, azure_container, accountKey=None) | {
        "authType": "sasToken",
        "sasToken": token,
    }
    sas_steps = await run_test(expired)
    details = [r.detail for r in steps.results + sas_steps.results]
    text = " ".join(str(d) for d in details) + str(caught.value) + caplog.text
    signature = token.split("sig=")[1].split("&")[0]
    for secret in (WRONG_KEY, KEY, signature):
        assert secret not in text


async def test_service_principal_token_endpoint_unreachable_fails_at_authenticate(
    azurite, azure_container
):
    """A service principal whose login host does not answer fails authenticate, classified
    (not internal): the token request goes through the policy-checked transport."""
    login = f"https://127.0.0.1:{servers.closed_port()}"
    properties = props(azurite, azure_container, accountKey=None) | {
        "authType": "servicePrincipal",
        "tenantId": "contoso.onmicrosoft.com",
        "clientId": "00000000-0000-0000-0000-000000000001",
        "clientSecret": "sp-secret-that-must-not-leak",
        "loginUrl": login,
        "endpointUrl": f"https://127.0.0.1:{azurite.port}/{ACCOUNT}",  # a token needs https
    }
    steps = await run_test(properties, connect_timeout=1.0)
    failed = by_name(steps)["authenticate"]
    assert failed[0] == "failed"
    assert failed[1] in {"DCAAS-6003", "DCAAS-6006"}, steps.results
    assert steps.results[2].failure_class is not FailureClass.INTERNAL
    assert "sp-secret-that-must-not-leak" not in str(steps.results[2].detail)


async def test_service_principal_login_host_refused_by_policy(azurite, azure_container):
    """A login host on a refused address is refused by the outbound policy before any request."""
    properties = props(azurite, azure_container, accountKey=None) | {
        "authType": "servicePrincipal",
        "tenantId": "contoso.onmicrosoft.com",
        "clientId": "00000000-0000-0000-0000-000000000001",
        "clientSecret": "sp-secret-that-must-not-leak",
        "loginUrl": "https://169.254.169.254",
        "endpointUrl": f"https://127.0.0.1:{azurite.port}/{ACCOUNT}",
    }
    steps = await run_test(properties)
    assert by_name(steps)["authenticate"] == ("failed", "DCAAS-6002"), steps.results


async def test_service_principal_over_http_is_refused(azurite, azure_container):
    """A service principal with an http endpoint fails authenticate as configuration."""
    properties = props(azurite, azure_container, accountKey=None) | {
        "authType": "servicePrincipal",
        "tenantId": "contoso.onmicrosoft.com",
        "clientId": "00000000-0000-0000-0000-000000000001",
        "clientSecret": "sp-secret-that-must-not-leak",
    }
    steps = await run_test(properties)
    assert by_name(steps)["authenticate"] == ("failed", "DCAAS-6011"), steps.results


def sp_props(azure_oauth: Any, container: str, **over: Any) -> dict[str, Any]:
    server, login, ca_pem = azure_oauth
    base = {
        "accountName": ACCOUNT,
        "authType": "servicePrincipal",
        "tenantId": emulator.TENANT,
        "clientId": emulator.SP_ID,
        "clientSecret": login.secret,
        "loginUrl": login.url,
        "endpointUrl": server.endpoint,
        "containerName": container,
        "rootCertificates": [{"name": "ca.pem", "value": ca_pem}],
    }
    return {k: v for k, v in (base | over).items() if v is not None}


def sp_container(azure_oauth: Any) -> str:
    """A container with one blob in the https, OAuth-enabled Azurite (made with the key)."""
    server, _, ca_pem = azure_oauth
    name = "sp-" + uuid.uuid4().hex[:12]
    verify = tempfile.NamedTemporaryFile("w", suffix=".pem", delete=False)  # noqa: SIM115
    verify.write(ca_pem)
    verify.close()
    with BlobServiceClient(
        server.endpoint,
        credential={"account_name": ACCOUNT, "account_key": KEY},
        connection_verify=verify.name,
    ) as service:
        service.create_container(name)
        service.get_blob_client(name, "d/x.csv").upload_blob(b"id,name\n1,a\n")
    return name


async def test_service_principal_passes_and_browses(azure_oauth):
    """A service principal's token from its login host passes every step and lists blobs."""
    container = sp_container(azure_oauth)
    steps = await run_test(sp_props(azure_oauth, container))
    assert [(r.name, r.status) for r in steps.results] == [(s, "passed") for s in ALL_STEPS]
    page = await call(AzureBlobConnector, sp_props(azure_oauth, container), "browse", "d", 10, None)
    assert [e.path for e in page.items] == ["d/x.csv"]
    assert "https://storage.azure.com/.default" in azure_oauth[1].issued[-1]


async def test_service_principal_wrong_secret_fails_at_authenticate(azure_oauth):
    """A wrong client secret is refused by the login host: authenticate fails with DCAAS-6006."""
    container = sp_container(azure_oauth)
    steps = await run_test(sp_props(azure_oauth, container, clientSecret="wrong-sp-secret"))
    assert by_name(steps)["authenticate"] == ("failed", "DCAAS-6006")
    assert steps.results[2].failure_class is FailureClass.CREDENTIALS


async def test_service_principal_without_the_ca_fails_tls(azure_oauth):
    """Without rootCertificates the private CA is not trusted: DCAAS-6005 at authenticate."""
    container = sp_container(azure_oauth)
    steps = await run_test(sp_props(azure_oauth, container, rootCertificates=None))
    assert by_name(steps)["authenticate"] == ("failed", "DCAAS-6005"), steps.results


async def test_preview_with_a_selector(azurite, azure_container):
    """``file.json#path`` and ``book.xlsx#Sheet`` preview the chosen array or sheet."""
    put(azurite, azure_container, {f: format_files()[f] for f in SELECTED.values()})
    connector = AzureBlobConnector(props(azurite, azure_container), context())
    try:
        for name in SELECTED:
            assert_format_preview(await connector.preview(name, 1 << 20, 10), name)
    finally:
        await connector.aclose()
