"""Finding the store: one default that does not depend on the current directory, and a check
that creates nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from tests.conftest import POSTGRES_URL
from tests.sql_servers import free_port

from dcaas.config import Settings
from dcaas.kit.migrate import upgrade
from dcaas.store import (
    StoreMissing,
    StoreUnreachable,
    default_data_dir,
    describe,
    require_key_file,
    require_store,
    stray_store,
)

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DCAAS_DATA_DIR", "DCAAS_DATABASE_URL", "DCAAS_ENCRYPTION_KEY", "XDG_DATA_HOME"):
        monkeypatch.delenv(name, raising=False)


def test_default_data_dir_is_the_xdg_data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """$XDG_DATA_HOME/dcaas when XDG_DATA_HOME is set (and absolute)."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_data_dir() == tmp_path / "dcaas"
    assert Settings().data_dir == tmp_path / "dcaas"


def test_default_data_dir_falls_back_to_local_share(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Without XDG_DATA_HOME (or with a relative one), ~/.local/share/dcaas."""
    monkeypatch.setenv("HOME", str(tmp_path))
    assert default_data_dir() == tmp_path / ".local" / "share" / "dcaas"
    monkeypatch.setenv("XDG_DATA_HOME", "relative/dir")
    assert default_data_dir() == tmp_path / ".local" / "share" / "dcaas"


def test_default_store_is_the_same_from_any_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Two working directories resolve the same database URL and key file."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    seen = set()
    for here in (tmp_path / "a", tmp_path / "b"):
        here.mkdir()
        monkeypatch.chdir(here)
        settings = Settings()
        seen.add((settings.async_database_url, settings.key_file.resolve()))
    assert len(seen) == 1


def test_missing_sqlite_store_is_reported_and_not_created(tmp_path: Path) -> None:
    """No file at the data dir: StoreMissing names the path; no directory or file appears."""
    settings = Settings(data_dir=tmp_path / "nowhere")
    with pytest.raises(StoreMissing) as raised:
        require_store(settings)
    assert str(tmp_path / "nowhere" / "dcaas.db") in str(raised.value)
    assert not (tmp_path / "nowhere").exists()


def test_file_without_schema_is_not_a_store(tmp_path: Path) -> None:
    """An empty SQLite file has no dcaas schema; the hint is `dcaas migrate`."""
    (tmp_path / "dcaas.db").write_bytes(b"")
    with pytest.raises(StoreMissing) as raised:
        require_store(Settings(data_dir=tmp_path))
    assert "no dcaas schema" in str(raised.value)
    assert "dcaas migrate" in raised.value.hint


def test_store_behind_the_code_asks_for_migrate(tmp_path: Path) -> None:
    """A store at an older schema revision names both revisions and the fix."""
    settings = Settings(data_dir=tmp_path)
    upgrade(settings.async_database_url, "0002")
    with pytest.raises(StoreMissing) as raised:
        require_store(settings)
    assert "revision 0002" in str(raised.value)
    assert "dcaas migrate" in raised.value.hint


def test_migrated_store_passes(tmp_path: Path) -> None:
    """A store at the current revision is accepted."""
    settings = Settings(data_dir=tmp_path)
    upgrade(settings.async_database_url)
    require_store(settings)


def test_missing_key_file_is_reported_not_made(tmp_path: Path) -> None:
    """Commands that use keys refuse a data dir without keys.json, and create none."""
    with pytest.raises(StoreMissing) as raised:
        require_key_file(Settings(data_dir=tmp_path))
    assert "keys.json" in str(raised.value)
    assert not (tmp_path / "keys.json").exists()


def test_unreachable_database_server_is_its_own_error(tmp_path: Path) -> None:
    """A PostgreSQL URL on a closed port: StoreUnreachable, without the password."""
    url = f"postgresql://u:hunter2-Zz9@127.0.0.1:{free_port()}/db"
    with pytest.raises(StoreUnreachable) as raised:
        require_store(Settings(data_dir=tmp_path, database_url=url))
    assert "hunter2" not in str(raised.value)
    assert "ConnectionRefusedError" in str(raised.value)


@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES_URL, reason="needs DCAAS_TEST_POSTGRES_URL")
def test_missing_postgres_database_is_missing_not_unreachable(tmp_path: Path) -> None:
    """A server that answers but lacks the database: StoreMissing."""
    assert POSTGRES_URL
    url = POSTGRES_URL.rsplit("/", 1)[0] + "/dcaas_no_such_database"
    with pytest.raises(StoreMissing) as raised:
        require_store(Settings(data_dir=tmp_path, database_url=url))
    assert "dcaas_no_such_database" in str(raised.value)


def test_describe_hides_the_password(tmp_path: Path) -> None:
    """The store in words never shows a database password."""
    settings = Settings(data_dir=tmp_path, database_url="postgresql://u:s3cret-Pw@db/dcaas")
    assert describe(settings) == "PostgreSQL postgresql://u:***@db/dcaas"
    assert describe(Settings(data_dir=tmp_path)) == f"SQLite {tmp_path / 'dcaas.db'}"


def test_old_default_store_in_cwd_is_pointed_out(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """./data/dcaas.db (the earlier default) is found and named when the default is used."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "dcaas.db").write_bytes(b"")
    assert stray_store(Settings()) == tmp_path / "data" / "dcaas.db"
    with pytest.raises(StoreMissing) as raised:
        require_store(Settings())
    assert f"DCAAS_DATA_DIR={tmp_path / 'data'}" in raised.value.hint
    assert stray_store(Settings(data_dir=tmp_path / "other")) is None  # chosen: no hint
