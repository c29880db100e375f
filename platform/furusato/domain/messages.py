"""Messages for people: written in Japanese here, translated where a page shows them.

The domain and the services know nothing of Flask or of the reader's language. A Japanese
sentence is its own msgid: `make translations` finds it as the first argument of `N_` or of a
ServiceError class (scripts/i18n.py), and the web layer looks it up in the page's language
(furusato.web.extensions.translated). The JSON API and the logs keep the Japanese text.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from furusato.domain.money import jdate


class Message(str):
    """A sentence with named values. It is the Japanese text (`template % values`), so it goes
    wherever a str goes, and it keeps its template and values, so that a page in another
    language can translate the template and fill the same values in. A date value is written
    2026年12月31日 here and in the page's own form where a page shows it."""

    template: str
    values: Mapping[str, object]

    def __new__(cls, template: str, values: Mapping[str, object]) -> Message:
        japanese = {k: jdate(v) if isinstance(v, date) else v for k, v in values.items()}
        message = super().__new__(cls, template % japanese)
        message.template = template
        message.values = values
        return message

    def __reduce__(self) -> tuple[Any, ...]:
        return (Message, (self.template, dict(self.values)))


def N_(template: str, **values: object) -> str:
    """Marks a Japanese message for translation; where it is shown, it is translated. Values
    fill `%(name)s` placeholders (a literal % is then written %%)."""
    return Message(template, values) if values else template
