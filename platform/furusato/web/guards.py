"""Role checks for views: anonymous users go to the login page, wrong roles get 403."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import abort
from flask_login import current_user, login_required

F = TypeVar("F", bound=Callable[..., Any])


def role_required(*roles: str) -> Callable[[F], F]:
    def decorate(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        # The authorisation matrix test reads this to know the rule of every route.
        wrapper.access_roles = roles  # type: ignore[attr-defined]
        return cast(F, wrapper)

    return decorate


def public(view: F) -> F:
    """Mark a view as open to everyone (the authorisation matrix requires a marking)."""
    view.access_roles = ("anonymous",)  # type: ignore[attr-defined]
    return view


def mynumber_officer_required(view: F) -> F:
    """Staff who are 個人番号事務取扱担当者 only (revealing and exporting My Numbers); other
    staff get 403."""

    @wraps(view)
    @login_required
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if current_user.role != "staff":
            abort(403)
        if not current_user.handles_mynumber:
            abort(403, description="mynumber_officer_required")
        return view(*args, **kwargs)

    wrapper.access_roles = ("staff",)  # type: ignore[attr-defined]
    wrapper.mynumber_officer = True  # type: ignore[attr-defined]
    return cast(F, wrapper)
