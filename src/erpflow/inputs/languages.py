"""A person's language as HR exports write it (FR, fr_FR, en-GB, Français, anglais, English...), read as one of
the languages the method ships invitation templates for."""

from __future__ import annotations

import unicodedata
from collections.abc import Collection

from babel import Locale, UnknownLocaleError

__all__ = ["Languages"]


def _key(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.strip())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


class Languages:
    """The shipped languages (``fr``, ``en``, ``de_CH``...), known by their codes and by their names in English and
    in each shipped language."""

    def __init__(self, shipped: Collection[str]):
        self.shipped = sorted(shipped)
        self.names: dict[str, str] = {}
        for code in self.shipped:
            locale = Locale.parse(code)
            for other in ["en", *self.shipped]:
                for name in (Locale.parse(other).languages.get(locale.language), locale.get_display_name(other)):
                    if name:
                        self.names.setdefault(_key(name), code)

    def read(self, value: str) -> str | None:
        """The shipped language ``value`` names, or None when it names none of them."""
        text = value.strip()
        try:
            locale = Locale.parse(text.replace("-", "_"))
        except (ValueError, TypeError, UnknownLocaleError):
            return self.names.get(_key(text))
        for code in (str(locale), locale.language):
            if code in self.shipped:
                return code
        return None
