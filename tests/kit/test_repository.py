"""Tenant scope in one helper: no predicate written by hand, and another tenant's rows invisible
to every repository built on the base (reads, updates and deletes)."""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import grimp
import pytest
from sqlalchemy import inspect, select
from tests.test_seeds import SEEDS

from dcaas.api_key.repository import ApiKeyRepository
from dcaas.audit.repository import AuditRepository
from dcaas.connection.repository import ConnectionRepository
from dcaas.credential.repository import CredentialRepository
from dcaas.datasource.repository import DataSourceSettingRepository, GatewayRepository
from dcaas.engine.repository import EndpointRepository, ReleaseRepository, StatementRepository
from dcaas.idempotency.repository import IdempotencyRepository
from dcaas.kit.db import transaction
from dcaas.kit.repository import RepositoryBase
from dcaas.space.repository import SpaceRepository
from dcaas.tenant.models import Tenant, User
from dcaas.tenant.repository import UserRepository
from dcaas.webhook.repository import DeliveryRepository, WebhookRepository

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy.ext.asyncio import AsyncSession
    from tests.conftest import Api

CREATED = "com.qlik.v1.data-connection.created"
# The webhook of the rows below posts to loopback (it is never delivered in these tests).
pytestmark = pytest.mark.settings(outbound_allow="127.0.0.1/32")
SRC = Path(__file__).resolve().parents[2] / "src"
HAND_WRITTEN = re.compile(r"tenant_id\s*(==|!=)|(==|!=)\s*[\w.]*\btenant_id\b")
# Repositories that read another domain's table, and why.
FOREIGN_TABLES = {
    ("connection", "space"): "a connection is read with its space, which decides who sees it",
    ("keys", "connection"): "the operator's key rotation re-wraps every sealed column",
    ("keys", "credential"): "ditto",
    ("keys", "webhook"): "ditto (a webhook's secret and encrypted headers)",
    ("engine", "connection"): "the engine endpoint finds a connection by its connect statement",
    ("console", "tenant"): "a cookie resolves to its session, user and tenant in one query",
    ("console", "api_key"): "ditto, with the key it was signed in with (a revoked key ends it)",
}


def _repositories() -> set[type[RepositoryBase[Any]]]:
    """Every repository on the base, in any domain's repository module."""
    for path in sorted((SRC / "dcaas").glob("*/repository.py")):
        importlib.import_module(f"dcaas.{path.parent.name}.repository")
    return set(RepositoryBase.__subclasses__())


def test_no_tenant_predicate_written_by_hand() -> None:
    """Only kit/repository.py builds the tenant predicate; no module compares tenant_id."""
    found = [
        f"{path.relative_to(SRC)}:{n}: {line.strip()}"
        for path in sorted(SRC.rglob("*.py"))
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if HAND_WRITTEN.search(line.split("#", 1)[0])
    ]
    assert not found, "\n".join(found)


def test_repositories_query_their_own_domain() -> None:
    """A repository imports its own domain's models only (the listed joins aside)."""
    graph = grimp.build_graph("dcaas", exclude_type_checking_imports=True, cache_dir=None)
    foreign = []
    for module in sorted(m for m in graph.modules if m.endswith(".repository")):
        domain = module.split(".")[1]
        for imported in graph.find_modules_directly_imported_by(module):
            parts = imported.split(".")
            other = parts[-1] == "models" and parts[1] not in (domain, "kit")
            if other and (domain, parts[1]) not in FOREIGN_TABLES:
                foreign.append(f"{module} imports {imported}")
    assert not foreign, foreign


async def _acme_rows(api: Api) -> None:
    """Rows of every repository's models for tenant acme, made through the API."""
    alice, admin = api.h(api.alice), api.h(api.admin)
    hook = {"name": "h", "url": "http://127.0.0.1:9/hook", "eventTypes": [CREATED]}
    made = await api.client.post("/api/v1/webhooks", json=hook, headers=admin)
    assert made.status_code == 201, made.text
    gateway = {"name": "gw", "dataSources": ["DG_postgres"]}
    made = await api.client.post("/api/v1/gateways", json=gateway, headers=admin)
    assert made.status_code == 201, made.text
    endpoint = {"dataSourceId": "rest", "url": "grpc://engine.example:50051"}
    made = await api.client.post("/api/v1/data-sources/endpoints", json=endpoint, headers=admin)
    assert made.status_code == 201, made.text
    source, props = next(iter(SEEDS.items()))
    body = {"datasourceID": source, "qName": "scoped", "connectionProperties": props}
    made = await api.client.post(
        "/api/v1/data-connections", json=body, headers={**alice, "Idempotency-Key": "k-1"}
    )
    assert made.status_code == 201, made.text
    space = await api.client.post("/api/v1/spaces", json={"name": "team"}, headers=alice)
    assert space.status_code == 201, space.text
    async with transaction(api.app.state.dcaas.sessions) as db:  # type: ignore[attr-defined]
        bob = await db.scalar(select(User.id).where(User.subject == "bob"))
    assigned = await api.client.post(
        f"/api/v1/spaces/{space.json()['id']}/assignments",
        json={"assigneeId": bob, "roles": ["consumer"]},
        headers=alice,
    )
    assert assigned.status_code == 201, assigned.text
    key = await api.client.post("/api/v1/api-keys", json={}, headers=alice)
    assert key.status_code == 201, key.text
    setting = await api.client.put(
        "/api/v1/data-sources/rest/settings", json={"disabled": True}, headers=admin
    )
    assert setting.status_code == 200, setting.text
    engine = await api.client.post("/api/v1/api-keys", json={"scopes": ["engine"]}, headers=admin)
    assert engine.status_code == 201, engine.text
    asked = {"connectionId": made.json()["id"]}  # alice's: refused to admin, still recorded
    await api.client.post(
        "/api/v1/data-sources/endpoints/actions/filter",
        json=asked,
        headers=api.h(engine.json()["token"]),
    )


