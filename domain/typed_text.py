"""Text a person typed (DOMAIN.md "Settled questions"): names, notes and reasons.

Refused, wherever they appear:
- control characters: C0 (U+0000-U+001F, so NUL, ESC, and also tab and newline: DOMAIN.md allows
  none, so a note is one line), DEL (U+007F) and C1 (U+0080-U+009F);
- bidirectional controls, which make text display in another order than it is stored (the "Trojan
  Source" trick: a name or a reason that reads one way on screen and another in the record):
  the embeddings and overrides U+202A-U+202E, the isolates U+2066-U+2069, and also the invisible
  marks LRM U+200E, RLM U+200F and ALM U+061C. Those marks reorder little, but they are invisible,
  so two names that look the same would differ in the record (and in every search for them); a
  keyboard for Arabic or Hebrew writes the text without them;
- lone surrogates (U+D800-U+DFFF): not characters at all (JSON can carry them as `\\ud800`), and no
  store can write them as UTF-8.
Joiners (ZWJ U+200D, ZWNJ U+200C) stay allowed: Persian and Indic writing needs them.
A name or reason that is empty or only white space is refused too (`check_not_blank`).
"""

from __future__ import annotations

import unicodedata

from domain.errors import BlankText, ForbiddenCharacter

# What a person does not type, by kind: ranges of code points, both ends included. The API's
# document states them as a pattern (infrastructure/api/schemas.py), built from this table.
UNTYPED: tuple[tuple[str, tuple[tuple[int, int], ...]], ...] = (
    ("a control character", ((0x00, 0x1F), (0x7F, 0x9F))),
    (
        "a bidirectional control",
        ((0x061C, 0x061C), (0x200E, 0x200F), (0x202A, 0x202E), (0x2066, 0x2069)),
    ),
    ("a lone surrogate", ((0xD800, 0xDFFF),)),
)


def _kind_of(code_point: int) -> str | None:
    for kind, ranges in UNTYPED:
        if any(low <= code_point <= high for low, high in ranges):
            return kind
    return None


def untyped_kind(character: str) -> str | None:
    """What `character` is when a person does not type it (see the module), else None."""
    return _kind_of(ord(character))


def check_typed_text(text: str, field: str = "text") -> None:
    """Refuse the first character of `text` that a person does not type (see the module)."""
    for position, character in enumerate(text, start=1):
        kind = _kind_of(ord(character))
        if kind is not None:
            name = unicodedata.name(character, "")
            named = f"U+{ord(character):04X}" + (f" {name}" if name else "")
            raise ForbiddenCharacter(
                field,
                f"character {position} is {named}, {kind}, which a person does not type",
            )


def check_not_blank(text: str, field: str = "text") -> None:
    if not text.strip():
        raise BlankText(field, "is empty or only white space")
