"""The key ring document on disk: which keys exist, which one is active, which are retired.

One JSON shape serves every provider::

    {"active": "k-1f…", "keys": {"k-1f…": "<value>"}, "retired": {"k-07…": "2025-01-01T00:00:00Z"}}

For the local provider a value is the base64 key itself; for a remote provider it names the
remote key (a KMS key ARN, a transit key version). Writers take an exclusive lock, write a
temporary file (mode 0600) and rename it over the old one, so a reader never sees half a
document and a running server notices a change by the file's identity (inode, size, mtime).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

_Signature = tuple[int, int, int]


class KeyAdminError(Exception):
    """A key-management request cannot be carried out (the message says why, without secrets)."""


@dataclass
class KeyRing:
    """The document: live keys (id -> value), the active id, and retired ids (id -> when)."""

    active: str
    keys: dict[str, str]
    retired: dict[str, str] = field(default_factory=dict)

    def retire(self, key_id: str) -> None:
        """Drop a key's value and list it as retired; the active key cannot be retired."""
        if key_id == self.active:
            raise KeyAdminError(f"key {key_id} is active; rotate to a new key first")
        if key_id not in self.keys:
            state = "already retired" if key_id in self.retired else "unknown"
            raise KeyAdminError(f"key {key_id} is {state}")
        del self.keys[key_id]
        self.retired[key_id] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def to_json(self) -> str:
        doc: dict[str, object] = {"active": self.active, "keys": self.keys}
        if self.retired:
            doc["retired"] = self.retired
        return json.dumps(doc, indent=1, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> KeyRing:
        doc = json.loads(text)
        ring = cls(
            active=doc["active"], keys=dict(doc["keys"]), retired=dict(doc.get("retired", {}))
        )
        if ring.active not in ring.keys:
            raise ValueError("the key file's active key is not among its keys")
        return ring


class KeyFile:
    """A key ring stored in one file, written atomically under an exclusive lock."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._seen: _Signature | None = None

    def _signature(self) -> _Signature | None:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_size, st.st_mtime_ns)

    def exists(self) -> bool:
        return self.path.exists()

    def read(self) -> KeyRing:
        """The current document; remembers its identity for :meth:`changed`."""
        signature = self._signature()
        ring = KeyRing.from_json(self.path.read_text())
        self._seen = signature
        return ring

    def changed(self) -> bool:
        """Whether the file was replaced or edited since the last :meth:`read`."""
        return self._signature() != self._seen

    def create(self, ring: KeyRing) -> None:
        """Write the first document unless one exists (two processes starting together agree)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._locked():
            if not self.path.exists():
                self._replace(ring)

    @contextlib.contextmanager
    def update(self) -> Iterator[KeyRing]:
        """Read, let the caller change the document, and write it back, all under the lock."""
        with self._locked():
            ring = self.read()
            yield ring
            self._replace(ring)
            self.read()

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        lock = self.path.with_name(self.path.name + ".lock")
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the lock

    def _replace(self, ring: KeyRing) -> None:
        fd, tmp = tempfile.mkstemp(prefix=".keys-", dir=self.path.parent)  # mode 0600
        try:
            with os.fdopen(fd, "w") as fh:
                fh.write(ring.to_json())
                fh.flush()
                os.fsync(fh.fileno())
            Path(tmp).replace(self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        _fsync_dir(self.path.parent)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