def _builders(
    db: AsyncSession, tenant: str, user: str
) -> dict[type[RepositoryBase[Any]], Callable[[], RepositoryBase[Any]]]:
    """Every repository on the base, for one tenant (and, where it narrows, one user)."""
    return {
        ApiKeyRepository: lambda: ApiKeyRepository(db, tenant),
        ConnectionRepository: lambda: ConnectionRepository(db, tenant),
        CredentialRepository: lambda: CredentialRepository(db, tenant, None),
        DataSourceSettingRepository: lambda: DataSourceSettingRepository(db, tenant),
        IdempotencyRepository: lambda: IdempotencyRepository(db, tenant, user),
        SpaceRepository: lambda: SpaceRepository(db, tenant),
        UserRepository: lambda: UserRepository(db, tenant),
        AuditRepository: lambda: AuditRepository(db, tenant),
        GatewayRepository: lambda: GatewayRepository(db, tenant),
        EndpointRepository: lambda: EndpointRepository(db, tenant),
        ReleaseRepository: lambda: ReleaseRepository(db, tenant),
        StatementRepository: lambda: StatementRepository(db, tenant),
        WebhookRepository: lambda: WebhookRepository(db, tenant),
        DeliveryRepository: lambda: DeliveryRepository(db, tenant),
    }


async def _ids(db: AsyncSession) -> tuple[str, str, str, str]:
    acme = await db.scalar(select(Tenant.id).where(Tenant.name == "acme"))
    evil = await db.scalar(select(Tenant.id).where(Tenant.name == "evil"))
    alice = await db.scalar(select(User.id).where(User.subject == "alice"))
    mallory = await db.scalar(select(User.id).where(User.subject == "mallory"))
    ids = (acme, evil, alice, mallory)
    assert all(ids), ids
    return acme, evil, alice, mallory


async def test_every_repository_sees_only_its_tenant(api: Api) -> None:
    """Each repository on the base reads its tenant's rows, and none of another tenant's."""
    await _acme_rows(api)
    async with transaction(api.app.state.dcaas.sessions) as db:  # type: ignore[attr-defined]
        acme, evil, alice, mallory = await _ids(db)
        mine, theirs = _builders(db, acme, alice), _builders(db, evil, mallory)
        assert set(mine) == _repositories(), "a new repository: add it to _builders"
        for cls in mine:
            own = (await db.scalars(mine[cls]().readable())).all()
            assert own, f"{cls.__name__}: acme has rows to hide"
            assert {row.tenant_id for row in own} == {acme}, cls.__name__
            seen = (await db.scalars(theirs[cls]().readable())).all()
            assert all(row.tenant_id == evil for row in seen), cls.__name__
            keys = {inspect(row).identity for row in own}
            assert not keys & {inspect(row).identity for row in seen}, cls.__name__


async def test_other_tenants_rows_survive_every_scoped_delete(api: Api) -> None:
    """A DELETE built from another tenant's repository touches none of acme's rows."""
    await _acme_rows(api)
    sessions = api.app.state.dcaas.sessions  # type: ignore[attr-defined]
    async with transaction(sessions) as db:
        acme, evil, alice, mallory = await _ids(db)
        mine, theirs = _builders(db, acme, alice), _builders(db, evil, mallory)
        before = {cls: len((await db.scalars(mine[cls]().readable())).all()) for cls in mine}
        nested = await db.begin_nested()
        for cls in theirs:
            if cls.__name__ != "UserRepository":  # mallory must stay to be counted
                await db.execute(theirs[cls]().deleting())
        after = {cls: len((await db.scalars(mine[cls]().readable())).all()) for cls in mine}
        await nested.rollback()
    assert after == before


async def test_get_by_id_across_tenants_is_none(api: Api) -> None:
    """Another tenant's repository does not find acme's connection, space, key or user by id."""
    await _acme_rows(api)
    async with transaction(api.app.state.dcaas.sessions) as db:  # type: ignore[attr-defined]
        acme, evil, alice, mallory = await _ids(db)
        mine, theirs = _builders(db, acme, alice), _builders(db, evil, mallory)
        for cls in mine:
            if not hasattr(cls, "get") or cls.__name__ in {
                "DataSourceSettingRepository",  # found by (tenant, source): no id to steal
                "IdempotencyRepository",  # found by (tenant, user, key)
                "DeliveryRepository",  # found by (webhook, delivery): tested by WebhookRepository
            }:
                continue
            row = (await db.scalars(mine[cls]().readable())).first()
            assert row is not None
            assert await mine[cls]().get(row.id) is not None, cls.__name__
            assert await theirs[cls]().get(row.id) is None, cls.__name__
