"""Data connections: what to connect to (public) and a reference to how (a credential)."""
