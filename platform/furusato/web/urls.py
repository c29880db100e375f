"""URL tables: each area's blueprint module (staff, business, donor, public) lists the rules of
all its views in one place and registers them explicitly, so no view module imports it back."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask import Blueprint

GET, POST, GET_POST = ("GET",), ("POST",), ("GET", "POST")

Route = tuple[str, Callable[..., Any], tuple[str, ...]]


def add_routes(bp: Blueprint, routes: Iterable[Route]) -> None:
    """Register each (rule, view, methods); the endpoint is the view's name, as `@bp.get` made it."""
    for rule, view, methods in routes:
        bp.add_url_rule(rule, view_func=view, methods=list(methods))
