"""Run a connector's test steps in order; after a failure, the rest are marked skipped."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from dcaas.connectors.base import StepFailed, Steps

Action = Callable[[], Awaitable[None]]


async def run_plan(steps: Steps, plan: Sequence[tuple[str, Action]]) -> None:
    """Run each ``(name, action)`` as one step; re-raise :class:`StepFailed` after skipping."""
    for index, (name, action) in enumerate(plan):
        try:
            async with steps.step(name):
                await action()
        except StepFailed:
            steps.skip(*(later for later, _ in plan[index + 1 :]))
            raise
