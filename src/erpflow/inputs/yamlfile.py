"""Read a YAML file and validate it with pydantic, naming file, line and field on error."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from erpflow.model.errors import InputError

M = TypeVar("M", bound=BaseModel)
Lines = dict[tuple[Any, ...], int]
TIMESTAMP = "tag:yaml.org,2002:timestamp"


class _Loader(yaml.SafeLoader):
    """Safe YAML where dates stay text: pydantic parses them, so a bad date is reported with its line."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != TIMESTAMP]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _lines(node: yaml.Node, path: tuple[Any, ...], out: Lines) -> None:
    out[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = path + (key.value,)
            _lines(value, child, out)
            out[child] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _lines(item, path + (index,), out)


def read_yaml(path: Path) -> tuple[Any, Lines]:
    """The parsed document and the line of every key and list item in it."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(str(path), "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(str(path), f"cannot be read: {exc}") from None
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - a safe loader
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise InputError(str(path), f"not valid YAML: {exc.problem or exc.context}",
                         line=mark.line + 1 if mark else None) from None
    except yaml.reader.ReaderError as exc:
        raise InputError(str(path), f"not valid YAML: character {exc.character!r} is not allowed",
                         line=text[:exc.position].count("\n") + 1) from None
    except yaml.YAMLError as exc:
        raise InputError(str(path), f"not valid YAML: {exc}") from None
    lines: Lines = {}
    if root is not None:
        _lines(root, (), lines)
    return data, lines


def line_of(lines: Lines, loc: tuple[Any, ...]) -> int | None:
    """The line of the deepest known key on the way to loc."""
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None


def validate(model: type[M], data: Any, path: Path, lines: Lines, context: dict[str, Any] | None = None) -> M:
    """Validate data against model; the first error names file, line and field."""
    try:
        return model.model_validate(data if data is not None else {}, context=context)
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        loc = tuple(part for part in error["loc"] if not (isinstance(part, str) and part.startswith("function-")))
        field = ".".join(str(part) for part in loc) or None
        message = error["msg"].removeprefix("Value error, ")
        raise InputError(str(path), message, line=line_of(lines, loc), field=field) from None


def load(model: type[M], path: Path, context: dict[str, Any] | None = None) -> M:
    data, lines = read_yaml(path)
    return validate(model, data, path, lines, context)
