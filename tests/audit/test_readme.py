"""The README's event table is the catalogue: every type, its source, nothing else."""

from __future__ import annotations

import re
from pathlib import Path

from dcaas.audit.types import CATALOGUE

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_lists_every_event_type_with_its_source() -> None:
    """Each row of the 'Audit and events' table names a catalogued type and its source."""
    section = README.read_text().split("## Audit and events", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `(com\.qlik\.v1\.[^`]+)` \| `([^`]+)` \|", section, re.MULTILINE)
    assert rows == [(t.name, t.source) for t in CATALOGUE]
