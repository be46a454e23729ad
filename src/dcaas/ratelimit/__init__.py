"""Qlik's per-tier request limits: counted per tenant and user, shared through Redis."""

from dcaas.ratelimit.limiter import LimiterStatus, Quota, RateLimiter, enforce
from dcaas.ratelimit.middleware import RateLimitHeaders

__all__ = ["LimiterStatus", "Quota", "RateLimitHeaders", "RateLimiter", "enforce"]
