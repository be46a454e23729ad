"""The secret boundary's one function, on its own: what a change may keep of what is stored."""

from __future__ import annotations

from typing import Any

import pytest
from tests.spec_values import required_public, sample

from dcaas.connection import statement
from dcaas.connection.boundary import (
    PASSWORD,
    USERNAME,
    Change,
    Kept,
    Record,
    Stored,
    decide,
    masked,
    statement_properties,
)
from dcaas.connectors import DataSource, all_data_sources, get_data_source
from dcaas.errors import DcaasError


def source(source_id: str) -> DataSource:
    found = get_data_source(source_id)
    assert found is not None
    return found


REST = source("rest")
PG = source("postgresql")
OAUTH = source("oauth-rest")
REST_PUBLIC = {
    "url": "https://api.example.com/v1",
    "authSchema": "basic",
    "queryHeaders": [{"name": "X-Api-Key", "encrypt": True}, {"name": "X-Plain", "value": "p"}],
}
REST_PAYLOAD = {
    "username": "u",
    "password": "pw",
    "bearerToken": "tok",
    "queryHeaders": {"X-Api-Key": "key"},
}


def stored(
    src: DataSource = REST,
    public: dict[str, Any] | None = None,
    payload: dict[str, Any] | None = None,
    **kw: Any,
) -> Stored:
    public = dict(REST_PUBLIC if public is None else public)
    text = statement.build(src.provider, src.id, public)
    return Stored(
        public=public,
        statement=text,
        payload=dict(REST_PAYLOAD if payload is None else payload),
        credential_id=kw.pop("credential_id", "cred-1"),
        **kw,
    )


def proposal(state: Stored, src: DataSource = REST, **changes: Any) -> dict[str, Any]:
    """The stored properties as a patch sees them, with ``changes`` applied."""
    return {**masked(src, state.public, state.payload), **changes}


def refused(code: str, src: DataSource, state: Stored, change: Change) -> DcaasError:
    with pytest.raises(DcaasError) as caught:
        decide(src, state, change)
    assert caught.value.code == code, caught.value.detail
    return caught.value


def test_unchanged_keeps_the_record() -> None:
    """Nothing changed: the stored record stays as it is."""
    state = stored()
    verdict = decide(REST, state, Change(properties=proposal(state)))
    assert verdict.record == Record.KEEP
    assert verdict.payload == REST_PAYLOAD
    assert verdict.changed == ()


def test_public_change_keeps_every_secret() -> None:
    """A change of a property that is no destination keeps every stored secret."""
    state = stored()
    verdict = decide(REST, state, Change(properties=proposal(state, method="POST")))
    assert verdict.record == Record.KEEP
    assert verdict.payload == REST_PAYLOAD
    assert verdict.public["method"] == "POST"


def test_rotating_one_secret_rewrites_the_record() -> None:
    """A new password in place rewrites the record with the rest kept."""
    state = stored()
    verdict = decide(REST, state, Change(properties=proposal(state, password="new")))
    assert verdict.record == Record.REWRITE
    assert verdict.payload == {**REST_PAYLOAD, "password": "new"}


def test_new_destination_names_every_secret_still_kept() -> None:
    """A new url with one secret touched is refused, naming the destination and the rest."""
    state = stored()
    change = Change(properties=proposal(state, url="https://evil.example/", bearerToken="mine"))
    error = refused("DCAAS-1014", REST, state, change)
    assert error.meta["changed"] == ["url"]
    assert error.meta["missing"] == [
        "/connectionProperties/password",
        "/connectionProperties/queryHeaders/0/value",
        "/connectionProperties/username",
    ]


def test_new_destination_with_every_secret_anew_keeps_nothing_stored() -> None:
    """Every secret given anew: a new record with exactly those values."""
    state = stored()
    props = proposal(
        state,
        url="https://new.example/",
        username="u2",
        password="p2",
        bearerToken=None,
        queryHeaders=[{"name": "X-Api-Key", "value": "k2", "encrypt": True}],
    )
    verdict = decide(REST, state, Change(properties=props))
    assert verdict.record == Record.NEW
    assert verdict.payload == {
        "username": "u2",
        "password": "p2",
        "queryHeaders": {"X-Api-Key": "k2"},
    }
    assert verdict.changed == ("url",)


def test_new_destination_with_secrets_removed_keeps_none() -> None:
    """Removing what is not given anew is allowed: the result has no credential."""
    state = stored()
    props = proposal(
        state, url="https://new.example/", username=None, password=None, bearerToken=None
    )
    props["queryHeaders"] = [{"name": "X-Plain", "value": "p"}]
    verdict = decide(REST, state, Change(properties=props))
    assert verdict.record == Record.NONE
    assert verdict.payload == {}


