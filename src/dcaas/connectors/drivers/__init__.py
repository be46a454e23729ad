"""Runtimes of the built-in data sources: one module per kind of source."""
