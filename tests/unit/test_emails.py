"""erpflow's e-mail check gives pydantic's EmailStr answers: the same address, or the same error."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from pydantic import EmailStr, TypeAdapter, ValidationError

from erpflow.inputs.emails import Email

OURS, THEIRS = TypeAdapter(Email), TypeAdapter(EmailStr)


def answer(adapter: TypeAdapter, value: str) -> tuple[str, str]:
    try:
        return "ok", adapter.validate_python(value)
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        return "error", f"{error['type']}: {error['msg']}"


PARTS = st.text(alphabet="abcXYZ09._-+'`!#{}~@<>\" é\u0301ÀßİΩ[]:\\\r\n", max_size=20)
LABEL = st.from_regex(r"[a-zA-Z0-9-]{1,70}", fullmatch=True) | st.sampled_from(
    ["example", "com", "test", "local", "xn--bcher-kva", "123", "ch"]
)


@settings(max_examples=1000, deadline=None)
@given(
    st.one_of(
        PARTS,
        st.builds(lambda local, domain: f"{local}@{domain}", PARTS, PARTS),
        st.builds(
            lambda local, labels: f"{local}@{'.'.join(labels)}",
            st.from_regex(r"[a-zA-Z0-9._%+'-]{0,80}", fullmatch=True),
            st.lists(LABEL, min_size=1, max_size=5),
        ),
    )
)
@example("user0000001@acme.example")
@example("Postmaster@Acme.Example")
@example("Jean Dupont <jean@acme.example>")
@example(" jean@acme.example ")
@example("a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 63 + ".fr")
@example("jean@localhost")
@example("jean@acme.test")
@example("jean@-acme.fr")
@example("jean..dupont@acme.fr")
@example("jean@xn--bcher-kva.ch")
def test_the_same_answer_as_emailstr(value: str) -> None:
    assert answer(OURS, value) == answer(THEIRS, value)


@pytest.mark.parametrize("value", ["not an address", "jean@", "@acme.fr", "jean@acme", "jean@acme..fr"])
def test_a_wrong_address_is_refused_with_pydantics_message(value: str) -> None:
    verdict, message = answer(OURS, value)
    assert verdict == "error" and "value is not a valid email address" in message
