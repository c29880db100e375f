"""Whole numbers from query strings and forms (pages, API operations): one parser, with bounds.

A value is a whole number only when it is written in digits alone (full-width digits count, as a
Japanese keyboard types them): no sign, decimal point, exponent, spaces or underscores, so
`true`, `2025.0`, `1e3` or `+1` never become a number. Outside its bounds or not a number, a
page answers 400 naming the parameter and its bounds (`query_int`, where an empty value means
"not given", and `bounded_int` for a value a form posts outside WTForms' own fields), an API operation a 422 problem naming it (`WholeNumber` in its query model: its
document says integer, so an empty value is refused too), and a GET form shows its field's
message (`WholeNumberField`). Never a 500 from a number too large for the database, and never
a silent fallback to another number.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, overload

from flask import request
from flask_babel import gettext
from pydantic import BeforeValidator
from wtforms import IntegerField

from furusato.services.errors import N_, ServiceError

INT32_MAX = 2**31 - 1  # an id: the largest an INTEGER column holds
MAX_PAGE = 100_000
# Furusato nozei began in 2008; beyond 2100 no tax table or deadline exists.
FIRST_YEAR, LAST_YEAR = 2008, 2100

_DIGITS = re.compile(r"[0-9]{1,19}")
_FULL_WIDTH = str.maketrans("０１２３４５６７８９", "0123456789")  # not ², ① or other digits


class BadNumber(ServiceError):
    status = 400
    code = "bad_number"


def whole_number(raw: str) -> int:
    """The number `raw` writes in digits alone, or ValueError."""
    text = raw.translate(_FULL_WIDTH)
    if not _DIGITS.fullmatch(text):
        raise ValueError("must be a whole number written in digits")
    return int(text)


def bounded_int(name: str, raw: str, *, low: int, high: int) -> int:
    """`raw` (the value of `name`) as a whole number in [low, high], or BadNumber: a 400 page
    naming the parameter and its bounds."""
    try:
        value: int | None = whole_number(raw)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        message = N_(
            "「%(name)s」には%(low)sから%(high)sまでの整数を指定してください。",
            name=name,
            low=low,
            high=high,
        )
        raise BadNumber(message, fields={name: message})
    return value


@overload
def query_int(name: str, *, low: int, high: int, default: int) -> int: ...
@overload
def query_int(name: str, *, low: int, high: int, default: None = None) -> int | None: ...
def query_int(name: str, *, low: int, high: int, default: int | None = None) -> int | None:
    """The query parameter `name` as a whole number in [low, high]; `default` when absent or
    empty; otherwise BadNumber (a 400 page naming the parameter and its bounds)."""
    raw = request.args.get(name, "")
    if raw == "":
        return default
    return bounded_int(name, raw, low=low, high=high)


def _from_query(value: Any) -> Any:
    if isinstance(value, str):
        return whole_number(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("must be a whole number written in digits")
    return value


# An integer query parameter of an API operation, parsed as above; its Field gives the bounds.
WholeNumber = Annotated[int, BeforeValidator(_from_query)]


class WholeNumberField(IntegerField):
    """A GET form's integer field read by the same parser (its validators give the bounds)."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist or valuelist[0] in ("", None):
            return
        try:
            self.data = whole_number(str(valuelist[0]))
        except ValueError as exc:
            self.data = None  # type: ignore[assignment]  # as IntegerField does
            raise ValueError(gettext("数字だけで入力してください。")) from exc
