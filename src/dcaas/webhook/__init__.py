"""Webhooks in Qlik's shape, delivered at least once from a transactional outbox.

* :mod:`.outbox` ``enqueue(session, event)``: in the caller's transaction, one delivery row
  per enabled webhook of the event's tenant subscribed to its type.
* :mod:`.worker` claims due deliveries (``FOR UPDATE SKIP LOCKED`` on PostgreSQL) under a
  lease, posts them with no transaction open, records each attempt and retries with
  exponential backoff and jitter; a webhook that keeps failing is disabled.
* :mod:`.endpoints` ``/api/v1/webhooks``: the ``@qlik/api`` ``webhooks`` module's routes.
"""
