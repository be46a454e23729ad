"""Qlik's own client, `@qlik/api` 2.19.0's `users` module (getUsers, filterUsers, getMyUser,
getUser, countUsers, and its `next` page helper), run with Node against a live dcaas on loopback.

The package is installed into ``$DCAAS_TEST_NPM_DIR`` (default ``~/.cache/dcaas-test-npm``),
outside the repository, by ``.ci/run`` or, when missing, by :mod:`tests.qlik_api`. Without
node and npm, or when the install fails (no registry), the test skips saying why, unless
``DCAAS_REQUIRE_NODE=1`` (CI) or ``DCAAS_REQUIRE_QLIK_API=1`` makes it fail.
"""

from __future__ import annotations

import json
import os
import subprocess
from typing import TYPE_CHECKING, Any

import pytest
from tests.live import live_dcaas
from tests.qlik_api import require_qlik_api

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from tests.live import Live


SCRIPT = """
import { auth } from "@qlik/api";
import users from "@qlik/api/users";
auth.setDefaultHostConfig({ host: process.env.URL, authType: "apikey", apiKey: process.env.KEY });
const me = await users.getMyUser();
const filtered = await users.getUsers({ filter: 'name eq "ALICE" or email co "bob@"' });
const posted = await users.filterUsers({ limit: 10 }, { filter: 'subject eq "bob"' });
const first = await users.getUsers({ limit: 2, sort: "+name", totalResults: true });
const second = await first.next();
const one = await users.getUser(me.data.id, {});
const count = await users.countUsersWithoutQuery();
let missing = null;
try { await users.getUser("no-such-user", {}); } catch (e) { missing = e.status; }
console.log(JSON.stringify({
  me: me.data,
  filtered: filtered.data.data.map((u) => u.subject).sort(),
  posted: posted.data.data.map((u) => u.subject),
  first: first.data.data.map((u) => u.name),
  total: first.data.totalResults,
  second: second.data.data.map((u) => u.name),
  secondHasNext: typeof second.next === "function",
  one: one.data.id,
  count: count.data.total,
  missing,
}));
"""


@pytest.fixture(scope="module")
def qlik_api() -> Path:
    """The node_modules directory holding @qlik/api (installed when missing)."""
    return require_qlik_api() / "node_modules"


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Live]:
    (tmp_path / "data").mkdir()
    with live_dcaas(tmp_path / "data") as running:
        yield running


def test_qlik_api_users_module_lists_pages_and_finds_me(
    qlik_api: Path, live: Live, tmp_path: Path
) -> None:
    """@qlik/api's users calls work unchanged: me, a SCIM filter, pages through next(),
    totalResults, getUser, countUsers, and a 404 for an unknown id."""
    (tmp_path / "node_modules").symlink_to(qlik_api)
    script = tmp_path / "users.mjs"
    script.write_text(SCRIPT)
    env = {**os.environ, "URL": live.url, "KEY": live.alice}
    run = subprocess.run(
        ["node", str(script)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    seen: dict[str, Any] = json.loads(run.stdout)
    assert seen["me"]["subject"] == "alice"
    assert seen["me"]["status"] == "active"
    assert seen["filtered"] == ["alice"]  # nobody has an e-mail: bob's is unknown
    assert seen["posted"] == ["bob"]
    assert seen["first"] == ["admin", "alice"]
    assert seen["total"] == 3
    assert seen["second"] == ["bob"]
    assert seen["secondHasNext"] is False
    assert seen["one"] == seen["me"]["id"]
    assert seen["count"] == 3
    assert seen["missing"] == 404
