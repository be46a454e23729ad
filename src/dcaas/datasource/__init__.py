"""Data sources: the connector catalog as the API shows it, and per-tenant settings."""
