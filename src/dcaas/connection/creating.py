"""Creating a connection from data-source properties, shared by the current API and the
deprecated one (so that neither endpoint module imports the other).

OAuth sources go through the OAuth service (an authorization URL, or finishing a consent);
every other source straight to the connection service.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dcaas.oauth.service import OAuthService, is_oauth_source

if TYPE_CHECKING:
    from dcaas.connection.schemas import AuthUrlResponse, DcaasConnectionCreate
    from dcaas.connection.service import ConnectionService, ConnectionView
    from dcaas.deps import AppState


async def create_properties(
    service: ConnectionService, body: DcaasConnectionCreate, state: AppState, base: str
) -> ConnectionView | AuthUrlResponse:
    """A properties-form create; ``base`` is the public base URL OAuth callbacks return to."""
    if is_oauth_source(body.datasourceID, body.connectionProperties):
        oauth = OAuthService(service.session, service.principal, state.envelope, state.settings)
        return await oauth.create(body, base)
    return await service.create_from_properties(body)
