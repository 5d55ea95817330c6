"""Which encoding a source is in: the one the plan names, else UTF-8, else Windows-1252 on every line.

A file that mixes them (UTF-8 lines among Windows-1252 ones) is refused at its first line that differs.
"""

from __future__ import annotations

from pathlib import Path

from erpflow.model.errors import InputError

__all__ = ["decode", "decode_named"]


def decode(path: Path, data: bytes, encoding: str | None) -> str:
    """The text of a source: in the encoding the plan names, else UTF-8 (BOM or not) or else Windows-1252 throughout."""
    return decode_named(path, data, encoding)[0]


def decode_named(path: Path, data: bytes, encoding: str | None) -> tuple[str, str]:
    """The text of a source and the encoding it was read in (utf-8-sig when it opens with a BOM)."""
    if encoding:
        text = _strict(path, data, encoding).removeprefix("\ufeff")
    else:
        try:
            text = data.decode("utf-8-sig")
            encoding = "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
        except UnicodeDecodeError:
            text, encoding = _legacy(path, data), "cp1252"
    if "\x00" in text:
        raise InputError(
            str(path),
            f"not a text file in UTF-8 or Windows-1252{_guess(data)}",
            line=text[: text.index("\x00")].count("\n") + 1,
        )
    return text, encoding


def _strict(path: Path, data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise InputError(str(path), f"not valid {encoding} text", line=data[: exc.start].count(b"\n") + 1) from None


def _legacy(path: Path, data: bytes) -> str:
    """A file that is not UTF-8: Windows-1252 on every line, or refused at the first line in another encoding."""
    first: tuple[int, bool] | None = None  # the first line that is not ASCII, and whether it is UTF-8
    for number, line in enumerate(data.split(b"\n"), start=1):
        if line.isascii():
            continue
        utf8 = _is(line, "utf-8")
        if not utf8 and not _is(line, "cp1252"):
            raise InputError(str(path), f"neither UTF-8 nor Windows-1252{_guess(data)}", line=number)
        if first is None:
            first = (number, utf8)
        elif utf8 != first[1]:
            this, other = ("UTF-8", "Windows-1252") if utf8 else ("not UTF-8", "UTF-8")
            raise InputError(
                str(path),
                f"mixed encodings: this line is {this} while line {first[0]} is {other}; "
                "convert the file to one encoding, or name its encoding in the plan (encoding:)",
                line=number,
            )
    return data.decode("cp1252")


def _is(line: bytes, encoding: str) -> bool:
    try:
        line.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def _guess(data: bytes) -> str:
    """A hint naming the encoding the bytes most look like, for the plan's ``encoding:``."""
    from charset_normalizer import from_bytes

    best = from_bytes(data[:65536]).best()
    return f" (it looks like {best.encoding}: name it in the plan with encoding:)" if best else ""
