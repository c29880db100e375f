"""How an API operation is declared once and gets routing, auth, validation, idempotency,
problem+json errors and its OpenAPI entry from that one declaration."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any, ClassVar, TypeVar

from flask import Blueprint, Response, g, request
from pydantic import BaseModel, ValidationError, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from furusato.domain import text
from furusato.services import accounts, idempotency
from furusato.services.accounts import User
from furusato.services.errors import ServiceError
from furusato.web.extensions import limiter

api = Blueprint("api", __name__, url_prefix="/api/v1")
M = TypeVar("M", bound=BaseModel)

ANONYMOUS = "anonymous"
PROBLEM_JSON = "application/problem+json"


class Problem(BaseModel):
    """RFC 9457 problem details, with a field map for validation errors."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str = ""
    code: str = ""
    errors: dict[str, str] = {}


class ApiInput(BaseModel):
    """A request body or query: each text field is a single line (domain/text.py) except those
    named in `multi_line`; a field in `unchecked` (a password) is taken as it is. The services
    refuse the same again, whichever way their input came; this names the field as sent."""

    multi_line: ClassVar[frozenset[str]] = frozenset()
    unchecked: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="before")
    @classmethod
    def _fits_its_field(cls, value: Any, info: ValidationInfo) -> Any:
        name = info.field_name or ""
        if isinstance(value, str) and name not in cls.unchecked:
            multi = name in cls.multi_line
            problem = text.text_problem(value) if multi else text.line_problem(value)
            if problem:
                raise PydanticCustomError("control_characters", problem)
        return value


@dataclass
class Call:
    """What a handler receives: the authenticated user and the validated input."""

    user: User | None
    body: Any = None
    query: Any = None
    ip_address: str = ""  # the caller's, for the audit log of staff actions
    # The Idempotency-Key to claim in the service's own unit of work (operations declared
    # with `claim_in_service`): the handler says how a result answers (`answers`).
    keyed: idempotency.KeyedRequest | None = None
    status: int = 200

    def answers(self, render: Callable[[Any], BaseModel]) -> None:
        """How the service's result becomes this request's answer, for the service to keep
        with the key in its own commit."""
        if self.keyed is not None:
            status = self.status
            self.keyed.answer = lambda result: (status, render(result).model_dump_json())


@dataclass
class Operation:
    rule: str
    method: str
    endpoint: str
    summary: str
    roles: tuple[str, ...]
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    response: type[BaseModel] | None
    status: int
    idempotent: bool
    content_type: str = "application/json"
    errors: tuple[int, ...] = field(default_factory=tuple)
    limit: str | None = None


REGISTRY: list[Operation] = []


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        title: str,
        detail: str = "",
        code: str = "",
        errors: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail or title)
        self.problem = Problem(
            title=title, status=status, detail=detail, code=code, errors=errors or {}
        )


def from_view(model: type[M], view: object, **given: Any) -> M:
    """The answer `model` made from a service's view: each of its fields the view holds under
    the same name, and the others `given` (computed here, such as a URL). The view decides what
    a caller may see; a field it carries but must not send is `given` too."""
    names = (name for name in model.model_fields if name not in given)
    copied = {name: getattr(view, name) for name in names if hasattr(view, name)}
    return model.model_validate({**copied, **given})


def problem_response(problem: Problem) -> Response:
    return Response(problem.model_dump_json(), status=problem.status, content_type=PROBLEM_JSON)


def json_response(payload: BaseModel | list[Any] | dict[str, Any], status: int = 200) -> Response:
    if isinstance(payload, BaseModel):
        body = payload.model_dump_json()
    else:
        body = json.dumps(payload, ensure_ascii=False, default=str)
    return Response(body, status=status, content_type="application/json")


def _field_map(exc: ValidationError) -> dict[str, str]:
    out: dict[str, str] = {}
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "body"
        out.setdefault(loc, err["msg"])
    return out


