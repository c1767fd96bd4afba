"""The audit trail of the case page in words (infrastructure/ui/case_audit.py)."""

from __future__ import annotations

from infrastructure.ui.case_audit import audit_window


def test_the_audit_window_holds_the_shown_version_and_at_most_its_size() -> None:
    assert audit_window(10, 5, size=100) == range(1, 11)
    assert audit_window(1000, 1, size=100) == range(1, 101)
    assert audit_window(1000, 1000, size=100) == range(901, 1001)
    assert audit_window(1000, 500, size=100) == range(450, 550)
    for shown in (1, 2, 49, 50, 51, 500, 950, 951, 999, 1000):
        window = audit_window(1000, shown, size=100)
        assert shown in window and len(window) == 100, shown
