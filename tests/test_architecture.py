"""The architecture's rules, checked: layering, no import cycles, no import hidden in a function."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"

# The only imports of our own modules made inside a function, each for load time (never to
# dodge a cycle: the graph test below sees these imports and would report one).
DEFERRED_OWN_IMPORTS = {
    ("dcaas/cli.py", "dcaas.app"): "the client commands start without the server's parts",
    ("dcaas/cli.py", "dcaas.bootstrap"): "ditto",
    ("dcaas/keys/providers.py", "dcaas.kit.kms"): "boto3 loads only when KMS is configured",
    ("dcaas/exits.py", "dcaas.kit.migrate"): "Alembic loads only when migrating",
}


def _sources() -> list[Path]:
    return sorted(p for pkg in ("dcaas", "dcaas_client") for p in (SRC / pkg).rglob("*.py"))


def _imports_in_functions(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import statement inside a function of ``path``."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for inner in ast.walk(node):
            if isinstance(inner, ast.Import):
                found.extend((inner.lineno, alias.name) for alias in inner.names)
            elif isinstance(inner, ast.ImportFrom):
                found.append((inner.lineno, "." * inner.level + (inner.module or "")))
    return found


def test_import_contracts_hold() -> None:
    """import-linter's contracts in pyproject.toml are kept (kit domain-free, endpoints apart)."""
    linter = Path(sys.executable).parent / "lint-imports"
    done = subprocess.run(
        [str(linter), "--no-cache", "--no-logo"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_no_module_import_cycle() -> None:
    """No module of dcaas or dcaas_client reaches itself through the imports that run."""
    graph = grimp.build_graph(
        "dcaas", "dcaas_client", exclude_type_checking_imports=True, cache_dir=None
    )
    cycles = []
    for module in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            back = graph.find_shortest_chain(importer=imported, imported=module)
            if back is not None:
                cycles.append(" -> ".join((module, *back)))
    assert not cycles, "\n".join(cycles)


def test_imports_inside_functions_are_few_and_say_why() -> None:
    """An import inside a function says why (noqa with a reason); ours only where listed."""
    problems = []
    for path in _sources():
        lines = path.read_text().splitlines()
        rel = path.relative_to(SRC).as_posix()
        for lineno, module in _imports_in_functions(path):
            line = lines[lineno - 1]
            if "noqa: PLC0415 - " not in line:
                problems.append(f"{rel}:{lineno} {module}: no `# noqa: PLC0415 - <why>`")
            own = module.startswith((".", "dcaas"))
            if own and (rel, module) not in DEFERRED_OWN_IMPORTS:
                problems.append(f"{rel}:{lineno} imports {module} inside a function")
    assert not problems, "\n".join(problems)


def test_kit_reads_no_app_state() -> None:
    """kit is domain-free: what it needs is passed in, never read from the app's state."""
    readers = [
        f"{p.relative_to(SRC)}:{n}"
        for p in sorted((SRC / "dcaas" / "kit").glob("*.py"))
        for n, line in enumerate(p.read_text().splitlines(), 1)
        if "app.state" in line or "request.app" in line
    ]
    assert not readers, readers


def test_legacy_endpoints_import_no_endpoints_module() -> None:
    """The deprecated API shares pieces through neutral modules, not the current API's."""
    path = SRC / "dcaas" / "connection" / "legacy_endpoints.py"
    imported = {
        node.module
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.ImportFrom) and node.module
    }
    assert not {m for m in imported if m.endswith("endpoints")}, imported
