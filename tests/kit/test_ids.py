"""Generated ids: their forms."""

from __future__ import annotations

import re

from dcaas.kit.ids import new_subject_id


def test_subject_ids_never_start_with_a_dash() -> None:
    """4,000 user ids: all 32 URL-safe characters, none led by "-" (read as an option)."""
    made = [new_subject_id() for _ in range(4000)]
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{32}", i) for i in made)
    assert not [i for i in made if i.startswith("-")]
