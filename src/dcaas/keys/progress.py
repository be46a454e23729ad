"""How a re-wrap shows its progress: a bar on a terminal, one line per batch otherwise (logs,
scripts and pipes get plain lines that never redraw)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Self

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

if TYPE_CHECKING:
    from types import TracebackType

    from dcaas.keys.service import RewrapProgress


class Reporter:
    """Receives the re-wrap's start (records to move) and each batch's running tally."""

    def __init__(self, bar: Progress | None) -> None:
        self._bar = bar
        self._task = bar.add_task("re-wrapping", total=None) if bar is not None else None

    @classmethod
    def for_terminal(cls) -> Reporter:
        """A bar on stderr when stderr is a terminal; plain lines on stdout otherwise."""
        if not sys.stderr.isatty():
            return cls(None)
        columns = (
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        return cls(Progress(*columns, console=Console(stderr=True), transient=True))

    def start(self, total: int) -> None:
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, total=total)

    def batch(self, progress: RewrapProgress) -> None:
        done = progress.moved + progress.changed_meanwhile + progress.failed
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, completed=done)
            return
        typer.echo(
            f"re-wrapped {progress.moved} (changed meanwhile {progress.changed_meanwhile}, "
            f"failed {progress.failed})"
        )

    def __enter__(self) -> Self:
        if self._bar is not None:
            self._bar.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._bar is not None:
            self._bar.stop()
