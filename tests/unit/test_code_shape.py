"""The shape of the code itself: no function grows past what a reader takes in at once."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ("domain", "application", "infrastructure")
MAX_FUNCTION_LINES = 50


def function_lengths(folder: Path) -> dict[str, int]:
    """Every function and method below `folder`: its lines from `def` to its last line."""
    lengths = {}
    for path in sorted(folder.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                where = f"{path.relative_to(ROOT)}:{node.lineno} {node.name}"
                lengths[where] = node.end_lineno - node.lineno + 1  # type: ignore[operator]
    return lengths


def test_no_function_is_longer_than_50_lines():
    lengths = {k: v for layer in LAYERS for k, v in function_lengths(ROOT / layer).items()}
    assert lengths, "no functions found: the layers moved?"
    too_long = {where: n for where, n in lengths.items() if n > MAX_FUNCTION_LINES}
    assert not too_long, f"longer than {MAX_FUNCTION_LINES} lines: {too_long}"
