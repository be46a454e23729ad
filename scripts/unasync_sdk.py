"""Generate the synchronous SDK (``dcaas_client/_sync``) from the asynchronous one.

The async client is the one source: ``unasync`` removes ``async``/``await`` and renames
tokens by the table below, then ``ruff format`` lays the result out. Run it after changing
``src/dcaas_client/_async`` (``make sdk``); ``--check`` (run by ``make lint`` and a test)
fails when the committed ``_sync`` files differ from what generation gives.

    python scripts/unasync_sdk.py           # write src/dcaas_client/_sync
    python scripts/unasync_sdk.py --check   # exit 1, naming the stale files, if they differ
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import unasync

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "src" / "dcaas_client" / "_async"
TARGET = ROOT / "src" / "dcaas_client" / "_sync"

# Beyond unasync's own table (__aenter__, AsyncIterator, ...) and its rule that AsyncX
# becomes SyncX: the sync client keeps its public names (Client, ConnectionsAPI, ...),
# and httpx's sync classes and methods have their own names.
REPLACEMENTS = {
    "AsyncClient": "Client",  # ours, and httpx.AsyncClient -> httpx.Client
    "AsyncBaseTransport": "BaseTransport",  # httpx
    "AsyncConnectionsAPI": "ConnectionsAPI",
    "AsyncLegacyAPI": "LegacyAPI",
    "AsyncDataSourcesAPI": "DataSourcesAPI",
    "AsyncCredentialsAPI": "CredentialsAPI",
    "AsyncSpacesAPI": "SpacesAPI",
    "AsyncApiKeysAPI": "ApiKeysAPI",
    "AsyncWebhooksAPI": "WebhooksAPI",
    "_async": "_sync",  # module paths: dcaas_client._async.transport
    "aclose": "close",
    "asyncio": "time",  # asyncio.sleep -> time.sleep
}

HEADER = (
    "# Generated from src/dcaas_client/_async/{name} by scripts/unasync_sdk.py: do not edit.\n"
    "# Change the async source and run `make sdk`.\n"
)


def generate() -> dict[str, str]:
    """The text of each generated file, by file name."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "_async"
        shutil.copytree(SOURCE, work, ignore=shutil.ignore_patterns("__pycache__"))
        sources = sorted(str(p) for p in work.glob("*.py"))
        rule = unasync.Rule("/_async/", "/_sync/", additional_replacements=REPLACEMENTS)
        unasync.unasync_files(sources, [rule])
        made = sorted((Path(tmp) / "_sync").glob("*.py"))
        for path in made:
            path.write_text(HEADER.format(name=path.name) + path.read_text())
        ruff = [sys.executable, "-m", "ruff"]
        config = ["--config", str(ROOT / "pyproject.toml")]
        paths = [str(p) for p in made]
        # Renamed modules sort elsewhere (_async.x -> _sync.x): re-sort, then lay out.
        fix = ["check", "--fix-only", "--select", "I", "--quiet"]
        subprocess.run([*ruff, *fix, *config, *paths], check=True)
        subprocess.run([*ruff, "format", "--quiet", *config, *paths], check=True)
        return {p.name: p.read_text() for p in made}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args()
    wanted = generate()
    present = {p.name: p.read_text() for p in TARGET.glob("*.py")} if TARGET.is_dir() else {}
    stale = sorted(n for n in wanted.keys() | present.keys() if wanted.get(n) != present.get(n))
    if args.check:
        for name in stale:
            print(f"{TARGET / name} differs from its generated form; run `make sdk`")
        return 1 if stale else 0
    TARGET.mkdir(exist_ok=True)
    for name in stale:
        if name in wanted:
            (TARGET / name).write_text(wanted[name])
        else:
            (TARGET / name).unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
