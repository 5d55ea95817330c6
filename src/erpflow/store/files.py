"""Checks of an SQLite event store file: before eventsourcing opens it (and would write into it), and after
SQLite reported it damaged.

The file itself is read only once SQLite has failed on it: closing any other descriptor of a database file
drops the locks this process's SQLite connections hold on it (POSIX advisory locks belong to the process).
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

HEADER = b"SQLite format 3\x00"
EVENTS = "stored_events"


def check_sqlite_store(path: str) -> str | None:
    """What makes this file no readable erpflow event store, or None (an absent or empty file is a new store)."""
    file = Path(path)
    if not file.exists() or file.stat().st_size == 0:
        return None
    try:
        with closing(sqlite3.connect(f"file:{file}?mode=ro", uri=True, timeout=30)) as conn:
            tables = [name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    except sqlite3.DatabaseError as exc:
        return diagnose(path) or f"{file} cannot be read ({exc})"
    if tables and EVENTS not in tables:
        return f"{file} is not an erpflow event store (it holds the tables {', '.join(sorted(tables)[:5])})"
    return None


def diagnose(path: str) -> str | None:
    """What is wrong with the file SQLite failed on, as far as its header tells: None if it looks whole."""
    file = Path(path)
    with open(file, "rb") as data:
        header = data.read(100)
    if not header.startswith(HEADER) or len(header) < 100:
        return f"{file} is not an SQLite database (its header is overwritten, or it is another kind of file)"
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages, size = int.from_bytes(header[28:32], "big"), file.stat().st_size
    if page_size < 512 or size % page_size or (header[24:28] == header[92:96] and size < pages * page_size):
        return f"{file} is truncated ({size} bytes where its header announces {pages * page_size})"
    return None
