"""What a text field may hold: printable text, never a control character (CR, LF, NUL, ESC, bidi overrides) nor
a lone surrogate (which a YAML or JSON ``\\uD83D`` escape can make, and no output can print)."""

from __future__ import annotations

import re

__all__ = ["control_character", "visible"]

CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
NAMES = {"\x00": "NUL", "\t": "TAB", "\n": "LF", "\r": "CR", "\x1b": "ESC", "\x7f": "DEL"}


def control_character(text: str) -> str | None:
    """The first control character in text, named like ``U+000A (LF)``; None when there is none."""
    found = CONTROL.search(text)
    if found is None:
        return None
    char = found.group()
    if "\ud800" <= char <= "\udfff":
        return f"character U+{ord(char):04X} (a lone surrogate) is not allowed"
    name = f" ({NAMES[char]})" if char in NAMES else ""
    return f"control character U+{ord(char):04X}{name} is not allowed"


def visible(text: str) -> str:
    """The text with each control character written as its escape (``\\n``, ``\\x1b``), to show it safely."""
    return CONTROL.sub(lambda found: found.group().encode("unicode_escape").decode(), text)
