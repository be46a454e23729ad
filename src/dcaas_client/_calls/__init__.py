"""Request builders: one function per endpoint, returning a :class:`~dcaas_client._call.Call`."""
