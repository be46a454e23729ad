# Generated from src/dcaas_client/_async/__init__.py by scripts/unasync_sdk.py: do not edit.
# Change the async source and run `make sdk`.
"""The client and its transport (``_async`` is the source, ``_sync`` is generated)."""

from dcaas_client._sync.client import Client
from dcaas_client._sync.transport import SyncTransport

__all__ = ["Client", "SyncTransport"]
