"""A re-wrap's progress: a bar on a terminal, plain lines otherwise."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import Progress

from dcaas.keys.progress import Reporter
from dcaas.keys.service import RewrapProgress

if TYPE_CHECKING:
    import pytest


def test_not_a_terminal_prints_a_line_per_batch(capsys: pytest.CaptureFixture[str]) -> None:
    """Without a terminal each batch is one plain line on stdout, nothing on stderr."""
    with Reporter.for_terminal() as reporter:
        reporter.start(400)
        reporter.batch(RewrapProgress(moved=200))
        reporter.batch(RewrapProgress(moved=390, changed_meanwhile=7, failed=3))
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        "re-wrapped 200 (changed meanwhile 0, failed 0)",
        "re-wrapped 390 (changed meanwhile 7, failed 3)",
    ]
    assert err == ""


def test_terminal_bar_counts_every_record_handled() -> None:
    """On a terminal the bar's total is the records to move; each batch advances it."""
    screen = io.StringIO()
    bar = Progress(console=Console(file=screen, force_terminal=True, width=100))
    with Reporter(bar) as reporter:
        reporter.start(400)
        reporter.batch(RewrapProgress(moved=200))
        reporter.batch(RewrapProgress(moved=390, changed_meanwhile=7, failed=3))
        (task,) = bar.tasks
        assert (task.completed, task.total) == (400, 400)
    assert "re-wrapped" not in screen.getvalue().replace("re-wrapping", "")
