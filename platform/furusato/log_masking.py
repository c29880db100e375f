"""Guest capability tokens never reach a log.

A guest donor reaches their donation by its secret access token: in the path of the payment
page (`/donations/<token>`, `/pay`, `/status`) and in the `?t=<token>` of the receipt and one-stop
form links mailed to them. Whoever reads the token can see the donor's name and address and
download their receipt, so it must not sit in an access log, an error log or a Referer.

`install()` puts a log-record factory in front of Python's logging, so every record made in the
process is masked when it is made, whatever the logger: gunicorn's access log (its atoms: the
request line, path, query, Referer, and any header or environ value a custom
`--access-logformat` adds), gunicorn's error log, Werkzeug's request log, Flask's and our own.
The app installs it when it is created (`furusato:create_app()`, whatever command serves it) and
the worker when it is imported. `Authorization`, `Cookie` and `X-Donation-Token` values in a
log's named arguments are masked whole.

The pages that carry a token also send `Referrer-Policy: strict-origin` (web/app.py), so a
browser sends only our origin, never the token, as the Referer of what those pages load.
"""

from __future__ import annotations

import copy
import logging
import re
from collections.abc import Callable, Mapping
from typing import Any

MASK = "[token]"

# /donations/<token>… (also %2F-encoded, inside a `next=` or a logged Referer); a number there
# is a donation id (/donations/12/receipt.pdf) and stays.
_PATH = re.compile(r"((?:/|%2F)donations(?:/|%2F))([A-Za-z0-9_\-]+)", re.IGNORECASE)
_QUERY = re.compile(r"((?:[?&;]|%3F|%26)t(?:=|%3D))([^&#;\s\"']+)", re.IGNORECASE)
# Named arguments (gunicorn's `{header}i` / `{environ}e` atoms) whose whole value is a secret.
_SECRET_NAMES = re.compile(r"authorization|cookie|donation[-_]token", re.IGNORECASE)
_PLAIN = (str, int, float, bool, type(None))


def _path_token(match: re.Match[str]) -> str:
    segment = match.group(2)
    if segment.isdigit() and len(segment) <= 10:  # an INTEGER id, not a token
        return match.group(0)
    return match.group(1) + MASK


def mask(text: str) -> str:
    """The text with every guest token in a donation path or a `t=` parameter replaced."""
    if "donations" not in text.lower() and "t=" not in text and "t%3d" not in text.lower():
        return text  # the common case, without running the expressions
    return _QUERY.sub(r"\g<1>" + MASK, _PATH.sub(_path_token, text))


def carries_token(path: str) -> bool:
    """Whether a request path (with its query) holds a guest token."""
    return mask(path) != path


def _masked(value: Any) -> Any:
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, _PLAIN):
        return value
    text = str(value)  # an object whose text shows a URL (a request, an exception)
    masked = mask(text)
    return value if masked == text else masked


def _masked_mapping(args: Mapping[str, Any]) -> Mapping[str, Any]:
    out = copy.copy(args)  # the same type (gunicorn's SafeAtoms), the caller's own left alone
    for key, value in args.items():
        if _SECRET_NAMES.search(str(key)) and value not in ("", "-", None):
            out[key] = MASK  # type: ignore[index]
        else:
            out[key] = _masked(value)  # type: ignore[index]
    return out


def mask_record(record: logging.LogRecord) -> logging.LogRecord:
    """Mask the record's message, its arguments and its traceback text, in place."""
    if isinstance(record.msg, str):
        record.msg = mask(record.msg)
    elif not isinstance(record.msg, _PLAIN):
        record.msg = _masked(record.msg)
    if isinstance(record.args, Mapping):
        record.args = _masked_mapping(record.args)
    elif isinstance(record.args, tuple):
        record.args = tuple(_masked(a) for a in record.args)
    if record.exc_info and not record.exc_text:
        record.exc_text = mask(logging.Formatter().formatException(record.exc_info))
    if record.stack_info:
        record.stack_info = mask(record.stack_info)
    return record


def install() -> None:
    """Mask every log record this process makes from now on (idempotent)."""
    previous: Callable[..., logging.LogRecord] = logging.getLogRecordFactory()
    if getattr(previous, "masks_tokens", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return mask_record(previous(*args, **kwargs))

    factory.masks_tokens = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)
