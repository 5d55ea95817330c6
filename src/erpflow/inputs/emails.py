"""E-mail addresses of source rows: pydantic's EmailStr, the same answers, without its cost per row.

EmailStr runs email-validator on every address (about 0.3 ms each). A source of thousands of people holds plain
addresses on a handful of domains: an ASCII dot-atom before the @-sign, an ASCII domain after it. For those the
library's answer is the local part as given, then the domain as the library normalizes it; the domain is checked
by the library once and remembered. Any other address (a display name, quotes, non-ASCII characters, a mailbox
name the library lowercases, a length near the limits, a domain it refuses) goes through pydantic's own check, so
messages and results stay pydantic's.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Annotated

from email_validator import EmailNotValidError
from email_validator import validate_email as library_check
from email_validator.rfc_constants import CASE_INSENSITIVE_MAILBOX_NAMES, DOT_ATOM_TEXT, EMAIL_MAX_LENGTH
from pydantic import AfterValidator
from pydantic.networks import validate_email as pydantic_check

__all__ = ["Email", "email_address"]

DOMAIN = re.compile(r"[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
LOWERED = frozenset(CASE_INSENSITIVE_MAILBOX_NAMES)


@lru_cache(maxsize=1024)
def _domain(domain: str) -> tuple[str, str] | None:
    """The domain as the library normalizes it and in IDNA ASCII, or None when the library refuses it."""
    try:
        checked = library_check(f"a@{domain}", check_deliverability=False)
    except EmailNotValidError:
        return None
    return checked.domain, checked.ascii_domain


def email_address(value: str) -> str:
    """The address normalized as EmailStr normalizes it; pydantic's error when it is not an address."""
    email = value.strip()
    local, at, domain = email.rpartition("@")
    if at and DOMAIN.fullmatch(domain) and DOT_ATOM_TEXT.match(local) and local.lower() not in LOWERED:
        known = _domain(domain)
        if known is not None:
            normalized, ascii_domain = known
            longest = max(len(email), len(local) + 1 + len(normalized), len(local) + 1 + len(ascii_domain))
            if longest <= EMAIL_MAX_LENGTH and email == value:
                return f"{local}@{normalized}"
    return pydantic_check(value)[1]


Email = Annotated[str, AfterValidator(email_address)]