@pytest.mark.parametrize(
    ("src", "name"),
    [(s, n) for s in all_data_sources() for n in sorted(s.properties.destination_fields())],
    ids=lambda v: v.id if isinstance(v, DataSource) else str(v),
)
def test_every_declared_destination_keeps_no_secret(src: DataSource, name: str) -> None:
    """Changing any destination of any data source, alone, is refused while a secret is kept."""
    payload = {n: _secret(src, n) for n in src.properties.secret_fields()}
    public = {n: v for n, v in _valid_public(src).items() if n != name}
    state = stored(src, public, payload)
    change = Change(properties={**masked(src, public, payload), name: _other(src, name)})
    error = refused("DCAAS-1014", src, state, change)
    assert error.meta["changed"] == [name]
    assert error.meta["missing"] == sorted(f"/connectionProperties/{n}" for n in payload)


def _secret(src: DataSource, name: str) -> Any:
    if "FileItem" in str(src.properties.model_fields[name].annotation):
        return [{"name": "f", "value": f"stored-{name}"}]
    return f"stored-{name}"


def _valid_public(src: DataSource) -> dict[str, Any]:
    return required_public(src)


def _other(src: DataSource, name: str) -> Any:
    """A valid value different from the default and from the one above."""
    return sample(src, name, other=True)


def test_encrypt_off_without_a_new_value_is_a_downgrade() -> None:
    """encrypt true -> false with the stored value kept: DCAAS-4005."""
    state = stored()
    props = proposal(state)
    props["queryHeaders"][0] = {**props["queryHeaders"][0], "encrypt": False}
    refused("DCAAS-4005", REST, state, Change(properties=props))


def test_encrypt_off_with_a_new_value_is_allowed() -> None:
    """encrypt off and a new value: the item is plain, the old value dropped."""
    state = stored()
    props = proposal(state)
    props["queryHeaders"][0] = {"name": "X-Api-Key", "value": "public", "encrypt": False}
    verdict = decide(REST, state, Change(properties=props))
    assert "queryHeaders" not in verdict.payload
    assert verdict.public["queryHeaders"][0]["value"] == "public"


def test_renamed_item_keeps_no_value() -> None:
    """An encrypted item renamed with its kept value: refused, naming where to give it."""
    state = stored()
    props = proposal(state)
    props["queryHeaders"][0] = {**props["queryHeaders"][0], "name": "Referer"}
    error = refused("DCAAS-1014", REST, state, Change(properties=props))
    assert error.meta["missing"] == ["/connectionProperties/queryHeaders/0/value"]


def test_encrypted_items_sent_as_json_text_are_given_anew() -> None:
    """A header list written as JSON text counts as given, also on a new destination."""
    state = stored(payload={"queryHeaders": {"X-Api-Key": "key"}})
    headers = '[{"name": "X-Api-Key", "value": "k2", "encrypt": true}]'
    change = Change(properties=proposal(state, url="https://new.example/", queryHeaders=headers))
    verdict = decide(REST, state, change)
    assert verdict.payload == {"queryHeaders": {"X-Api-Key": "k2"}}


def test_value_less_encrypted_item_keeps_its_stored_value() -> None:
    """A list written back as GET shows it (no values) keeps the values by name."""
    state = stored()
    props = proposal(state, queryHeaders=list(REST_PUBLIC["queryHeaders"]))
    verdict = decide(REST, state, Change(properties=props))
    assert verdict.payload["queryHeaders"] == {"X-Api-Key": "key"}


def test_detaching_drops_every_secret() -> None:
    """No credential any more: nothing stored stays, items keep no value."""
    state = stored()
    verdict = decide(REST, state, Change(properties=proposal(state), credential=None))
    assert verdict.record == Record.NONE
    assert verdict.payload == {}


def test_selecting_a_credential_with_typed_secrets_is_refused() -> None:
    """Another credential and typed secrets together: 400."""
    state = stored()
    change = Change(properties=proposal(state, password="x"), credential="cred-2")
    refused("DCAAS-1001", REST, state, change)


def test_selecting_a_credential_with_empty_qlik_fields_is_allowed() -> None:
    """Qlik clients send qUsername / qPassword as "" beside qCredentialsID: no conflict."""
    state = stored()
    change = Change(properties=proposal(state), username="", password="", credential="cred-2")
    assert decide(REST, state, change).record == Record.SELECT


def test_selecting_a_credential_keeps_nothing_of_the_stored_one() -> None:
    """Another credential with a new destination: allowed (the service checks ownership)."""
    state = stored()
    change = Change(properties=proposal(state, url="https://new.example/"), credential="cred-2")
    verdict = decide(REST, state, change)
    assert verdict.record == Record.SELECT
    assert verdict.selected == "cred-2"
    assert verdict.payload == {}


