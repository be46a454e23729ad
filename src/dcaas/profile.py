"""The development profile (``DCAAS_ENV=development``, what ``make run`` uses) and how it
differs from production, the default.

Development is for trying dcaas on one machine with local sources:

- connectors may reach loopback and private networks (:data:`DEVELOPMENT_NETWORKS`) unless
  ``DCAAS_OUTBOUND_ALLOW`` is set, which then alone decides; link-local and cloud metadata
  addresses stay refused;
- logs are text lines rather than JSON (``DCAAS_LOG_FORMAT`` still decides when set);
- ``DCAAS_JWT_HS256_SECRET`` may be short or a placeholder.

Production refuses every non-public address unless ``DCAAS_OUTBOUND_ALLOW`` lists it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dcaas.config import Settings

DEVELOPMENT = "development"
# Loopback and the private IPv4 ranges (a LAN, Docker, Kubernetes). Not fc00::/7 nor
# 100.64.0.0/10: cloud metadata services answer inside them (fd00:ec2::254, 100.100.100.200).
DEVELOPMENT_NETWORKS = "127.0.0.0/8, ::1/128, 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16"


def is_development(settings: Settings) -> bool:
    return settings.env == DEVELOPMENT


def announcement(settings: Settings) -> str | None:
    """The warning ``dcaas serve`` logs on start in development; None in production."""
    if not is_development(settings):
        return None
    networks = settings.outbound_allow or "public addresses only"
    return (
        "development profile (DCAAS_ENV=development): connectors may reach "
        f"{networks}; text logs; placeholder JWT secrets accepted. "
        "Not for production: unset DCAAS_ENV there."
    )
