"""Every third-party package src/ imports is declared in pyproject.toml."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _imported(folder: Path) -> set[str]:
    names = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names - set(sys.stdlib_module_names) - {"erpflow", "__future__"}


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_imported_package_is_a_declared_dependency():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    declared = set()
    for requirement in project["dependencies"]:
        name, _, extras = re.match(r"([A-Za-z0-9_.-]+)(\[([^\]]*)\])?", requirement).groups()
        declared |= {_normal(name), *(_normal(e) for e in (extras or "").split(",") if e)}
    distributions = packages_distributions()
    missing = {
        module: distributions.get(module, [module])
        for module in _imported(REPO / "src" / "erpflow")
        if not any(_normal(d) in declared for d in distributions.get(module, [module]))
    }
    assert not missing, f"imported but not declared in pyproject.toml: {missing}"
