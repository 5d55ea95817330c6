"""Errors a target raises when a whole call fails (item-level refusals are rejected outcomes)."""

from __future__ import annotations


class TargetError(Exception):
    """A call to a target failed as a whole."""


class TargetUnavailable(TargetError):
    """The target cannot be reached or opened (missing database, locked, refused); retrying may help."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)
