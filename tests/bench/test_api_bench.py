"""bench/api_bench.py keeps measuring the configuration the README recommends for production.

The benchmark is run by hand (it needs wrk and minutes of a quiet machine), so nothing ran it
when serving outside development started to require DCAAS_PUBLIC_URL or DCAAS_ALLOWED_HOSTS:
its server then exited at start. This checks its settings the way ``dcaas serve`` does.
"""

from __future__ import annotations

import base64
import os
import secrets
from typing import TYPE_CHECKING

import pytest
from bench.api_bench import Store, server_env

from dcaas.exits import load_settings

if TYPE_CHECKING:
    from pathlib import Path


@pytest.mark.parametrize(
    ("kind", "url"),
    [("sqlite", "sqlite:///bench.db"), ("postgresql", "postgresql://u@127.0.0.1:5432/bench")],
)
def test_the_benchmarked_server_passes_the_production_checks(
    kind: str, url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = base64.b64encode(secrets.token_bytes(32)).decode()
    env = server_env(Store(kind, url, tmp_path), key, "redis://127.0.0.1:6379/0")
    for name in os.environ:
        if name.startswith("DCAAS_"):
            monkeypatch.delenv(name)
    for name, value in env.items():
        if name.startswith("DCAAS_"):
            monkeypatch.setenv(name, value)
    settings = load_settings()
    assert settings.serving_problems() == []
    assert (settings.env, settings.log_format, settings.rate_limit_enabled) == (
        "production",
        "json",
        True,
    )
    assert (settings.redis_url is not None) == (kind == "postgresql")
