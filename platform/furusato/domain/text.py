"""Text people type: what a single-line field and a multi-line field may contain.

A single-line field (a title, a name, kana, an address, a phone number, a tier's name, a bank
holder, a carrier, …) ends up in mail headers, CSV cells, PDF lines and transfer files, where a
line break or another control character changes what the text means: a CR/LF in a project's
title made every mail about it fail, and could have added headers to them. So a single-line
value may contain no control character at all: C0 (CR, LF, TAB, NUL, ESC …), DEL and C1
(NEL among them), the Unicode line and paragraph separators (U+2028, U+2029), the
bidirectional overrides that make text read differently from how it is stored (U+202A–U+202E,
U+2066–U+2069), and lone surrogates (which no database or mail can encode). A multi-line field
(a story, a description, a reason) may also hold line breaks and tabs, and nothing else of these.

`one_line` is for text already stored, from before these rules: it turns what a single line
may not contain into spaces, so that, say, a mail's subject never carries a line break.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Mapping

from furusato.domain.messages import N_

LINE_PROBLEM = N_("改行や制御文字は入力できません。")
TEXT_PROBLEM = N_("制御文字は入力できません（改行とタブは使えます）。")

_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_MULTI_LINE_ALLOWED = frozenset("\n\r\t")
_NOT_ONE_LINE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]+"
)


def _forbidden(char: str) -> bool:
    if char in _BIDI_CONTROLS:
        return True
    return unicodedata.category(char) in ("Cc", "Zl", "Zp", "Cs")


def line_problem(value: str) -> str | None:
    """Why `value` cannot be a single-line field's value, or None."""
    return LINE_PROBLEM if any(_forbidden(c) for c in value) else None


def text_problem(value: str) -> str | None:
    """Why `value` cannot be a multi-line field's value, or None."""
    bad = (c for c in value if c not in _MULTI_LINE_ALLOWED)
    return TEXT_PROBLEM if any(_forbidden(c) for c in bad) else None


def problems(values: Mapping[str, object], *, multi_line: Collection[str] = ()) -> dict[str, str]:
    """Field name → message for each text value it may not hold. Every value is a single line,
    except the fields named in `multi_line`; values that are not text are not looked at."""
    found: dict[str, str] = {}
    for name, value in values.items():
        if not isinstance(value, str):
            continue
        problem = text_problem(value) if name in multi_line else line_problem(value)
        if problem:
            found[name] = problem
    return found


def one_line(value: str) -> str:
    """The text with every run of characters a single line may not hold made one space."""
    return _NOT_ONE_LINE.sub(" ", value).strip()
