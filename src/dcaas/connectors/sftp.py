"""SFTP (Qlik's ``File_FileTransferConnector``)."""

from __future__ import annotations

from typing import ClassVar, Literal

from dcaas.connectors.spec import (
    ConnectorProperties,
    DataSource,
    FileItem,
    destination,
    file_list,
    secret,
)


class SftpProperties(ConnectorProperties):
    """Properties of an SFTP connection; the host key is pinned by key or fingerprint."""

    host: str = destination(
        min_length=1, max_length=253, pattern=r"^[A-Za-z0-9.\-:\[\]]+$", description="Host name"
    )
    sftpPort: int = destination(22, ge=1, le=65535, description="Port")
    username: str | None = secret(description="User name")
    password: str | None = secret(description="Password (or use privateKey)")
    privateKey: list[FileItem] | None = file_list(
        description="Private key (PEM or OpenSSH), as [{name, value}]", is_secret=True
    )
    privateKeyPassphrase: str | None = secret(description="Passphrase of the private key")
    publicKeyAlgorithm: Literal["RSA", "ECDSA", "ED25519", "DSA"] | None = destination(
        None, description="Algorithm of the server's host key"
    )
    publicKey: str | None = destination(
        None, max_length=16_384, description="The server's public host key (OpenSSH form)"
    )
    publicKeyFingerprint: str | None = destination(
        None,
        pattern=r"^(SHA256:[A-Za-z0-9+/]{43}=?|MD5:([0-9a-fA-F]{2}:){15}[0-9a-fA-F]{2})$",
        description="Host key fingerprint as OpenSSH prints it (SHA256:... or MD5:aa:bb:...)",
    )

    required_credentials: ClassVar[tuple[tuple[str, ...], ...]] = (
        ("username",),
        ("password", "privateKey"),
    )


SFTP = DataSource(
    id="File_FileTransferConnector",
    name="SFTP",
    provider="QvWebStorageProviderConnectorPackage.exe",
    provider_name="Qlik Web Storage Provider Connectors",
    properties=SftpProperties,
    version="4.46.0",
    capabilities=("test-connection", "browse", "preview", "file"),
    username_property="username",
    password_property="password",  # noqa: S106 - the property's name, not a password
    qri_prefix="qri:file:sftp://",
    qri_connection_template="{host}:{sftpPort}",
    qri_properties=("host", "sftpPort"),
    connector="dcaas.connectors.drivers.sftp:SftpConnector",
)
