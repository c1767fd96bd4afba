"""A `known_at` instant for benchmarks: halfway through a seeded database's cases, so that an
"as known at" query sees about half of them (seeding records every event at the wall clock)."""

from __future__ import annotations

import sqlite3
from datetime import datetime


def halfway_through_the_log(database: str) -> datetime:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as raw:
        (opened_at,) = raw.execute(
            "SELECT opened_at FROM rm_cases ORDER BY opened_at "
            "LIMIT 1 OFFSET (SELECT COUNT(*) / 2 FROM rm_cases)"
        ).fetchone()
    return datetime.fromisoformat(opened_at.replace("Z", "+00:00"))


def a_member_v_number(database: str) -> str:
    """A V-number some family member has, for the dependent-permit lookup."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as raw:
        (v_number,) = raw.execute(
            "SELECT v_number FROM rm_members WHERE v_number IS NOT NULL ORDER BY v_number "
            "LIMIT 1 OFFSET (SELECT COUNT(*) / 2 FROM rm_members)"
        ).fetchone()
    return v_number
