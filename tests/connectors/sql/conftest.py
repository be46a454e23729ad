"""Servers for the SQL engine tests, shared by the session: each costs seconds to start."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from tests import sql_servers

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
