"""A line break or another control character in a single-line field is refused, whichever way
the text arrives (API, page forms, CSV upload), with a message on that field; multi-line fields
take line breaks and tabs, and no other control character."""

from __future__ import annotations

import io
import typing
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask_wtf import FlaskForm
from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict
from wtforms import PasswordField, StringField, TextAreaField

from furusato.domain.text import LINE_PROBLEM, TEXT_PROBLEM
from furusato.models import Donation, Project, Shipment
from furusato.services.fulfilment import shipments
from furusato.web.api.core import REGISTRY, ApiInput
from furusato.web.forms import Form
from tests.conftest import login
from tests.factories import make_project, make_user
from tests.security.world import World, build_world

INJECTION = "A\r\nBcc: x"
OTHER_CONTROLS = ["A\x1bB", "A\x00B", "A\x85B", "A\u2028B", "A\u202eB"]
ACTOR_OF_ROLE = {
    "anonymous": "anonymous",
    "donor": "donor_a",
    "business": "business_a",
    "staff": "staff",
}


def _text_fields(model: type[BaseModel], prefix: str = "") -> Iterator[tuple[str, bool]]:
    """(dotted path, multi-line?) of every text field of an API input, nested ones included."""
    assert issubclass(model, ApiInput), f"{model.__name__} must be an ApiInput"
    for name, info in model.model_fields.items():
        if name in model.unchecked:
            continue
        if typing.get_origin(info.annotation) is list:  # a list of models: its first item's
            (item,) = typing.get_args(info.annotation)
            if isinstance(item, type) and issubclass(item, BaseModel):
                yield from _text_fields(item, f"{prefix}{name}.0.")
            continue
        for kind in typing.get_args(info.annotation) or (info.annotation,):
            if kind is str:
                yield prefix + name, name in model.multi_line
            elif isinstance(kind, type) and issubclass(kind, BaseModel):
                yield from _text_fields(kind, f"{prefix}{name}.")


def _nested(path: str, value: str) -> Any:
    """{"a": {"b": value}} for "a.b"; a number is a list's item: [{"b": value}] for "0.b"."""
    head, _, rest = path.partition(".")
    inner = _nested(rest, value) if rest else value
    return [inner] if head.isdigit() else {head: inner}


def _api_cases() -> Iterator[tuple[str, str, str, bool]]:
    for op in REGISTRY:
        for where, model in (("body", op.body), ("query", op.query)):
            if model is not None:
                for path, multi in _text_fields(model):
                    yield f"{op.method} {op.rule}", where, path, multi


API_CASES = list(_api_cases())


def _call_api(app: Flask, world: World, key: str, where: str, path: str, value: str) -> Any:
    method, rule = key.split(" ", 1)
    op = next(o for o in REGISTRY if o.method == method and o.rule == rule)
    actor = ACTOR_OF_ROLE[op.roles[0]]
    client = app.test_client()
    if where == "query":
        return client.open(
            "/api/v1" + _filled(rule), method=method, query_string={path: value},
            headers=world.bearer(actor),
        )  # fmt: skip
    return client.open(
        "/api/v1" + _filled(rule), method=method, json=_nested(path, value),
        headers=world.bearer(actor),
    )  # fmt: skip


def _filled(rule: str) -> str:
    """The rule with every path parameter set (input is checked before any object is read)."""
    return "/".join("1" if part.startswith("<") else part for part in rule.split("/"))


@pytest.fixture
def world(db: Session) -> World:
    return build_world(db)


def test_every_api_input_model_is_covered() -> None:
    """Every body and query model of every operation checks its text fields (ApiInput)."""
    assert len(API_CASES) >= 30
    for op in REGISTRY:
        for model in (op.body, op.query):
            assert model is None or issubclass(model, ApiInput), (op.rule, model)


@pytest.mark.parametrize(("key", "where", "path", "multi"), API_CASES, ids=str)
def test_every_api_text_field_refuses_what_it_may_not_hold(
    app: Flask, world: World, key: str, where: str, path: str, multi: bool
) -> None:
    """A CR/LF in a single-line field, any other control character in any text field: 422
    naming the field. A multi-line field takes the line break."""
    for value in [INJECTION, *OTHER_CONTROLS] if not multi else OTHER_CONTROLS:
        response = _call_api(app, world, key, where, path, value)
        if where == "query" and "\x00" in value:  # the app refuses a NUL in any query string
            assert response.status_code == 400
            continue
        assert response.status_code == 422, (value, response.get_data(as_text=True))
        expected = TEXT_PROBLEM if multi else LINE_PROBLEM
        assert response.get_json()["errors"].get(path) == expected, (value, response.get_json())
    if multi:
        response = _call_api(app, world, key, where, path, "一行目\r\n二行目\tタブ")
        assert path not in (response.get_json() or {}).get("errors", {})


