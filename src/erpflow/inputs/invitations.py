"""Invitation texts from the method's templates (domain/invitations/LANG/*.txt, Jinja2), dates written the local
way of the language (babel). A method without them keeps erpflow's built-in English text."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time, get_timezone_name
from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment

from erpflow.model.errors import InputError
from erpflow.model.sessions import Session, Trainee

__all__ = ["PARTS", "load_invitations", "render"]

PARTS = ("subject", "body", "summary", "description")
Templates = dict[str, dict[str, str]]  # language -> part -> template source
_env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)


def load_invitations(folder: Path) -> tuple[Templates, list[Path]]:
    """The templates of each language folder under ``folder`` (checked), and their files."""
    templates: Templates = {}
    files: list[Path] = []
    if not folder.is_dir():
        return templates, files
    for language in sorted(p for p in folder.iterdir() if p.is_dir()):
        try:
            Locale.parse(language.name)
        except (ValueError, UnknownLocaleError):
            raise InputError(str(language), "not a language (fr, en, de_CH...)") from None
        parts = {}
        for part in PARTS:
            path = language / f"{part}.txt"
            if not path.is_file():
                raise InputError(str(path), f"missing: a language folder holds {', '.join(PARTS)} (.txt)")
            parts[part] = path.read_text(encoding="utf-8")
            try:
                _env.parse(parts[part])
            except TemplateSyntaxError as exc:
                raise InputError(str(path), f"template: {exc.message}", line=exc.lineno) from None
            files.append(path)
        templates[language.name] = parts
    return templates, files


@lru_cache(maxsize=256)
def _compiled(source: str) -> Any:
    """A template compiled once per process, not once per invitation."""
    return _env.from_string(source)


def render(templates: dict[str, str], language: str, session: Session, trainee: Trainee) -> dict[str, str]:
    """Subject, body, summary and description of one trainee's invitation."""
    start, end = session.slot.start, session.slot.end
    where = ", ".join(part for part in (session.slot.room, session.site) if part)
    context = {
        "name": trainee.name,
        "title": session.title,
        "room": session.slot.room,
        "site": session.site or "",
        "where": where,
        "trainer": session.trainer.name,
        "trainer_email": session.trainer.email,
        "day": format_date(start, "medium", locale=language),
        "long_day": format_date(start, "full", locale=language),
        "start": format_time(start, "short", locale=language),
        "end": format_time(end, "short", locale=language),
        "zone": get_timezone_name(start, width="short", locale=language) if start.tzinfo else "",
    }
    try:
        texts = {part: _compiled(source).render(context) for part, source in templates.items()}
    except TemplateError as exc:
        raise InputError(f"invitations/{language}", f"template: {exc}") from None
    return {part: " ".join(text.split()) if part != "body" else text for part, text in texts.items()}
