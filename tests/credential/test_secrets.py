"""Secrets never leak: not in responses, not in the database file, not in logs."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from tests.test_seeds import ALL_SECRETS, SEEDS

if TYPE_CHECKING:
    import pytest
    from tests.conftest import Api


async def test_no_plaintext_secret_anywhere(api: Api, caplog: pytest.LogCaptureFixture) -> None:  # noqa: C901 - one end-to-end scenario, read top to bottom
    """Create, read, list, patch and fail with secrets; search responses, logs and the DB."""
    caplog.set_level(logging.DEBUG)
    bodies: list[str] = []
    ids = []
    for source, props in SEEDS.items():
        res = await api.client.post(
            "/api/v1/data-connections",
            headers=api.h(api.alice),
            json={"datasourceID": source, "qName": source, "connectionProperties": props},
        )
        assert res.status_code == 201, res.text
        bodies.append(res.text)
        ids.append(res.json()["qID"])
    for conn_id in ids:
        for params in ({}, {"parseConnection": "true"}, {"extended": "true"}):
            res = await api.client.get(
                f"/api/v1/data-connections/{conn_id}", params=params, headers=api.h(api.alice)
            )
            bodies.append(res.text)
        res = await api.client.get(
            f"/api/v1/dcaas/actions/data-connections/{conn_id}", headers=api.h(api.alice)
        )
        bodies.append(res.text)
        cred = res.json()["credentialsId"]
        bodies.append(
            (
                await api.client.get(f"/api/v1/data-credentials/{cred}", headers=api.h(api.alice))
            ).text
        )
    bodies.append(
        (await api.client.get("/api/v1/data-connections?limit=100", headers=api.h(api.alice))).text
    )
    bodies.append((await api.client.get("/api/v1/data-credentials", headers=api.h(api.alice))).text)
    # an error path that carries a secret in the request
    bad = dict(SEEDS["File_AmazonS3ConnectorV2"], region="nowhere-1")
    res = await api.client.post(
        "/api/v1/data-connections",
        headers=api.h(api.alice),
        json={"datasourceID": "AmazonS3ConnectorV2", "qName": "bad", "connectionProperties": bad},
    )
    assert res.status_code == 400
    bodies.append(res.text)
    # a patch that rotates a secret
    rotated = "rotated-secret-Vb5"
    res = await api.client.patch(
        f"/api/v1/data-connections/{ids[0]}",
        headers=api.h(api.alice),
        json=[{"op": "replace", "path": "/connectionProperties/secretKey", "value": rotated}],
    )
    assert res.status_code == 204, res.text
    for text in bodies:
        for secret in (*ALL_SECRETS, rotated):
            assert secret not in text
    for secret in (*ALL_SECRETS, rotated):
        assert secret not in caplog.text
    if api.settings.is_sqlite:
        raw = b"".join(p.read_bytes() for p in api.settings.data_dir.glob("dcaas.db*"))
        for secret in (*ALL_SECRETS, rotated):
            assert secret.encode() not in raw
    else:
        from sqlalchemy import text  # noqa: PLC0415

        async with api.app.state.dcaas.engine.connect() as conn:  # type: ignore[attr-defined]
            for table in ("connections", "credentials"):
                rows = (await conn.execute(text(f"SELECT * FROM {table}"))).all()  # noqa: S608 - fixed table names
                dump = repr(rows)
                for secret in (*ALL_SECRETS, rotated):
                    assert secret not in dump


async def test_key_file_is_private(api: Api) -> None:
    """The local key-encryption key file is created with mode 0600."""
    assert api.settings.key_file.exists()
    assert api.settings.key_file.stat().st_mode & 0o777 == 0o600


async def test_patch_keeps_stored_secret_when_untouched(api: Api) -> None:
    """A PATCH of a public property keeps the stored secret (re-validated, not lost)."""
    res = await api.client.post(
        "/api/v1/data-connections",
        headers=api.h(api.alice),
        json={
            "datasourceID": "File_AmazonS3ConnectorV2",
            "qName": "k",
            "connectionProperties": SEEDS["File_AmazonS3ConnectorV2"],
        },
    )
    conn_id = res.json()["qID"]
    res = await api.client.patch(
        f"/api/v1/data-connections/{conn_id}",
        headers=api.h(api.alice),
        json=[{"op": "replace", "path": "/connectionProperties/region", "value": "eu-west-1"}],
    )
    assert res.status_code == 204, res.text
    got = await api.client.get(
        f"/api/v1/data-connections/{conn_id}?parseConnection=true", headers=api.h(api.alice)
    )
    assert got.json()["connectionProperties"]["region"] == "eu-west-1"
    from dcaas.credential.models import Credential  # noqa: PLC0415
    from dcaas.credential.vault import open_credential  # noqa: PLC0415

    state = api.app.state.dcaas  # type: ignore[attr-defined]
    async with state.sessions() as session:
        cred = await session.get(Credential, got.json()["qCredentialsID"])
        assert (
            open_credential(state.envelope, cred)["secretKey"]
            == SEEDS["File_AmazonS3ConnectorV2"]["secretKey"]
        )