def _forms(app: Flask) -> list[type[FlaskForm]]:
    def below(cls: type[FlaskForm]) -> Iterator[type[FlaskForm]]:
        for sub in cls.__subclasses__():
            yield sub
            yield from below(sub)

    return sorted(set(below(FlaskForm)) - {Form}, key=lambda c: c.__qualname__)


def test_every_form_of_the_app_checks_its_text_fields(app: Flask) -> None:
    """Each FlaskForm of the app is a Form, whose validation checks the text of every field."""
    forms = _forms(app)
    assert len(forms) >= 20
    assert [f.__qualname__ for f in forms if not issubclass(f, Form)] == []


def _form_cases() -> Iterator[tuple[str, str, bool]]:
    from furusato import create_app

    app = create_app({"TESTING": True, "TASK_SENDER": "none", "WTF_CSRF_ENABLED": False})
    with app.test_request_context():
        for form_class in _forms(app):
            for name, field in form_class(meta={"csrf": False})._fields.items():
                if isinstance(field, PasswordField):
                    continue
                if isinstance(field, StringField):  # TextAreaField is one too
                    multi = isinstance(field, TextAreaField)
                    yield f"{form_class.__module__}.{form_class.__qualname__}", name, multi


FORM_CASES = list(_form_cases())


@pytest.mark.parametrize(("form_path", "name", "multi"), FORM_CASES, ids=str)
def test_every_form_text_field_refuses_what_it_may_not_hold(
    app: Flask, form_path: str, name: str, multi: bool
) -> None:
    """CR/LF in an input field, any other control in any text field: an error on that field;
    a textarea takes line breaks and tabs."""
    module, _, qualname = form_path.rpartition(".")
    form_class = getattr(__import__(module, fromlist=[qualname]), qualname)
    values = OTHER_CONTROLS if multi else [INJECTION, *OTHER_CONTROLS]
    for value in values:
        with app.test_request_context(method="POST", data={name: value}):
            form = _bound(form_class, {name: value})
            assert not form.validate()
            expected = TEXT_PROBLEM if multi else LINE_PROBLEM
            assert expected in form[name].errors, (value, form[name].errors)
    if multi:
        with app.test_request_context(method="POST"):
            form = _bound(form_class, {name: "一行目\r\n二行目\tタブ"})
            form.validate()
            assert TEXT_PROBLEM not in form[name].errors


def _bound(form_class: type[FlaskForm], data: dict[str, str]) -> FlaskForm:
    form = form_class(formdata=MultiDict(data), meta={"csrf": False})
    for field in form:
        if getattr(field, "choices", ()) is None:  # choices a view fills in
            field.choices = []
    return form


def test_a_title_with_a_line_break_is_refused_on_the_page_and_stored_nowhere(
    client: Any, db: Session
) -> None:
    """The project form answers with the title's field error; no project is created."""
    owner = make_user(db, "business")
    login(client, owner)
    response = client.post(
        "/business/projects/new",
        data={"title": "新しいタオル\r\nBcc: victim@example.jp", "eligible_cost_yen": "1000000",
              "miss_policy": "refund"},
    )  # fmt: skip
    assert response.status_code == 200
    assert LINE_PROBLEM in response.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(Project)) == 0


def test_the_giving_form_refuses_a_name_with_a_line_break(client: Any, db: Session) -> None:
    """A donor's name with CR/LF is a 422 with the name's error; no donation is pledged."""
    project = make_project(db)
    response = client.post(
        f"/projects/{project.id}/give",
        data={"amount_yen": "10000", "name": "寄附\r\nBcc: x", "name_kana": "キフ",
              "email": "donor@example.jp", "phone": "090-1234-5678", "postal_code": "5980005",
              "address": "大阪府泉佐野市市場東1-1", "agree": "y"},
    )  # fmt: skip
    assert response.status_code == 422
    assert LINE_PROBLEM in response.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(Donation)) == 0


def test_a_shipping_csv_with_a_line_break_in_a_carrier_cell_applies_nothing(
    db: Session,
) -> None:
    """A quoted CSV cell may hold CR/LF: the row is reported with the reason, nothing is sent."""
    world = build_world(db)
    shipment_id = world.ids["shipment_a"]
    upload = io.StringIO()
    upload.write("お客様管理番号,運送会社,伝票番号\r\n")
    upload.write(f'{shipment_id},"ヤマト運輸\r\nBcc: x",1234-5678-9012\r\n')
    report = shipments.import_sent(
        world.users["business_a"], int(world.ids["project_a"]), upload.getvalue().encode()
    )
    assert [(line, reason) for line, _, reason in report.failures] == [(2, LINE_PROBLEM)]
    shipment = db.get(Shipment, shipment_id)
    assert shipment is not None and shipment.status != "sent" and shipment.carrier == ""
