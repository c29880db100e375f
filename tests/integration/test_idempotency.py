"""The Idempotency-Key record: claimed once, its answer kept and given again, refused otherwise."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from furusato.services import idempotency


def test_a_kept_answer_is_given_to_the_retry(db: Session) -> None:
    """The first request claims the key; once its answer is kept, the same request with the
    same key gets that answer instead of a claim."""
    record_id = idempotency.claim("user1:POST:/x", "k", "digest")
    assert isinstance(record_id, int)
    idempotency.keep(record_id, 201, '{"id": 7}')
    assert idempotency.claim("user1:POST:/x", "k", "digest") == idempotency.Answer(201, '{"id": 7}')
    assert isinstance(idempotency.claim("user2:POST:/x", "k", "digest"), int)  # its own scope


def test_a_key_is_refused_while_in_progress_or_for_another_body(db: Session) -> None:
    """A retry before the first answer is kept is a 409; the key with another body a 422."""
    idempotency.claim("anon:POST:/x", "k", "digest")
    with pytest.raises(idempotency.KeyInProgress) as early:
        idempotency.claim("anon:POST:/x", "k", "digest")
    with pytest.raises(idempotency.KeyReused) as other:
        idempotency.claim("anon:POST:/x", "k", "another digest")
    assert (early.value.status, other.value.status) == (409, 422)


def test_a_failed_answer_frees_the_key(db: Session) -> None:
    """A 5xx is not an answer: the record goes, and the next request claims the key again."""
    first = idempotency.claim("anon:POST:/x", "k", "digest")
    assert isinstance(first, int)
    idempotency.keep(first, 503, '{"title": "Service Unavailable"}')
    again = idempotency.claim("anon:POST:/x", "k", "digest")
    assert isinstance(again, int) and again != first
