"""Read an input file's bytes: a regular file only, and no more than a cap, so a FIFO or a huge file never hangs."""

from __future__ import annotations

import stat
from pathlib import Path

from erpflow.model.errors import InputError

__all__ = ["read_bytes"]


def read_bytes(path: Path, cap: int | None = None) -> bytes:
    """The file's bytes; an InputError when it is missing, not a regular file, unreadable or over ``cap`` bytes."""
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            raise InputError(str(path), "not a regular file")
        with path.open("rb") as file:
            data = file.read() if cap is None else file.read(cap + 1)
    except FileNotFoundError:
        raise InputError(str(path), "file not found") from None
    except OSError as exc:
        raise InputError(str(path), f"cannot be read: {exc.strerror}") from None
    if cap is not None and len(data) > cap:
        raise InputError(str(path), f"larger than {cap} bytes, the limit ERPFLOW_MAX_INPUT_BYTES sets")
    return data
