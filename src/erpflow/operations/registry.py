"""Operations by id: every module of this package that defines ``OPERATION`` is one.

Adding an operation is one new module here and its line in domain/cycle.yaml.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

import erpflow.operations
from erpflow.operations.base import Operation


@cache
def operations() -> dict[str, Operation]:
    found: dict[str, Operation] = {}
    for module in pkgutil.iter_modules(erpflow.operations.__path__):
        operation = getattr(importlib.import_module(f"erpflow.operations.{module.name}"), "OPERATION", None)
        if operation is not None:
            found[operation.id] = operation
    return found


def ids() -> frozenset[str]:
    return frozenset(operations())


def get(operation: str) -> Operation:
    try:
        return operations()[operation]
    except KeyError:
        raise KeyError(f"unknown operation {operation!r} (known: {', '.join(sorted(operations()))})") from None
