"""Payouts: prepare and approve by two different staff members, export to Zengin, mark paid."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from furusato.domain import zengin
from furusato.models import AuditLog, Payout, User
from furusato.services.errors import Conflict, Forbidden, ValidationFailed
from furusato.services.settlement import payout_batches, payouts
from tests.factories import make_project, make_user


def draft(db: Session, amount: int = 533_333, **business: str) -> Payout:
    project = make_project(db)
    for name, value in business.items():
        setattr(project.business, name, value)
    payout = Payout(project_id=project.id, business_id=project.business_id, amount_yen=amount)
    db.add(payout)
    db.flush()
    return payout


def prepared(db: Session, preparer: User, amount: int = 533_333) -> Payout:
    payout = draft(db, amount)
    payouts.prepare(payout.id, preparer, confirmed_amount_yen=amount, account_checked=True)
    return payout


def test_preparer_cannot_approve_but_a_colleague_can(db: Session) -> None:
    """The four-eyes rule: the preparer is refused with a clear message; another staff approves."""
    alice, bob = make_user(db, "staff"), make_user(db, "staff")
    payout = prepared(db, alice)
    with pytest.raises(Forbidden, match="別の職員"):
        payouts.approve(payout.id, alice)
    view = payouts.approve(payout.id, bob)
    assert view.status == "approved"
    assert (view.prepared_by, view.approved_by) == (alice.email, bob.email)
    actions = db.execute(select(AuditLog.action, AuditLog.actor_id).order_by(AuditLog.id)).all()
    assert [tuple(a) for a in actions] == [
        ("payout.prepared", alice.id),
        ("payout.approved", bob.id),
    ]


def test_database_check_backs_the_four_eyes_rule(db: Session) -> None:
    """Even a direct UPDATE cannot make the preparer the approver."""
    alice = make_user(db, "staff")
    payout = prepared(db, alice)
    with pytest.raises(IntegrityError, match="four_eyes"), db.begin_nested():
        db.execute(
            update(Payout)
            .where(Payout.id == payout.id)
            .values(status="approved", approved_by_id=alice.id)
        )


def test_prepare_requires_the_checked_amount_and_account(db: Session) -> None:
    """A wrong confirmed amount, an unticked account check or a broken account is refused."""
    alice = make_user(db, "staff")
    payout = draft(db, 100_000)
    with pytest.raises(ValidationFailed) as wrong:
        payouts.prepare(payout.id, alice, confirmed_amount_yen=10_000, account_checked=False)
    assert set(wrong.value.fields) == {"confirmed_amount_yen", "account_checked"}
    broken = draft(db, 100_000, account_number="", account_holder_kana="泉佐野")
    with pytest.raises(ValidationFailed, match="振込先口座"):
        payouts.prepare(broken.id, alice, confirmed_amount_yen=100_000, account_checked=True)
    assert payouts.get(broken.id).status == "draft"


def test_export_writes_a_zengin_batch_and_marking_paid_records_the_date(db: Session) -> None:
    """Approved payouts go into one batch whose file parses back; paid records the date."""
    alice, bob = make_user(db, "staff"), make_user(db, "staff")
    ids = []
    for amount in (533_333, 1_000_000):
        payout = prepared(db, alice, amount)
        payouts.approve(payout.id, bob)
        ids.append(payout.id)
    leftover = prepared(db, alice, 70_000)  # prepared, not approved: stays out
    batch_id = payouts.export(bob, date(2027, 4, 5))
    records = zengin.parse(payout_batches.batch_file(batch_id))
    assert [r["kind"] for r in records] == ["1", "2", "2", "8", "9"]
    assert [int(r["amount"]) for r in records[1:3]] == [533_333, 1_000_000]
    assert [int(r["customer_code1"]) for r in records[1:3]] == ids
    assert int(records[3]["total"]) == 1_533_333 and int(records[3]["count"]) == 2
    assert records[0]["requester_name"].rstrip() == "ｲｽﾞﾐｻﾉｼ"
    assert payouts.get(leftover.id).status == "prepared"
    with pytest.raises(Conflict):
        payouts.export(bob, date(2027, 4, 5))  # nothing approved is left
    csv_bytes = payout_batches.batch_csv(batch_id)
    assert csv_bytes.startswith(b"\xef\xbb\xbf") and b"\r\n" in csv_bytes
    assert "口座名義" in csv_bytes.decode("utf-8-sig")
    payouts.mark_paid(batch_id, alice, date(2027, 4, 5))
    assert {payouts.get(i).status for i in ids} == {"paid"}
    assert payouts.get(ids[0]).paid_on == date(2027, 4, 5)
    with pytest.raises(Conflict):
        payouts.mark_paid(batch_id, alice, date(2027, 4, 6))
    (batch,) = payout_batches.batches()
    assert (batch.created_by, batch.paid_marked_by, batch.count) == (bob.email, alice.email, 2)
