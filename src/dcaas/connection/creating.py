"""Creating a connection from data-source properties, shared by the current API and the
deprecated one (so that neither endpoint module imports the other).

OAuth sources go through the OAuth service (an authorization URL, or finishing a consent,
which calls the provider's token endpoint before the write); every other source straight to
the connection service.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dcaas.connection.service import ConnectionService
from dcaas.oauth.service import OAuthService, finish_create, is_oauth_source

if TYPE_CHECKING:
    from dcaas.auth.principal import Principal
    from dcaas.connection.schemas import AuthUrlResponse, DcaasConnectionCreate
    from dcaas.connection.service import ConnectionView
    from dcaas.deps import AppState
    from dcaas.unit_of_work import UnitOfWork


async def create_properties(
    unit: UnitOfWork, caller: Principal, body: DcaasConnectionCreate, state: AppState, base: str
) -> ConnectionView | AuthUrlResponse:
    """A properties-form create; ``base`` is the public base URL OAuth callbacks return to."""
    if is_oauth_source(body.datasourceID, body.connectionProperties):
        oauth = OAuthService(unit.writing, caller, state.envelope, state.settings)
        if oauth.needs_exchange(body):
            return await finish_create(unit, caller, state.envelope, state.settings, body)
        return await oauth.create(body, base)
    service = ConnectionService(unit.writing, caller, state.envelope)
    return await service.create_from_properties(body)
