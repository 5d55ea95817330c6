"""Which operations a run does: all, from one on, or only one; dependencies checked."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from erpflow.model.errors import CommandRefused


def select_operations(
    order: Sequence[str],
    depends_on: Mapping[str, Sequence[str]],
    done: set[str],
    start_from: str | None = None,
    only: str | None = None,
) -> list[str]:
    """The operations to run, in the cycle's order.

    Each selected operation's dependencies must be done already or run before it in this run.
    """
    if start_from and only:
        raise CommandRefused("give --from or --only, not both")
    for name in (start_from, only):
        if name and name not in order:
            raise CommandRefused(f"unknown operation {name!r}; the cycle is {', '.join(order)}")
    if only:
        selected = [only]
    elif start_from:
        selected = list(order[order.index(start_from) :])
    else:
        selected = list(order)
    for position, operation in enumerate(selected):
        for needed in depends_on.get(operation, ()):
            if needed not in done and needed not in selected[:position]:
                raise CommandRefused(
                    f"{operation} needs {needed}, which is not done: "
                    f"run with --from {needed} (or without --from/--only)"
                )
    return selected
