"""The words of every mail: one Jinja template per mail under templates/mail/, rendered here.

A template is the mail's body, with its subject set at the top (`{% set subject %}…{% endset %}`).
The services give it the facts (a donation, a project, an amount); the city (its name, address,
phone) and the start of every link (`base_url`, from BASE_URL) are given to every template here,
so a mail never reads them on its own. The worker renders too (a `message_ref` is written when it
is sent), so this is a plain jinja2 Environment, with no Flask request or app behind it.

Mails are Japanese, like documents and CSV files, whatever language the reader's pages are in:
amounts with thousands separators (`{{ amount | thousands }}円`), dates and times in JST. Text
mail is not HTML, so nothing is escaped; header values are made one line when the message is
built (services/mail.py). A value a template names and the service did not give is an error
(StrictUndefined), not an empty gap in a donor's mail.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any, NamedTuple

import jinja2

from furusato.config import PROJECT_ROOT, get_settings
from furusato.domain.money import jdate, jdatetime, jmonth, to_jst

TEMPLATES = PROJECT_ROOT / "templates" / "mail"


class MailText(NamedTuple):
    """A mail's subject and body, as `render` wrote them."""

    subject: str
    body: str


def base_url() -> str:
    """BASE_URL without a trailing slash: the start of every link a mail carries."""
    return get_settings().base_url.rstrip("/")


def render(name: str, **values: Any) -> MailText:
    """The mail `templates/mail/<name>.txt` with these values, the city and `base_url`."""
    template = _environment().get_template(f"{name}.txt")
    shared = {"city": get_settings().city, "base_url": base_url()}
    module = template.make_module(shared | values)
    subject = vars(module).get("subject")  # the template's top-level {% set subject %}
    if subject is None:
        raise LookupError(f"templates/mail/{name}.txt sets no subject")
    return MailText(subject=str(subject), body=str(module))


def thousands(amount: int) -> str:
    """12,000"""
    return f"{amount:,}"








def jst(value: datetime, pattern: str) -> str:
    """A moment in JST, in a strftime format: `paid_at | jst("%Y年%m月%d日 %H:%M:%S")`."""
    return to_jst(value).strftime(pattern)


@cache
def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=False,  # noqa: S701 - text mail, not HTML
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,  # a line holding only a tag leaves no empty line
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters.update(
        thousands=thousands, jdate=jdate, jdatetime=jdatetime, jmonth=jmonth, jst=jst
    )
    return environment