def test_separated_credentials_are_detached_on_a_new_destination() -> None:
    """Qlik's rule 5: a separated credential is detached, not required."""
    state = stored(separated=True)
    verdict = decide(REST, state, Change(properties=proposal(state, url="https://new.example/")))
    assert verdict.record == Record.NONE


def test_oauth_new_url_drops_the_tokens() -> None:
    """OAuth on the operator's app: a new url keeps no token and asks for authorization."""
    public = {"url": "https://api.example.com/me"}
    payload = {"accessToken": "at", "refreshToken": "rt", "expiresAt": 1, "grantTokenUrl": "t"}
    state = stored(OAUTH, public, payload)
    change = Change(properties={**masked(OAUTH, public, payload), "url": "https://evil.example/"})
    verdict = decide(OAUTH, state, change)
    assert verdict.record == Record.NONE
    assert verdict.reauthorize


def test_oauth_new_url_needs_the_client_secret() -> None:
    """OAuth on the tenant's app: the client secret must be given anew."""
    public = {"url": "https://api.example.com/me", "clientId": "app"}
    payload = {"accessToken": "at", "clientSecret": "cs"}
    state = stored(OAUTH, public, payload)
    change = Change(properties={**masked(OAUTH, public, payload), "url": "https://evil.example/"})
    error = refused("DCAAS-1014", OAUTH, state, change)
    assert error.meta["missing"] == ["/connectionProperties/clientSecret"]


def test_statement_moving_the_host_needs_the_password() -> None:
    """PUT's statement form keeps what it does not give: so a new host needs it given."""
    public = {"host": "db.example", "port": 5432, "database": "d"}
    payload = {"username": "u", "password": "p", USERNAME: "u", PASSWORD: "p"}
    state = stored(PG, public, payload)
    text = statement.build(PG.provider, PG.id, {**public, "host": "evil.example"})
    change = Change(properties=statement_properties(PG, text, payload), statement=text)
    error = refused("DCAAS-1014", PG, state, change)
    assert error.meta["missing"] == [
        "/connectionProperties/password",
        "/connectionProperties/username",
        "/qPassword",
        "/qUsername",
    ]
    given = Change(
        properties=statement_properties(PG, text, payload),
        statement=text,
        username="u2",
        password="p2",
    )
    verdict = decide(PG, state, given)
    assert verdict.payload == {"username": "u2", "password": "p2", USERNAME: "u2", PASSWORD: "p2"}


def test_statement_values_compare_as_the_connector_reads_them() -> None:
    """A port written "5432" in a statement is the stored 5432: no destination change."""
    public = {"host": "db.example", "port": 5432, "database": "d"}
    state = stored(PG, public, {"password": "p"})
    text = statement.build(PG.provider, PG.id, {**public, "port": "5432"})
    change = Change(properties=statement_properties(PG, text, {"password": "p"}), statement=text)
    assert decide(PG, state, change).changed == ()


def test_statement_carrying_a_secret_is_stored_without_it() -> None:
    """A secret inside a client's statement moves to the payload; the text drops it."""
    text = statement.build(PG.provider, PG.id, {"host": "h", "port": 1, "password": "inline"})
    verdict = decide(
        PG, Stored(), Change(properties=statement_properties(PG, text, {}), statement=text)
    )
    assert verdict.payload == {"password": "inline"}
    assert "inline" not in verdict.statement


def test_unreadable_statement_is_its_own_destination() -> None:
    """A source without a spec: a new statement keeps no stored qPassword."""
    state = Stored(statement='ODBC CONNECT TO "a"', payload={PASSWORD: "p"}, credential_id="c")
    change = Change(properties={}, statement='ODBC CONNECT TO "b"')
    error = refused("DCAAS-1014", None, state, change)  # type: ignore[arg-type]
    assert error.meta["changed"] == ["qConnectStatement"]
    assert error.meta["missing"] == ["/qPassword"]


def test_connection_secret_must_be_given_anew_on_a_new_destination() -> None:
    """qConnectionSecret is the connection's own secret: a new destination needs it too."""
    state = stored(payload={}, connection_secret=True)
    change = Change(properties=proposal(state, url="https://new.example/"))
    error = refused("DCAAS-1014", REST, state, change)
    assert error.meta["missing"] == ["/qConnectionSecret"]


def test_a_stored_secret_in_a_public_place_is_refused() -> None:
    """A Kept where a public value belongs (only a bug could) never becomes public."""
    state = stored()
    change = Change(properties=proposal(state, method=Kept("password")))
    refused("DCAAS-1007", REST, state, change)
