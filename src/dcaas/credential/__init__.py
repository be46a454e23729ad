"""Credentials: the secret part of a connection, sealed with envelope encryption."""
