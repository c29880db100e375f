"""The API's Idempotency-Key record: the first request with a key claims it, its answer is kept,
and a retry with the same key and body gets that answer again instead of acting twice.

On the path of every keyed API call (each pledge and payment), so each step is one short
transaction of one statement built once with bound parameters, with no ORM load. Its refusals
are about the API's Idempotency-Key header and reach only API clients, in the API's words
(English): they are not ServiceErrors, whose messages are Japanese for pages to translate.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, select, update

from furusato.db import insert_or_skip
from furusato.models import IdempotencyRecord
from furusato.services.uow import UnitOfWork

_RECORDS = cast(Table, IdempotencyRecord.__table__)
_ANSWERED = select(
    _RECORDS.c.request_sha256, _RECORDS.c.status_code, _RECORDS.c.response_body
).where(_RECORDS.c.scope == bindparam("scope"), _RECORDS.c.key == bindparam("key"))
_STORE_ANSWER = (
    update(_RECORDS)
    .where(_RECORDS.c.id == bindparam("record_id"))
    .values(status_code=bindparam("answer_status"), response_body=bindparam("answer_body"))
)
_FORGET = delete(_RECORDS).where(_RECORDS.c.id == bindparam("record_id"))


class KeyRefused(Exception):
    """The key cannot serve this request (see the subclasses): `status` and `code` for the
    answer, the exception's text as its detail."""

    status = 409
    code = ""


class ClaimRaced(KeyRefused):
    code = "idempotency_race"


class KeyInProgress(KeyRefused):
    code = "idempotency_in_progress"


class KeyReused(KeyRefused):
    status = 422
    code = "idempotency_mismatch"


@dataclass(frozen=True)
class Answer:
    """What the first request with the key answered: to be sent again as it is."""

    status_code: int
    body: str


def claim(scope: str, key: str, request_sha256: str) -> int | Answer:
    """Claim `key` within `scope` for a request with this body digest: the record's id (answer
    the request, then `keep` the answer), or the answer the key's first request got."""
    with UnitOfWork() as uow:
        session = uow.session
        claimed = session.execute(
            insert_or_skip(session, _RECORDS, ["scope", "key"]).returning(_RECORDS.c.id),
            {"scope": scope, "key": key, "request_sha256": request_sha256},
        ).scalar_one_or_none()
        if claimed is not None:
            uow.commit()
            return int(claimed)
        existing = session.execute(_ANSWERED, {"scope": scope, "key": key}).one_or_none()
    if existing is None:  # deleted between the two statements (its request failed)
        raise ClaimRaced("retry the request")
    if existing.request_sha256 != request_sha256:
        raise KeyReused("this Idempotency-Key was used with a different request")
    if existing.status_code is None:
        raise KeyInProgress("a request with this Idempotency-Key is in progress")
    return Answer(existing.status_code, existing.response_body or "")


def keep(record_id: int, status_code: int, body: str) -> None:
    """Keep the answer of the request that claimed the record. A failure (5xx) is no answer:
    the record is deleted, so the key may be tried again."""
    with UnitOfWork() as uow:
        if status_code >= 500:
            uow.session.execute(_FORGET, {"record_id": record_id})
        else:
            uow.session.execute(
                _STORE_ANSWER,
                {"record_id": record_id, "answer_status": status_code, "answer_body": body},
            )
        uow.commit()


# --- the key claimed inside the service's own unit of work ------------------------------------


class Replay(Exception):
    """The key's first request was answered: send `answer` again (raised by `claim_in`, before
    the unit of work has done anything)."""

    def __init__(self, answer: Answer) -> None:
        super().__init__("replayed")
        self.answer = answer


@dataclass
class KeyedRequest:
    """A request with an Idempotency-Key that a service claims in its own unit of work
    (`claim_in`) and answers in it (`keep_in`): the record, the work and the answer in one
    commit, so a concurrent twin waits for that commit and gets the answer. `answer` turns the
    service's result into the request's (status, body); without it the caller keeps the answer
    afterwards (`keep_answer`)."""

    scope: str
    key: str
    request_sha256: str
    answer: Callable[[Any], tuple[int, str]] | None = None
    record_id: int | None = None
    kept: bool = False


def claim_in(uow: UnitOfWork, keyed: KeyedRequest | None) -> None:
    """Claim the key as the unit of work's first statement (a twin's claim waits for its
    commit); Replay or KeyRefused if the key's first request got there first. Claimed in a
    unit that rolls back, the record is gone with it: `keep_answer` writes it then."""
    if keyed is None:
        return
    session = uow.session
    claimed = session.execute(
        insert_or_skip(session, _RECORDS, ["scope", "key"]).returning(_RECORDS.c.id),
        {"scope": keyed.scope, "key": keyed.key, "request_sha256": keyed.request_sha256},
    ).scalar_one_or_none()
    if claimed is not None:
        keyed.record_id = int(claimed)
        return
    existing = session.execute(
        _ANSWERED, {"scope": keyed.scope, "key": keyed.key}
    ).one_or_none()
    if existing is None:
        raise ClaimRaced("retry the request")
    if existing.request_sha256 != keyed.request_sha256:
        raise KeyReused("this Idempotency-Key was used with a different request")
    if existing.status_code is None:
        raise KeyInProgress("a request with this Idempotency-Key is in progress")
    raise Replay(Answer(existing.status_code, existing.response_body or ""))


def keep_in(uow: UnitOfWork, keyed: KeyedRequest | None, result: Any) -> None:
    """Keep the request's answer to `result` in the unit of work that claimed the key (before
    its commit)."""
    if keyed is None or keyed.answer is None or keyed.record_id is None:
        return
    status_code, body = keyed.answer(result)
    uow.session.execute(
        _STORE_ANSWER,
        {"record_id": keyed.record_id, "answer_status": status_code, "answer_body": body},
    )
    keyed.kept = True


_INSERT_ANSWER_COLUMNS = ("scope", "key")


def keep_answer(keyed: KeyedRequest, status_code: int, body: str) -> None:
    """Keep the answer of a request whose service did not (an error, a card form's pledge):
    on the record it claimed, or, if the claim was rolled back with its unit of work, on a new
    record unless another request has claimed the key since. A 5xx is no answer (`keep`)."""
    if keyed.kept:
        return
    with UnitOfWork() as uow:
        session = uow.session
        stored = 0
        if keyed.record_id is not None and status_code >= 500:
            session.execute(_FORGET, {"record_id": keyed.record_id})
        elif keyed.record_id is not None:
            stored = session.execute(
                _STORE_ANSWER,
                {"record_id": keyed.record_id, "answer_status": status_code, "answer_body": body},
            ).rowcount  # type: ignore[attr-defined]
        if not stored and status_code < 500:
            session.execute(
                insert_or_skip(session, _RECORDS, list(_INSERT_ANSWER_COLUMNS)),
                {
                    "scope": keyed.scope,
                    "key": keyed.key,
                    "request_sha256": keyed.request_sha256,
                    "status_code": status_code,
                    "response_body": body,
                },
            )
        uow.commit()
    keyed.kept = True
