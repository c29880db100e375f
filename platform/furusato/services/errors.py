"""Errors services raise; the web layer turns them into pages and problem+json answers."""

from __future__ import annotations


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
