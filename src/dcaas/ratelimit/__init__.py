"""Qlik's per-tier request limits: counted per tenant and user, shared through Redis."""

from dcaas.ratelimit.limiter import LimiterStatus, Quota, RateLimiter, enforce

__all__ = ["LimiterStatus", "Quota", "RateLimiter", "enforce"]
