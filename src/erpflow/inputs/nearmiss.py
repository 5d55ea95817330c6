"""Near misses between names a person typed and the names a file holds: case, accents, a letter or two."""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable

__all__ = ["did_you_mean", "near"]


def _folded(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))


def near(name: str, candidates: Iterable[str]) -> str | None:
    """The candidate a name is a near miss of (case, accents, a letter or two), if any."""
    candidates = [c for c in candidates if c != name]
    same = [c for c in candidates if _folded(c) == _folded(name)]
    if same:
        return same[0]
    by_fold = {_folded(c): c for c in candidates}
    found = difflib.get_close_matches(_folded(name), list(by_fold), n=1, cutoff=0.8)
    return by_fold[found[0]] if found else None


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    """'; did you mean 'X'?' for a near miss, else nothing."""
    match = near(name, candidates)
    return f"; did you mean {match!r}?" if match else ""
