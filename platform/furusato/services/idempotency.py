"""The API's Idempotency-Key record: the first request with a key claims it, its answer is kept,
and a retry with the same key and body gets that answer again instead of acting twice.

On the path of every keyed API call (each pledge and payment), so each step is one short
transaction of one statement built once with bound parameters, with no ORM load. Its refusals
are about the API's Idempotency-Key header and reach only API clients, in the API's words
(English): they are not ServiceErrors, whose messages are Japanese for pages to translate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

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
