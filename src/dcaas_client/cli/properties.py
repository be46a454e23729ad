"""Connection properties from the command line: ``--set key=value``, ``--file``, or prompts
driven by the data source's api-spec (secret properties are read without echo)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from dcaas_client.cli.common import usage

if TYPE_CHECKING:
    from dcaas_client.models import ApiSpec


def parse_value(raw: str) -> Any:
    """JSON when the text is valid JSON (numbers, booleans, arrays, objects), else the text."""
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def parse_sets(pairs: list[str]) -> dict[str, Any]:
    """``key=value`` pairs; the first ``=`` separates key and value."""
    props: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key.strip():
            raise usage(f"--set expects key=value, got {pair.split('=')[0]!r}...")
        props[key.strip()] = parse_value(raw)
    return props


def read_file(path: Path) -> dict[str, Any]:
    """A JSON object of properties, or a whole create body holding ``connectionProperties``."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise usage(f"cannot read {path}: {type(exc).__name__}") from None
    if not isinstance(data, dict):
        raise usage(f"{path} must hold a JSON object")
    return data


def kind(schema: dict[str, Any]) -> str:
    """The JSON type of a property, looking through ``anyOf [T, null]``."""
    if "type" in schema:
        return str(schema["type"])
    for option in schema.get("anyOf", []):
        if option.get("type") not in (None, "null"):
            return str(option["type"])
    return "string"


def _ask(name: str, schema: dict[str, Any], *, secret: bool) -> Any:
    label = f"{name} ({schema['description']})" if schema.get("description") else name
    if schema.get("format") == "file":
        path = Path(typer.prompt(f"{label}: path to the file"))
        try:
            content = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise usage(f"cannot read {path}: {type(exc).__name__}") from None
        return [{"name": path.name, "value": content}]
    raw: str = typer.prompt(label, hide_input=secret)
    return raw if kind(schema) == "string" else parse_value(raw)


def prompt_missing(spec: ApiSpec, props: dict[str, Any]) -> dict[str, Any]:
    """Prompt for each required property not given yet; secrets are not echoed."""
    filled = dict(props)
    ordered = [n for n in spec.properties if n in spec.required]  # the spec's own order
    for name in ordered + [n for n in spec.required if n not in ordered]:
        if name not in filled:
            filled[name] = _ask(name, spec.properties.get(name, {}), secret=spec.is_secret(name))
    return filled
