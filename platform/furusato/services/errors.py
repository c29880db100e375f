"""Errors services raise; the web layer turns them into pages and problem+json answers.

A `message` (and each of `fields`) is Japanese: a page translates it where it shows it, the API
answers with it as it is. A message kept in a constant, or one with values, is marked with `N_`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from furusato.domain import text
from furusato.domain.messages import N_ as N_  # services mark their messages with it


class ServiceError(Exception):
    """A use case refused its input. `code` is stable for machines, `message` is for people."""

    status = 400
    code = "invalid"

    def __init__(
        self, message: str, *, code: str | None = None, fields: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.fields = fields or {}


class ValidationFailed(ServiceError):
    status = 422
    code = "validation_failed"


class NotFound(ServiceError):
    status = 404
    code = "not_found"


class Forbidden(ServiceError):
    status = 403
    code = "forbidden"


class Conflict(ServiceError):
    status = 409
    code = "conflict"


def refuse_control_characters(
    values: Mapping[str, object], *, multi_line: Collection[str] = ()
) -> None:
    """Refuse text a field may not hold (domain/text.py): every value is a single line except
    the fields named in `multi_line`. Raises ValidationFailed naming each such field."""
    if found := text.problems(values, multi_line=multi_line):
        raise ValidationFailed("入力内容を確認してください。", fields=found)


def required_reason(reason: str | None, missing: str) -> str:
    """A staff decision's reason, which the business or donors read: stripped, free of control
    characters (line breaks allowed), and present (`missing` says which reason is missing)."""
    reason = (reason or "").strip()
    refuse_control_characters({"reason": reason}, multi_line=("reason",))
    if not reason:
        raise ValidationFailed(missing, code="reason_required", fields={"reason": "required"})
    return reason
