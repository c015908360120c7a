"""The two helpers every error message goes through: the innermost cause of an exception group, and masking."""

from __future__ import annotations

import builtins
import sys

import pytest

from gaugellm.causes import describe_exception, innermost
from gaugellm.errors import DataError
from gaugellm.redaction_text import MASK, redact_text


@pytest.mark.skipif(sys.version_info < (3, 11), reason="exception groups are Python 3.11+")
def test_an_exception_group_is_described_by_its_innermost_problem() -> None:
    ExceptionGroup = builtins.__dict__["ExceptionGroup"]  # noqa: N806 - the builtin, named as Python 3.11 names it
    nested = ExceptionGroup("outer", [ExceptionGroup("unhandled errors in a TaskGroup", [OverflowError("port")])])
    assert describe_exception(nested) == "OverflowError: port"
    mixed = ExceptionGroup("outer", [ValueError("noise"), DataError("the user's mistake")])
    assert isinstance(innermost(mixed), DataError)  # a user error explains more than anything else
    plain = ValueError("alone")
    assert innermost(plain) is plain


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("http://user:pw@host:1/x", f"http://user:{MASK}@host:1/x"),
        ("https://TOKEN@host/v1", f"https://{MASK}@host/v1"),
        ("GET http://h/v1/models?api_key=abc&model=m failed", f"GET http://h/v1/models?api_key={MASK}&model=m failed"),
        ("/health?key=abc", f"/health?key={MASK}"),
        ("x?a=1&access_token=abc#f", f"x?a=1&access_token={MASK}#f"),
        ("https://host:8000/v1?model=m", "https://host:8000/v1?model=m"),
    ],
)
def test_credentials_in_urls_are_masked_anywhere_in_text(text: str, expected: str) -> None:
    assert redact_text(text) == expected
