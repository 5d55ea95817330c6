"""A YAML loader for files written by hand: safe types, dates left as text, and bounded work.

Aliases may expand to at most ALIAS_BUDGET values in all (a "billion laughs" file is refused while it is
parsed), an alias never refers to its own anchor, and nesting stops at MAX_DEPTH.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.composer import ComposerError

__all__ = ["ALIAS_BUDGET", "MAX_DEPTH", "Loader"]

ALIAS_BUDGET = 10_000
MAX_DEPTH = 64
TIMESTAMP = "tag:yaml.org,2002:timestamp"


class Loader(yaml.SafeLoader):
    """Safe YAML where dates stay text (pydantic parses them, so a bad date is reported with its line)."""

    def __init__(self, stream: Any):
        super().__init__(stream)
        self._budget = ALIAS_BUDGET
        self._depth = 0
        self._open: set[str] = set()
        self._sizes: dict[int, int] = {}

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            if event.anchor in self._open:
                raise ComposerError(None, None, f"alias *{event.anchor} is inside its own anchor", event.start_mark)
            node = super().compose_node(parent, index)
            self._budget -= self._size(node)
            if self._budget < 0:
                raise ComposerError(None, None, f"aliases expand to more than {ALIAS_BUDGET} values", event.start_mark)
            return node
        if self._depth >= MAX_DEPTH:
            raise ComposerError(None, None, f"nested deeper than {MAX_DEPTH} levels", event.start_mark)
        anchor = getattr(event, "anchor", None)
        self._depth += 1
        if anchor:
            self._open.add(anchor)
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1
            self._open.discard(anchor)

    def _size(self, node: yaml.Node) -> int:
        """How many values the node stands for once every alias in it is expanded."""
        size = self._sizes.get(id(node))
        if size is None:
            if isinstance(node, yaml.ScalarNode):
                size = 1
            elif isinstance(node, yaml.SequenceNode):
                size = 1 + sum(self._size(item) for item in node.value)
            else:
                size = 1 + sum(self._size(key) + self._size(value) for key, value in node.value)
            self._sizes[id(node)] = size
        return size


Loader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != TIMESTAMP]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
