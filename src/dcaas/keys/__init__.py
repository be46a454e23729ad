"""Key-encryption keys: choosing the provider, rotation, re-wrapping, status and retirement."""

from dcaas.keys.providers import build_provider, key_admin
from dcaas.keys.service import (
    KeyStatus,
    RewrapOptions,
    RewrapProgress,
    retire,
    rewrap,
    rotate,
    status,
)

__all__ = [
    "KeyStatus",
    "RewrapOptions",
    "RewrapProgress",
    "build_provider",
    "key_admin",
    "retire",
    "rewrap",
    "rotate",
    "status",
]