def _bearer_user() -> User | None:
    header = request.headers.get("Authorization", "")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise ApiError(401, "Unauthorized", "Authorization must be 'Bearer <token>'", "bad_auth")
    user = accounts.user_for_token(token.strip())
    if user is None:
        raise ApiError(401, "Unauthorized", "the token is unknown, expired or revoked", "bad_token")
    return user


def _parse_body(model: type[BaseModel]) -> BaseModel:
    raw = request.get_data(cache=True)
    if request.mimetype not in ("application/json", ""):
        raise ApiError(415, "Unsupported Media Type", "send application/json", "media_type")
    try:
        parsed = model.model_validate_json(raw or b"{}")
    except ValidationError as exc:
        raise ApiError(
            422,
            "Unprocessable Content",
            "the request body is invalid",
            "validation_failed",
            _field_map(exc),
        ) from exc
    _refuse_nul(parsed.model_dump(), "the request body is invalid")
    return parsed


def _parse_query(model: type[BaseModel]) -> BaseModel:
    try:
        return model.model_validate(request.args.to_dict())
    except ValidationError as exc:
        raise ApiError(
            422,
            "Unprocessable Content",
            "the query string is invalid",
            "validation_failed",
            _field_map(exc),
        ) from exc


def _nul_fields(value: Any, loc: str) -> dict[str, str]:
    if isinstance(value, str):
        return {loc or "body": "NUL characters are not allowed"} if "\x00" in value else {}
    if isinstance(value, dict):
        items: Any = value.items()
    elif isinstance(value, list | tuple):
        items = enumerate(value)
    else:
        return {}
    found: dict[str, str] = {}
    for key, item in items:
        found.update(_nul_fields(item, f"{loc}.{key}" if loc else str(key)))
    return found


def _refuse_nul(data: Any, detail: str) -> None:
    """PostgreSQL cannot store a NUL character in text: refuse it as invalid input (a 422),
    instead of failing at the INSERT (a 500). (Query strings: the app refuses NUL with 400.)"""
    if fields := _nul_fields(data, ""):
        raise ApiError(422, "Unprocessable Content", detail, "validation_failed", fields)


# The few titles the idempotency record's refusals need (its codes and details are its own).
_TITLES = {409: "Conflict", 422: "Unprocessable Content"}


def _replay_or_claim(scope: str, key: str, digest: str) -> Response | int:
    """Claim the key for this request (returns the record id) or replay what it answered."""
    try:
        claimed = idempotency.claim(scope, key, digest)
    except idempotency.KeyRefused as exc:
        raise ApiError(exc.status, _TITLES[exc.status], str(exc), exc.code) from exc
    if isinstance(claimed, int):
        return claimed
    return _replayed(claimed)


def _replayed(claimed: idempotency.Answer) -> Response:
    # Answers are JSON, and every refusal is a problem (the first answer's type, replayed).
    replayed_type = PROBLEM_JSON if claimed.status_code >= 400 else "application/json"
    return Response(
        claimed.body,
        status=claimed.status_code,
        content_type=replayed_type,
        headers={"Idempotent-Replayed": "true"},
    )


