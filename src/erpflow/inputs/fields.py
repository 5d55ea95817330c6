"""Plan fields that guard what a plan may reach: paths inside the project, URLs without credentials, encodings."""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, HttpUrl, ValidationInfo

__all__ = ["Encoding", "Source", "no_credentials", "project_root"]


def project_root(plan: Path) -> Path:
    """The folder a plan's paths must stay in: the nearest one above it holding domain/cycle.yaml, or its own."""
    folder = plan.resolve().parent
    return next((above for above in (folder, *folder.parents) if (above / "domain" / "cycle.yaml").is_file()), folder)


def _inside(path: Path, info: ValidationInfo) -> Path:
    """The path resolved (symlinks followed) against the plan's folder; refused unless it stays in the project."""
    context = info.context or {}
    base, root = context.get("base"), context.get("root")
    if base is None:
        return path
    if path.is_absolute():
        raise ValueError("an absolute path is refused: give a path relative to the plan, inside its project folder")
    resolved = (base / path).resolve()
    if not resolved.is_relative_to(root):
        raise ValueError(f"leads outside the project folder {root} (after following links): refused")
    return resolved


Source = Annotated[Path, AfterValidator(_inside)]


def _encoding(name: str) -> str:
    try:
        "text".encode(name)  # refuses codecs that are not text encodings (hex, rot13...)
    except LookupError:
        raise ValueError(f"unknown encoding {name!r}") from None
    except UnicodeError:
        pass
    return codecs.lookup(name).name


Encoding = Annotated[str, AfterValidator(_encoding)]


def no_credentials(setting: str) -> Any:
    def check(url: HttpUrl) -> HttpUrl:
        if url.username is not None or url.password is not None:
            raise ValueError(
                f"a URL must not hold credentials (user:password@): set {setting} in the environment "
                "or a Prefect Secret block"
            )
        return url

    return AfterValidator(check)
