"""Idempotency-Key for POST: a retried request gets its first answer, across replicas."""

from dcaas.idempotency.web import IDEMPOTENT, document, install

__all__ = ["IDEMPOTENT", "document", "install"]
