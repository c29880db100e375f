"""応援メッセージ: a message a donor may leave with a pledge, and the business's one reply.

The message may run over several lines; the name shown beside it is one line, or none at all
when the donor chooses 匿名. Nothing is shown until the business or staff approve it.
"""

from __future__ import annotations

from dataclasses import dataclass

from furusato.domain import text as text_rules
from furusato.domain.messages import N_

MAX_MESSAGE_CHARS = 400
MAX_NAME_CHARS = 30
MAX_REPLY_CHARS = 400


@dataclass(frozen=True)
class CheerChoice:
    """What the donor wrote on the give form (an empty message leaves none)."""

    message: str = ""
    display_name: str = ""
    anonymous: bool = True

    @property
    def given(self) -> bool:
        return bool(self.message.strip())


NO_MESSAGE = CheerChoice()


def cheer_problems(choice: CheerChoice) -> dict[str, str]:
    """Field name (`cheer_message`, `cheer_name`) → why it is refused; nothing for no message."""
    fields: dict[str, str] = {}
    if not choice.given:
        return fields
    if len(choice.message) > MAX_MESSAGE_CHARS:
        fields["cheer_message"] = N_("%(n)s文字以内にしてください。", n=MAX_MESSAGE_CHARS)
    elif text_rules.text_problem(choice.message):
        fields["cheer_message"] = text_rules.TEXT_PROBLEM
    if not choice.anonymous:
        name = choice.display_name
        if not name.strip():
            fields["cheer_name"] = N_("お名前を表示する場合は、表示するお名前を入力してください。")
        elif len(name) > MAX_NAME_CHARS:
            fields["cheer_name"] = N_("%(n)s文字以内にしてください。", n=MAX_NAME_CHARS)
        elif text_rules.line_problem(name):
            fields["cheer_name"] = text_rules.LINE_PROBLEM
    return fields


def reply_problem(reply: str) -> str | None:
    """Why the business's reply is refused, or None."""
    if not reply.strip():
        return N_("入力してください。")
    if len(reply) > MAX_REPLY_CHARS:
        return N_("%(n)s文字以内にしてください。", n=MAX_REPLY_CHARS)
    return text_rules.text_problem(reply)
