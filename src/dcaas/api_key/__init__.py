"""API keys: prefixed bearer tokens of which only a hash is stored."""
