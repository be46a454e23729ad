"""Who is calling: API keys and JWT bearer tokens become a :class:`Principal`."""
