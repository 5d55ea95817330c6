"""The outbox: invitations written as files, <folder>/<session>/<login>.eml, a whole call made durable at once.

Each call writes its messages to temporary files named after this process, flushes the file system once, renames
them into place and flushes once more: two flushes per call instead of one per message. Temporary files a killed
process left are removed the next time their folder is written.
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from erpflow.children import remove_stale
from erpflow.model.items import ItemOutcome
from erpflow.targets.errors import TargetUnavailable
from erpflow.targets.invitations import SESSION_HEADER, Message, safe

__all__ = ["OutboxMailer"]

_TEMPORARY = r"\..+\.(?P<pid>\d+)\.tmp"
_syncfs: Any = None
if sys.platform.startswith("linux"):
    _syncfs = getattr(ctypes.CDLL(None, use_errno=True), "syncfs", None)


class OutboxMailer:
    """Writes each message to <folder>/<session>/<login>.eml; sending again overwrites."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def __repr__(self) -> str:
        return f"OutboxMailer(folder={str(self.folder)!r})"

    def _path(self, session: str, ref: str) -> Path:
        return self.folder / safe(session) / f"{safe(ref)}.eml"

    def find(self, invitations: Sequence[tuple[str, str]]) -> dict[str, str]:
        """Of (ref, session) pairs, those already written: ref -> file."""
        return {ref: str(path) for ref, session in invitations if (path := self._path(session, ref)).exists()}

    def send(self, messages: Sequence[tuple[str, Message]]) -> list[ItemOutcome]:
        outcomes, pending, folders = [], [], set()
        try:
            for ref, message in messages:
                path = self._path(message.get(SESSION_HEADER) or "other", ref)
                if path.parent not in folders:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    remove_stale(path.parent, _TEMPORARY)
                    folders.add(path.parent)
                temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
                pending.append((temporary, path))
                _write(temporary, message.as_bytes())
                outcomes.append(ItemOutcome(ref, "sent", erp_id=str(path)))
            _flush(folders)
            for temporary, path in pending:
                os.replace(temporary, path)
            _flush(folders)
        except OSError as exc:
            for temporary, _ in pending:
                temporary.unlink(missing_ok=True)
            raise TargetUnavailable(f"outbox {self.folder} cannot be written: {exc.strerror}") from None
        return outcomes


def _write(path: Path, data: bytes) -> None:
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        os.write(handle, data)
        if _syncfs is None:
            os.fsync(handle)
    finally:
        os.close(handle)


def _flush(folders: set[Path]) -> None:
    """Make what was written to ``folders`` durable: one syncfs (Linux), else an fsync of each folder."""
    for folder in sorted(folders)[:1] if _syncfs is not None else sorted(folders):
        handle = os.open(folder, os.O_RDONLY)
        try:
            if _syncfs is None:
                os.fsync(handle)
            elif _syncfs(handle) != 0:
                raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
        finally:
            os.close(handle)
