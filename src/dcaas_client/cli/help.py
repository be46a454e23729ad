"""Help that reads as words: ``TEXT``, ``INTEGER``, ``FILE`` instead of typer's ``<str>``,
``<int>``, ``<path>``; nothing after a flag instead of ``<bool>``; ``TEXT (repeatable)``
instead of ``<list[str]>``.

:class:`Typer` is ``typer.Typer`` whose commands and groups do this; every ``dcaas`` command
is made with it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

if TYPE_CHECKING:
    from collections.abc import Callable

# The contexts are typer's vendored click's (typer._click, private): typed Any here.

_WORDS = {
    "str": "TEXT",
    "int": "INTEGER",
    "int range": "INTEGER",
    "float": "NUMBER",
    "float range": "NUMBER",
    "Path": "FILE",
    "path": "FILE",
    "file": "FILE",
    "directory": "DIRECTORY",
    "bool": "",
    "datetime": "DATE",
}


def type_word(param: TyperOption | TyperArgument, ctx: Any) -> str:
    """The type of a parameter as a word (or nothing, for a flag or a named argument)."""
    if isinstance(param, TyperOption) and (param.is_flag or param.count):
        return ""
    if param.metavar is not None:
        # An option's metavar (KEY=VALUE) is its type; an argument's is its name, shown already.
        return param.metavar if isinstance(param, TyperOption) else ""
    label = param.display_type(ctx).strip("<>")
    repeatable = label.startswith("list[") and label.endswith("]")
    if repeatable:
        label = label.removeprefix("list[").removesuffix("]")
    word = label if "|" in label else _WORDS.get(label, label.upper())  # choices: table|json
    return f"{word} (repeatable)" if repeatable and word else word


class _WordOption(TyperOption):
    def display_type_rich(self, ctx: Any) -> str | None:
        return type_word(self, ctx) or None


class _WordArgument(TyperArgument):
    def display_type_rich(self, ctx: Any) -> str | None:
        return type_word(self, ctx) or None


def _in_words(params: list[Any]) -> list[Any]:
    for param in params:
        # The same object, told to describe its type in words (no other behaviour changes).
        if type(param) is TyperOption:
            param.__class__ = _WordOption
        elif type(param) is TyperArgument:
            param.__class__ = _WordArgument
    return params


class ReadableCommand(TyperCommand):
    def get_params(self, ctx: Any) -> list[Any]:
        return _in_words(super().get_params(ctx))


class ReadableGroup(TyperGroup):
    def get_params(self, ctx: Any) -> list[Any]:
        return _in_words(super().get_params(ctx))


class Typer(typer.Typer):
    """``typer.Typer`` whose commands and groups show types as words."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("cls", ReadableGroup)
        super().__init__(*args, **kwargs)

    def command(self, *args: Any, **kwargs: Any) -> Callable[[Any], Any]:
        kwargs["cls"] = kwargs.get("cls") or ReadableCommand
        return super().command(*args, **kwargs)
