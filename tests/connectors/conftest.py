"""Servers shared by the connector tests of a session: each costs seconds to start."""

from __future__ import annotations

import asyncio
import uuid
from typing import TYPE_CHECKING

import pytest
from tests import sql_servers
from tests.connectors.sql.live import Athena, fakesnow_server, start_athena

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.sql_servers import Db


@pytest.fixture(scope="session")
def pg() -> Iterator[Db]:
    """A scram-sha-256, TLS-enabled PostgreSQL cluster (see tests/sql_servers.py)."""
    with sql_servers.postgres_cluster() as db:
        yield db


@pytest.fixture(scope="session")
def maria() -> Iterator[Db]:
    """A user and a database on the local MariaDB."""
    with sql_servers.mariadb_account() as db:
        yield db


@pytest.fixture(scope="session")
def fakesnow_port() -> Iterator[int]:
    """fakesnow's server with database SHOP and schema SALES (tests/connectors/sql/live.py)."""
    with fakesnow_server() as port:
        yield port


@pytest.fixture(scope="session")
def athena() -> Iterator[Athena]:
    """moto's Athena and S3 with signature checking, a results bucket and three databases."""
    with start_athena() as server:
        yield server


@pytest.fixture(scope="session")
def odd_maria(maria: Db) -> Iterator[str]:
    """A MariaDB database with tables named a%b and q?x, readable by the test user."""
    name = "dcaas_q_" + uuid.uuid4().hex[:10]
    asyncio.run(
        sql_servers._maria(
            [
                f"CREATE DATABASE `{name}`",
                f"CREATE TABLE `{name}`.`a%b` (x int)",
                f"CREATE TABLE `{name}`.`q?x` (x int)",
                f"INSERT INTO `{name}`.`a%b` VALUES (5)",  # noqa: S608 - the test's own names
                f"INSERT INTO `{name}`.`q?x` VALUES (6)",  # noqa: S608
                *[
                    f"GRANT SELECT ON `{name}`.* TO '{maria.user}'@'{h}'"
                    for h in ("%", "localhost")
                ],
            ]
        )
    )
    yield name
    asyncio.run(sql_servers._maria([f"DROP DATABASE IF EXISTS `{name}`"]))