def operation(
    rule: str,
    *,
    method: str = "GET",
    summary: str,
    roles: tuple[str, ...] = (ANONYMOUS,),
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None,
    status: int = 200,
    idempotent: bool = False,
    content_type: str = "application/json",
    errors: tuple[int, ...] = (),
    limit: str | None = None,
    mynumber_officer: bool = False,
    claim_in_service: bool = False,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare an API operation. The handler gets a `Call` and the path arguments and returns a
    pydantic model (sent with `status`), or a ready Response. `limit` is a Flask-Limiter rate
    ("10 per minute"): beyond it the caller gets a 429 problem. With `claim_in_service` an
    idempotent operation's key is claimed (and, where the handler says how, answered) by its
    service in its own unit of work (`Call.keyed`); otherwise here, in one of its own."""

    def decorate(handler: Callable[..., Any]) -> Callable[..., Any]:
        endpoint = handler.__name__

        @wraps(handler)
        def view(**path_args: Any) -> Response:
            try:
                user = _bearer_user()
                g.api_user = user
                if ANONYMOUS not in roles:
                    if user is None:
                        raise ApiError(
                            401, "Unauthorized", "send a bearer token", "unauthenticated"
                        )
                    if user.role not in roles:
                        raise ApiError(403, "Forbidden", "your role cannot do this", "forbidden")
                    if mynumber_officer and not user.handles_mynumber:
                        raise ApiError(
                            403,
                            "Forbidden",
                            "only a My Number officer (個人番号事務取扱担当者) may do this",
                            "mynumber_officer_required",
                        )
                call = Call(
                    user=user,
                    body=_parse_body(body) if body else None,
                    query=_parse_query(query) if query else None,
                    ip_address=request.remote_addr or "",
                    status=status,
                )
                key = request.headers.get("Idempotency-Key") if idempotent else None
                record_id: int | None = None
                if key:
                    if len(key) > 255:
                        raise ApiError(400, "Bad Request", "Idempotency-Key is too long", "bad_key")
                    scope = f"{user.id if user else 'anon'}:{method}:{request.path}"
                    digest = hashlib.sha256(request.get_data()).hexdigest()
                    if claim_in_service:
                        call.keyed = idempotency.KeyedRequest(scope, key, digest)
                    else:
                        claimed = _replay_or_claim(scope, key, digest)
                        if isinstance(claimed, Response):
                            return claimed
                        record_id = claimed
                try:
                    result = _respond(handler(call, **path_args), status)
                except idempotency.Replay as exc:
                    return _replayed(exc.answer)
                except idempotency.KeyRefused as exc:
                    raise ApiError(exc.status, _TITLES[exc.status], str(exc), exc.code) from exc
                except ServiceError as exc:
                    result = problem_response(
                        Problem(
                            title=type(exc).__name__,
                            status=exc.status,
                            detail=exc.message,
                            code=exc.code,
                            errors=exc.fields,
                        )
                    )
                except ApiError as exc:
                    result = problem_response(exc.problem)
                if record_id is not None:
                    idempotency.keep(record_id, result.status_code, result.get_data(as_text=True))
                elif call.keyed is not None and not call.keyed.kept:
                    answer = result.get_data(as_text=True)
                    idempotency.keep_answer(call.keyed, result.status_code, answer)
                return result
            except ApiError as exc:
                return problem_response(exc.problem)

        view.access_roles = roles  # type: ignore[attr-defined]
        view.mynumber_officer = mynumber_officer  # type: ignore[attr-defined]
        # The limiter checks inside the function it wraps, so that wrapper must be the view
        # Flask calls (a @limiter.limit stacked on top of @operation is never called).
        registered = limiter.limit(limit)(view) if limit else view
        api.add_url_rule(rule, endpoint=endpoint, view_func=registered, methods=[method])
        REGISTRY.append(
            Operation(
                rule=rule,
                method=method,
                endpoint=endpoint,
                summary=summary,
                roles=roles,
                body=body,
                query=query,
                response=response,
                status=status,
                idempotent=idempotent,
                content_type=content_type,
                errors=errors,
                limit=limit,
            )
        )
        return view

    return decorate


@api.errorhandler(429)
def _too_many(exc: Exception) -> Response:
    return problem_response(
        Problem(
            title="Too Many Requests",
            status=429,
            detail="too many requests: wait a minute and try again",
            code="rate_limited",
        )
    )


def _respond(result: Any, status: int) -> Response:
    if isinstance(result, Response):
        return result
    return json_response(result, status)


_CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")


def openapi_path(rule: str) -> tuple[str, list[dict[str, Any]]]:
    params: list[dict[str, Any]] = []

    def repl(m: re.Match[str]) -> str:
        kind, name = m.group(1) or "string", m.group(2)
        schema = {"type": "integer"} if kind == "int" else {"type": "string"}
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
        return "{" + name + "}"

    return _CONVERTER.sub(repl, rule), params
