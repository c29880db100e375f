"""Browsing: the home page, the project list with search, filter, sort and pages, a project.

Its URLs are in the public area's table (web/public.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext
from flask_login import current_user
from markupsafe import Markup
from wtforms import BooleanField, SearchField, SelectChoice, SelectField
from wtforms.validators import Length, Optional

from furusato.services.campaigns import catalog
from furusato.services.campaigns.catalog import ListQuery, Sort
from furusato.services.following import follows
from furusato.web.extensions import select_locale
from furusato.web.forms import Form
from furusato.web.guards import public
from furusato.web.numbers import MAX_PAGE, query_int
from furusato.web.page_cache import app_cache

SORT_LABELS = {
    Sort.NEW: lazy_gettext("新着順"),
    Sort.ENDING: lazy_gettext("終了が近い順"),
    Sort.POPULAR: lazy_gettext("支援者が多い順"),
    Sort.NEAR_TARGET: lazy_gettext("目標達成が近い順"),
}
CATEGORY_LABELS = {
    "food": lazy_gettext("食品"),
    "drink": lazy_gettext("飲料"),
    "craft": lazy_gettext("工芸品・雑貨"),
    "experience": lazy_gettext("体験"),
    "other": lazy_gettext("その他"),
}


def category_label(code: str) -> Any:
    return CATEGORY_LABELS.get(code, code)


class BrowseForm(Form):
    """The list's GET form (no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    q = SearchField(lazy_gettext("キーワード"), validators=[Optional(), Length(max=100)])
    category = SelectField(
        lazy_gettext("カテゴリー"), validators=[Optional()], validate_choice=False
    )
    sort = SelectField(
        lazy_gettext("並び順"),
        choices=[SelectChoice(s.value, label) for s, label in SORT_LABELS.items()],
        default=Sort.NEW.value,
        validate_choice=False,
    )
    open_only = BooleanField(lazy_gettext("受付中のプロジェクトのみ"))


def _list_query(form: BrowseForm, categories: tuple[str, ...]) -> ListQuery:
    text = " ".join((form.q.data or "").split())[:100]
    category = form.category.data if form.category.data in categories else ""
    try:
        sort = Sort(form.sort.data or Sort.NEW)
    except ValueError:
        sort = Sort.NEW
    return ListQuery(
        text=text,
        category=category,
        sort=sort,
        page=query_int("page", low=1, high=MAX_PAGE, default=1),
        open_only=bool(form.open_only.data),
    )


def page_url(query: ListQuery, page: int) -> str:
    args: dict[str, Any] = {"page": page}
    if query.text:
        args["q"] = query.text
    if query.category:
        args["category"] = query.category
    if query.sort != Sort.NEW:
        args["sort"] = query.sort.value
    if query.open_only:
        args["open_only"] = "y"
    return url_for("public.project_list", **args)


def _rendered(template: str, **context: Any) -> Markup:
    """A fragment the autoescaping template engine produced, to embed as it is."""
    return Markup(render_template(template, category_label=category_label, **context))  # noqa: S704


def _cached(key: tuple[Any, ...], render: Callable[[], Any]) -> Any:
    """Rendered once per locale and key for every visitor, for a few seconds (why that is
    safe: web/page_cache.py). Fragments hold nothing per visitor: no CSRF token, no user."""
    return app_cache("catalog").get((select_locale(), *key), render)


@public
def home() -> ResponseReturnValue:
    body = _cached(("home",), lambda: _rendered("public/_home_body.html", data=catalog.home()))
    return render_template("public/home.html", body=body)


@public
def project_list() -> ResponseReturnValue:
    categories = app_cache("catalog").get(("categories",), catalog.categories)
    form = BrowseForm(formdata=request.args)
    form.category.choices = [SelectChoice("", lazy_gettext("すべて"))] + [
        SelectChoice(c, category_label(c)) for c in categories
    ]
    form.validate()
    query = _list_query(form, categories)
    grid = _cached(
        ("list", query),
        lambda: _rendered(
            "public/_grid.html",
            result=catalog.list_projects(query),
            page_url=page_url,
        ),
    )
    filters = _cached(
        ("filters", tuple(request.args.items(multi=True))),
        lambda: _rendered("public/_filters.html", form=form),
    )
    return render_template("public/projects.html", filters=filters, grid=grid)


@public
def project_page(project_id: int) -> ResponseReturnValue:
    def render() -> tuple[str, Markup]:
        project = catalog.project_detail(project_id)
        return project.title, _rendered("public/_project_body.html", p=project)

    title, body = _cached(("project", project_id), render)
    return render_template(
        "public/project.html",
        title=title,
        body=body,
        project_id=project_id,
        follow=_follow_state(project_id),
    )


def _follow_state(project_id: int) -> str | None:
    """The follow button's state for this visitor, rendered outside the cached body so no
    visitor sees another's: "login" (a visitor: log in, then come back), "following" or
    "not_following" (a donor), None (business and staff accounts follow nothing)."""
    if not current_user.is_authenticated:
        return "login"
    if current_user.role != "donor":
        return None
    following = follows.is_following(int(current_user.id), project_id)
    return "following" if following else "not_following"
