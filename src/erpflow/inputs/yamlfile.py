"""Read a YAML file and validate it with pydantic, naming file, line and field on error."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from erpflow.inputs.files import read_bytes
from erpflow.inputs.safeyaml import Loader
from erpflow.inputs.text import control_character, visible
from erpflow.model.errors import InputError

M = TypeVar("M", bound=BaseModel)
Lines = dict[tuple[Any, ...], int]
MERGE = "tag:yaml.org,2002:merge"


def _walk(node: yaml.Node, path: tuple[Any, ...], out: Lines, file: Path) -> None:
    """Record the line of every key and item; refuse a duplicate key or a control character in any text."""
    out[path] = node.start_mark.line + 1
    if isinstance(node, yaml.ScalarNode):
        _plain(node, path, file)
    elif isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key, value in node.value:
            line = key.start_mark.line + 1
            if not isinstance(key, yaml.ScalarNode):
                raise InputError(str(file), "a key must be plain text", line=line, field=_dotted(path))
            child = (*path, key.value)
            _plain(key, child, file)
            if key.tag != MERGE:
                if key.value in seen:
                    raise InputError(
                        str(file),
                        f"duplicate key {key.value!r} (first at line {seen[key.value]})",
                        line=line,
                        field=_dotted(child),
                    )
                seen[key.value] = line
            _walk(value, child, out, file)
            out[child] = line
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), out, file)


def _plain(node: yaml.ScalarNode, path: tuple[Any, ...], file: Path) -> None:
    problem = control_character(node.value)
    if problem:
        raise InputError(str(file), problem, line=node.start_mark.line + 1, field=_dotted(path))


def _dotted(path: tuple[Any, ...]) -> str | None:
    return ".".join(visible(str(part)) for part in path) or None


def read_yaml(path: Path) -> tuple[Any, Lines]:
    """The parsed document and the line of every key and list item in it."""
    from erpflow.settings import Settings

    data = read_bytes(path, Settings().max_input_bytes)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(str(path), "not UTF-8 text", line=data[: exc.start].count(b"\n") + 1) from None
    try:
        return _parse(text, path)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise InputError(
            str(path), f"not valid YAML: {exc.problem or exc.context}", line=mark.line + 1 if mark else None
        ) from None
    except yaml.reader.ReaderError as exc:
        raise InputError(
            str(path),
            f"not valid YAML: character {exc.character!r} is not allowed",
            line=text[: exc.position].count("\n") + 1,
        ) from None
    except yaml.YAMLError as exc:
        raise InputError(str(path), f"not valid YAML: {exc}") from None


def _parse(text: str, path: Path) -> tuple[Any, Lines]:
    loader = Loader(text)
    try:
        root = loader.get_single_node()
        lines: Lines = {}
        if root is None:
            return None, lines
        _walk(root, (), lines, path)
        return loader.construct_document(root), lines
    finally:
        loader.dispose()


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
