"""Text from the store, made safe to show on an operator's terminal.

Events recorded before the API refused them (or written by any other path) may hold characters a
person does not type (`domain/typed_text.py`): ESC and CSI start escape sequences that recolour,
clear or retitle a terminal, and bidi controls reorder what is shown. Here each such character is
shown as its escape (`\\x1b`, `\\u202e`), and text reaches `rich` as plain `Text`, so that
`[bold]` in a name is shown as typed, not read as markup.
"""

from __future__ import annotations

import json
from typing import Any

from rich.text import Text

from domain.typed_text import untyped_kind


def _escape(character: str) -> str:
    code_point = ord(character)
    return f"\\x{code_point:02x}" if code_point <= 0xFF else f"\\u{code_point:04x}"


def shown(text: str) -> str:
    """`text` with every character a person does not type replaced by its escape."""
    if not any(untyped_kind(character) for character in text):
        return text
    return "".join(_escape(c) if untyped_kind(c) else c for c in text)


def cell(text: str) -> Text:
    """A table cell of `text`, escaped and never read as markup."""
    return Text(shown(text))


def json_line(value: Any, default: Any = None) -> str:
    """`value` as one line of JSON in which those characters are JSON escapes (`\\u001b`): the
    line reads back as the same value, and prints nothing a terminal acts on."""
    text = json.dumps(value, default=default, ensure_ascii=False)
    # Such characters appear only inside JSON strings (JSON's own syntax is printable ASCII).
    return "".join(f"\\u{ord(c):04x}" if untyped_kind(c) else c for c in text)
