"""Where a command may write: into a folder that exists, never over a file unless told to."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from erpflow.model.errors import CommandRefused

__all__ = ["export_folder", "writable_file", "writing"]


def _parent(path: Path) -> None:
    if not path.parent.is_dir():
        raise CommandRefused(f"cannot write {path}: folder {path.parent} does not exist")


def writable_file(path: Path, force: bool) -> Path:
    """The file, if it may be written: its folder exists, and it is not a folder nor an existing file (unless
    ``force``)."""
    _parent(path)
    if path.is_dir():
        raise CommandRefused(f"cannot write {path}: it is a folder")
    if path.exists() and not force:
        raise CommandRefused(f"{path} exists; give --force to overwrite it")
    return path


def export_folder(folder: Path, names: tuple[str, ...], force: bool) -> Path:
    """The folder, if an export may go there: new under an existing folder, or holding none of ``names``
    (unless ``force``)."""
    _parent(folder)
    if folder.exists() and not folder.is_dir():
        raise CommandRefused(f"cannot export to {folder}: it is a file, not a folder")
    there = [name for name in names if (folder / name).exists()]
    if there and not force:
        raise CommandRefused(f"{folder / there[0]} exists; give --force to overwrite it")
    return folder


@contextmanager
def writing(path: Path) -> Iterator[None]:
    """An error of the file system while writing is one line naming the path."""
    try:
        yield
    except OSError as exc:
        raise CommandRefused(f"cannot write {path}: {exc.strerror or exc}") from None
