"""Shared form helpers and the base of every form (Flask-WTF forms live beside the blueprint
that uses them)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, TextAreaField

from furusato.domain import text
from furusato.web.extensions import translated


def safe_next(target: str | None, fallback: str) -> str:
    """Only same-site relative paths are followed after login (no open redirects)."""
    if not target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    if "\\" in target:
        return fallback
    return target


class Form(FlaskForm):
    """The base of every form of the app. Besides its own validators, each text field's value
    must suit its kind (domain/text.py): one line for an input field (StringField and its
    Email, Tel, Search and Hidden kin), line breaks and tabs too for a TextAreaField. A
    password is only hashed, never shown or sent: it is taken as it is."""

    def validate(self, extra_validators: Mapping[str, Sequence[Any]] | None = None) -> bool:
        valid = super().validate(extra_validators)
        for field in self:
            if isinstance(field, PasswordField) or not isinstance(field.data, str):
                continue
            if isinstance(field, TextAreaField):
                problem = text.text_problem(field.data)
            elif isinstance(field, StringField):
                problem = text.line_problem(field.data)
            else:
                continue
            if problem:
                field.errors = [*field.errors, translated(problem)]
                valid = False
        return valid
