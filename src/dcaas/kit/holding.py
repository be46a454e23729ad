"""Hold each answer until the request's unit of work has committed.

FastAPI closes a request's dependencies (our session: commit or roll back) only after the
route has sent its answer. Sent straight through, a client could see a 201 for a write that
then fails to commit, or read the old state right after a 201. This middleware keeps the
answer's messages until the route (dependencies included) has finished, then sends them; if
the commit fails, nothing was sent and the error handlers answer instead.

Inside it, the Idempotency-Key capture still sees the answer before the commit, so the first
answer is stored in the same transaction as the work it describes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Message = MutableMapping[str, Any]
ASGIApp = Callable[[MutableMapping[str, Any], Any, Any], Awaitable[None]]


class HoldAnswer:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        held: list[Message] = []

        async def hold(message: Message) -> None:
            held.append(message)

        await self.app(scope, receive, hold)
        for message in held:
            await send(message)
