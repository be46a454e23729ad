"""The client and its transport (``_async`` is the source, ``_sync`` is generated)."""

from dcaas_client._async.client import AsyncClient
from dcaas_client._async.transport import AsyncTransport

__all__ = ["AsyncClient", "AsyncTransport"]
