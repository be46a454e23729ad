"""The sync client against a real dcaas over HTTP: every endpoint, one lifecycle per resource."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import pytest

from dcaas_client import (
    ApiKeyCreate,
    AssignmentCreate,
    AuthenticationError,
    BulkUpdateItem,
    Client,
    ConnectionCreate,
    ConnectionCreated,
    ConnectionUpdate,
    CredentialUpdate,
    DuplicateRequest,
    NotFoundError,
    OrphanFilter,
    PatchOp,
    PropertiesConnectionCreate,
    SpaceCreate,
    SpaceUpdate,
)
from dcaas_client.models import BulkItemRef

if TYPE_CHECKING:
    from tests.live import Live

SECRET = "sdk-secret-Qw9z"


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _rest(name: str, **props: object) -> PropertiesConnectionCreate:
    props = {"url": "https://example.com/a", **props}
    return PropertiesConnectionCreate(qName=name, datasourceID="rest", connectionProperties=props)


def _created(result: object) -> ConnectionCreated:
    assert isinstance(result, ConnectionCreated)
    return result


@pytest.fixture
def alice(live: Live) -> Client:
    with Client(live.url, live.alice) as client:
        yield client


@pytest.fixture
def admin(live: Live) -> Client:
    with Client(live.url, live.admin) as client:
        yield client


def test_create_from_properties_get_patch_and_delete(alice: Client) -> None:
    """A properties create round-trips through get (parsed), patch and delete."""
    made = _created(alice.connections.create(_rest(_name("props"), password=SECRET)))
    assert made.datasourceID == "rest"
    assert made.qCredentialsID
    got = alice.connections.get(made.qID, parse_connection=True)
    assert got.connectionProperties == {"url": "https://example.com/a"}
    alice.connections.patch(
        made.qID, [PatchOp(op="add", path="/connectionProperties/timeout", value=10)]
    )
    props = alice.connections.get(made.qID, parse_connection=True).connectionProperties
    assert props is not None
    assert props["timeout"] == 10
    alice.connections.delete(made.qID)
    with pytest.raises(NotFoundError):
        alice.connections.get(made.qID)


def test_get_by_name(alice: Client) -> None:
    """A connection is found by its name with ``by_name``."""
    made = _created(alice.connections.create(_rest(_name("byname"))))
    assert alice.connections.get(made.qName, by_name=True).qID == made.qID


def test_create_from_statement_and_put(alice: Client) -> None:
    """A connect-statement create, then a full replacement with PUT."""
    name = _name("stmt")
    body = ConnectionCreate(
        qName=name,
        datasourceID="rest",
        qType="QvRestConnector.exe",
        qConnectStatement='CUSTOM CONNECT TO "provider=QvRestConnector.exe;'
        'url=https://example.com/s;"',
    )
    made = _created(alice.connections.create(body))
    renamed = name + "-put"
    alice.connections.update(
        made.qID,
        ConnectionUpdate(
            qID=made.qID,
            qEngineObjectID=made.qID,
            qName=renamed,
            qType=made.qType,
            qConnectStatement=made.qConnectStatement,
        ),
    )
    assert alice.connections.get(made.qID).qName == renamed


def test_list_with_filter(alice: Client) -> None:
    """A SCIM filter narrows the list to the matching connection."""
    name = _name("filtered")
    made = _created(alice.connections.create(_rest(name)))
    page = alice.connections.list(filter=f'qName eq "{name}"', limit=5)
    assert [c.qID for c in page.data] == [made.qID]
    assert page.meta is not None
    assert page.meta.count == 1


def test_duplicate_and_bulk_actions(alice: Client, admin: Client) -> None:
    """Duplicate copies a connection; an admin's bulk update renames it, bulk delete removes
    both (Qlik's bulk actions are admin-only)."""
    made = _created(alice.connections.create(_rest(_name("orig"), password=SECRET)))
    copy = alice.connections.duplicate(DuplicateRequest(id=made.qID, name=made.qName + "-copy"))
    assert copy.qID != made.qID
    assert copy.qName == made.qName + "-copy"
    updated = admin.connections.update_many([BulkUpdateItem(id=copy.qID, name=made.qName + "-r")])
    assert [(i.id, i.status) for i in updated.data] == [(copy.qID, 204)]
    deleted = admin.connections.delete_many([made.qID, BulkItemRef(id=copy.qID)])
    assert {i.status for i in deleted.data} == {204}


def test_legacy_endpoints(alice: Client) -> None:
    """The deprecated dcaas create, get and api-specs work through ``client.legacy``."""
    made = alice.legacy.create(_rest(_name("legacy"), password=SECRET))
    assert not hasattr(made, "authUrl")
    got = alice.legacy.get(made.connectionId)  # type: ignore[union-attr]
    assert got.connectionProperties["url"] == "https://example.com/a"
    assert SECRET not in got.model_dump_json()
    assert alice.legacy.api_spec("rest").connectionProperties["properties"]["url"]


def test_data_sources_and_api_spec(alice: Client) -> None:
    """The catalog lists the seed sources; an api-spec marks secrets and required fields."""
    ids = {s.dataSourceId for s in alice.data_sources.list()}
    assert {"rest", "File_AmazonS3ConnectorV2", "File_FileTransferConnector"} <= ids
    spec = alice.data_sources.api_spec("File_AmazonS3ConnectorV2")
    assert "bucketName" in spec.required
    assert spec.is_secret("secretKey")
    assert not spec.is_secret("bucketName")
    assert spec.x_qlik_connector_version == spec.connectorVersion


def test_data_source_settings(admin: Client) -> None:
    """An admin disables a data source for the tenant and enables it again."""
    assert admin.data_sources.settings("GoogleCloudStorageConnector").disabled is False
    try:
        changed = admin.data_sources.set_disabled("GoogleCloudStorageConnector", disabled=True)
        assert changed.disabled
        listed = admin.data_sources.list(include_disabled=True)
        assert any(s.disabled for s in listed if s.dataSourceId == "GoogleCloudStorageConnector")
    finally:
        admin.data_sources.set_disabled("GoogleCloudStorageConnector", disabled=False)


def test_credentials_lifecycle_and_orphans(alice: Client, admin: Client) -> None:
    """A separated credential outlives its connection, shows as an orphan (to an admin:
    filter-orphan is Qlik's admin-only operation), is edited, deleted."""
    cred_name = _name("cred")
    made = _created(
        alice.connections.create(
            _rest(
                _name("sep"),
                password=SECRET,
                username="u",
                separateCredentials=True,
                credentialsName=cred_name,
            )
        )
    )
    assert made.qCredentialsID
    cred = alice.credentials.get(made.qCredentialsID)
    assert cred.qName == cred_name
    assert cred.qConnCount == 1
    assert alice.credentials.get(cred_name, by_name=True).qID == cred.qID
    alice.connections.delete(made.qID)
    assert cred.qID in {o.qID for o in admin.credentials.orphans(OrphanFilter(qSeparated=1))}
    alice.credentials.patch(cred.qID, [PatchOp(op="replace", path="/qName", value=cred_name + "p")])
    replacement = CredentialUpdate(
        qName=cred_name + "u", qType=cred.qType or "", qUsername="u2", qPassword=SECRET
    )
    alice.credentials.update(cred.qID, replacement)
    assert cred.qID in {c.qID for c in alice.credentials.iter(limit=2)}
    assert alice.credentials.list(filter=f'qName eq "{cred_name}u"').data[0].qID == cred.qID
    alice.credentials.delete(cred.qID)
    with pytest.raises(NotFoundError):
        alice.credentials.get(cred.qID)


def test_spaces_and_assignments(live: Live, alice: Client) -> None:
    """A shared space is created, renamed, given a member, emptied and deleted."""
    space = alice.spaces.create(SpaceCreate(name=_name("space"), description="d"))
    assert space.id in {s.id for s in alice.spaces.list()}
    renamed = alice.spaces.update(space.id, SpaceUpdate(name=space.name + "-r"))
    assert alice.spaces.get(space.id).name == renamed.name
    with Client(live.url, live.bob) as bob:
        bob_id = bob.spaces.list()[0].ownerId  # bob's personal space names bob
    assert bob_id
    role = AssignmentCreate(assigneeId=bob_id, roles=["consumer"])
    member = alice.spaces.assign(space.id, role)
    members = alice.spaces.assignments(space.id)
    assert [a.id for a in members if a.assigneeId == bob_id] == [member.id]
    alice.spaces.unassign(space.id, member.id)
    alice.spaces.delete(space.id)
    with pytest.raises(NotFoundError):
        alice.spaces.get(space.id)


def test_api_keys(live: Live, alice: Client) -> None:
    """A new key works at once, is listed without its secret, and stops working when revoked."""
    created = alice.api_keys.create(ApiKeyCreate(description="sdk test"))
    token = created.token.get_secret_value()
    assert token not in repr(created)
    with Client(live.url, token) as fresh:
        assert created.id in {k.id for k in fresh.api_keys.list()}
        alice.api_keys.revoke(created.id)
        with pytest.raises(AuthenticationError):
            fresh.api_keys.list()
