"""Adds ``RateLimit-*`` headers to every answer of a request that was counted, errors too."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import MutableHeaders

from dcaas.ratelimit.limiter import SCOPE_KEY, Quota


class RateLimitHeaders:
    """Pure ASGI: reads the quota the auth dependency left in the scope when the answer starts."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_quota(message: dict[str, Any]) -> None:
            quota = scope.get(SCOPE_KEY)
            if message["type"] == "http.response.start" and isinstance(quota, Quota):
                message["headers"] = list(message.get("headers", []))
                headers = MutableHeaders(scope=message)
                for name, value in quota.headers().items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_quota)
