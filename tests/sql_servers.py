"""Real SQL servers for connector tests, on 127.0.0.1.

* :func:`postgres_cluster`: a throwaway PostgreSQL cluster (initdb as user postgres) on a
  free port with scram-sha-256 passwords and TLS from a CA made for the test, so a wrong
  password really fails (the machine's own server trusts everyone). Stopped and removed
  afterwards.
* :func:`mariadb_account`: a throwaway user with a password and a throwaway database on the
  MariaDB server at 127.0.0.1:3306, dropped afterwards.

Both fill schema ``sales`` (tables t1..t5, a view and a table named ``we"ird``).
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import tempfile
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import aiomysql
import asyncpg
from tests import rest_server

if TYPE_CHECKING:
    from collections.abc import Iterator

PASSWORD = "sql-password-Mn5"
TABLES = ["t1", "t2", "t3", "t4", "t5", "v1", 'we"ird']


@dataclass
class Db:
    port: int
    user: str
    password: str
    database: str
    schema: str
    ca_pem: str | None = None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_postgres(*args: str) -> None:
    subprocess.run(
        ["runuser", "-u", "postgres", "--", *args], check=True, capture_output=True, timeout=120
    )


_PG_FILL = [
    "CREATE SCHEMA sales",
    *[f"CREATE TABLE sales.{t} (id int PRIMARY KEY, name text)" for t in TABLES[:5]],
    "CREATE VIEW sales.v1 AS SELECT id FROM sales.t1",
    'CREATE TABLE sales."we""ird" (x int)',
    (
        "ALTER TABLE sales.t1 ADD COLUMN price numeric(8,2), ADD COLUMN at timestamptz, "
        "ADD COLUMN raw bytea"
    ),
    (
        "INSERT INTO sales.t1 SELECT i, 'name ' || i, i * 1.5, '2024-01-02T03:04:05Z', "
        "'\\x00ff' FROM generate_series(1, 30) AS i"
    ),
    'INSERT INTO sales."we""ird" VALUES (7)',
]


@contextmanager
def postgres_cluster() -> Iterator[Db]:
    """A scram-sha-256, TLS-enabled PostgreSQL cluster with role ``shop`` and db ``shop``."""
    bindir = str(max(Path("/usr/lib/postgresql").glob("*/bin")))
    base = Path(tempfile.mkdtemp(prefix="dcaas-pg-"))
    base.chmod(0o755)
    (base / "pw").write_text("super-" + PASSWORD)
    context, ca = rest_server.make_tls(base)
    del context
    (base / "server.key").chmod(0o600)
    for path in (base, *base.iterdir()):
        shutil.chown(path, "postgres", "postgres")
    data, port = base / "data", free_port()
    _as_postgres(
        f"{bindir}/initdb",
        "-D",
        str(data),
        "-U",
        "postgres",
        "-A",
        "scram-sha-256",
        "--pwfile",
        str(base / "pw"),
        "--no-sync",
    )
    # Role "legacy" signs in with MD5, as Redshift's drivers do (redshift_connector cannot
    # read PostgreSQL's SCRAM mechanism list); every other role uses scram-sha-256.
    hba = data / "pg_hba.conf"
    hba.write_text("host all legacy 127.0.0.1/32 md5\n" + hba.read_text())
    options = (
        f"-h 127.0.0.1 -p {port} -k {base} -c ssl=on -c fsync=off "
        f"-c ssl_cert_file={base}/server.pem -c ssl_key_file={base}/server.key"
    )
    _as_postgres(
        f"{bindir}/pg_ctl", "-D", str(data), "-o", options, "-l", str(base / "log"), "-w", "start"
    )
    try:
        asyncio.run(_pg_setup(port))
        yield Db(port, "shop", PASSWORD, "shop", "sales", ca)
    finally:
        _as_postgres(f"{bindir}/pg_ctl", "-D", str(data), "-m", "immediate", "stop")
        shutil.rmtree(base, ignore_errors=True)


async def _pg_setup(port: int) -> None:
    admin = await asyncpg.connect(
        host="127.0.0.1",
        port=port,
        user="postgres",
        ssl=False,
        password="super-" + PASSWORD,
        database="postgres",
    )
    await admin.execute(f"CREATE ROLE shop LOGIN PASSWORD '{PASSWORD}'")
    await admin.execute("CREATE DATABASE shop OWNER shop")
    await admin.close()
    conn = await asyncpg.connect(
        host="127.0.0.1", port=port, user="shop", password=PASSWORD, database="shop", ssl=False
    )
    for statement in _PG_FILL:
        await conn.execute(statement)
    await conn.close()
    admin = await asyncpg.connect(
        host="127.0.0.1",
        port=port,
        user="postgres",
        password="super-" + PASSWORD,
        database="shop",
        ssl=False,
    )
    for statement in (
        "SET password_encryption = 'md5'",
        f"CREATE ROLE legacy LOGIN PASSWORD '{PASSWORD}'",
        "GRANT USAGE ON SCHEMA sales TO legacy",
        "GRANT SELECT ON ALL TABLES IN SCHEMA sales TO legacy",
    ):
        await admin.execute(statement)
    await admin.close()


async def _maria(sql: list[str], database: str | None = None) -> None:
    conn = await aiomysql.connect(
        host="127.0.0.1", port=3306, user="root", password="", db=database, autocommit=True
    )
    async with conn.cursor() as cursor:
        for statement in sql:
            await cursor.execute(statement)
    conn.close()


@contextmanager
def mariadb_account() -> Iterator[Db]:
    """A user with a password and a database (``sales`` schema = database) on MariaDB."""
    suffix = uuid.uuid4().hex[:10]
    user, database = f"dcaas_u_{suffix}", f"dcaas_t_{suffix}"
    hosts = ("%", "localhost", "127.0.0.1")
    create = [f"CREATE DATABASE `{database}`"]
    for host in hosts:
        create += [
            f"CREATE USER '{user}'@'{host}' IDENTIFIED BY '{PASSWORD}'",
            f"GRANT ALL ON `{database}`.* TO '{user}'@'{host}'",
        ]
    fill = [
        *[f"CREATE TABLE {t} (id int PRIMARY KEY, name text)" for t in TABLES[:5]],
        "CREATE VIEW v1 AS SELECT id FROM t1",
        'CREATE TABLE `we"ird` (x int)',
        "INSERT INTO t1 VALUES (1, 'one'), (2, 'two'), (3, 'three')",
    ]
    asyncio.run(_maria(create))
    try:
        asyncio.run(_maria(fill, database))
        yield Db(3306, user, PASSWORD, database, database)
    finally:
        drop = [
            f"DROP DATABASE IF EXISTS `{database}`",
            *[f"DROP USER IF EXISTS '{user}'@'{h}'" for h in hosts],
        ]
        asyncio.run(_maria(drop))
