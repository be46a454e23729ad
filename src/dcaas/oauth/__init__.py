"""OAuth 2.0 authorization-code data sources: authorization URLs, code exchange, token refresh.

The public surface for other domains is :func:`dcaas.oauth.tokens.oauth_prepare` (what a
connector runner calls before constructing an OAuth connector) and the endpoints.
"""
