"""Four eyes cannot be defeated by changing the bank account after a payout was checked: the
transfer file pays the account the staff prepared and approved, and an account edit while a
payout is prepared or approved sends it back to draft (audited, staff told)."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from furusato.domain import zengin
from furusato.domain.bank_days import first_business_day_from, next_business_day
from furusato.models import AuditLog, OutboundEmail, Payout, User
from furusato.services.settlement import payout_batches, payouts
from tests.conftest import login
from tests.factories import PASSWORD, make_project, make_user

OLD = {"bank_code": "0001", "branch_code": "001", "account_number": "1111111"}
NEW = {
    "bank_code": "0005",
    "bank_name_kana": "ミツビシユーエフジェイ",
    "branch_code": "999",
    "branch_name_kana": "ウラ",
    "account_type": "1",
    "account_number": "7654321",
    "account_holder_kana": "ベツノ　メイギ",
}


def _draft(db: Session, user: User, amount: int) -> Payout:
    assert user.business is not None
    project = make_project(db, business=user.business)
    payout = Payout(project_id=project.id, business_id=user.business.id, amount_yen=amount)
    db.add(payout)
    db.flush()
    return payout


def _client(app: Flask, user: User) -> FlaskClient:
    return login(app.test_client(), user)


def _prepare_and_approve(preparer: FlaskClient, approver: FlaskClient, payout: Payout) -> None:
    page = preparer.get(f"/staff/payouts/{payout.id}")
    assert page.status_code == 200
    prepared = preparer.post(
        f"/staff/payouts/{payout.id}/prepare",
        data={"confirmed_amount_yen": str(payout.amount_yen), "account_checked": "y"},
    )
    assert prepared.status_code == 302, prepared.get_data(as_text=True)
    approved = approver.post(f"/staff/payouts/{payout.id}/approve")
    assert approved.status_code == 302, approved.get_data(as_text=True)


def _export(staff: FlaskClient, when: date) -> list[dict[str, str]]:
    before = {b.id for b in payout_batches.batches()}
    response = staff.post("/staff/payouts/export", data={"transfer_date": when.isoformat()})
    assert response.status_code == 302
    (batch_id,) = {b.id for b in payout_batches.batches()} - before
    file = staff.get(f"/staff/payouts/batches/{batch_id}/zengin")
    assert file.status_code == 200
    return [r for r in zengin.parse(file.data) if r["kind"] == "2"]


def _accounts(records: list[dict[str, str]]) -> set[tuple[str, str, str]]:
    return {(r["bank_code"], r["branch_code"], r["account_number"]) for r in records}


def test_bank_change_after_approval_is_not_paid_and_needs_new_approval(
    app: Flask, db: Session
) -> None:
    """Prepare, approve, the business edits its account, export: the payout is back in draft
    and in no file; prepared and approved again, the new account is exported."""
    staff1, staff2 = make_user(db, "staff"), make_user(db, "staff")
    attacker = make_user(db, "business")
    assert attacker.business is not None
    for name, value in OLD.items():
        setattr(attacker.business, name, value)
    bystander = make_user(db, "business")
    target, other = _draft(db, attacker, 300_000), _draft(db, bystander, 120_000)
    db.flush()
    as_staff1, as_staff2 = _client(app, staff1), _client(app, staff2)
    for payout in (target, other):
        _prepare_and_approve(as_staff1, as_staff2, payout)

    edited = _client(app, attacker).post("/business/bank", data=NEW)
    assert edited.status_code == 302, edited.get_data(as_text=True)

    records = _export(as_staff2, first_business_day_from(date.today() + timedelta(days=3)))
    assert [int(r["amount"]) for r in records] == [120_000]  # only the untouched payout
    paid_to = _accounts(records)
    assert ("0001", "001", "1111111") not in paid_to and ("0005", "999", "7654321") not in paid_to
    assert payouts.get(target.id).status == "draft"
    assert payouts.get(other.id).status == "exported"

    # Audited with the account before and after (masked), by the business that changed it.
    entry = db.scalar(
        select(AuditLog).where(
            AuditLog.action == "payout.returned_to_draft", AuditLog.target_id == str(target.id)
        )
    )
    assert entry is not None and entry.actor_id == attacker.id
    assert entry.before is not None and entry.after is not None
    assert entry.before["status"] == "approved" and entry.after["status"] == "draft"
    assert entry.before["bank"]["account_number"].endswith("111")
    assert entry.after["bank"]["account_number"].endswith("321")
    assert "7654321" not in str(entry.after)

    # Staff are told: a mail to each staff member and a notice on the payouts page.
    told = set(
        db.scalars(
            select(OutboundEmail.to_address).where(
                OutboundEmail.key.startswith(f"payout:{target.id}:returned:")
            )
        )
    )
    assert {staff1.email, staff2.email} <= told
    body = db.scalar(
        select(OutboundEmail.body_text).where(OutboundEmail.to_address == staff1.email)
    )
    assert body is not None and "****111" in body and "****321" in body
    assert "7654321" not in body and f"/staff/payouts/{target.id}" in body
    listing = as_staff1.get("/staff/payouts").get_data(as_text=True)
    assert "振込先口座を変更したため" in listing and f"/staff/payouts/{target.id}" in listing

    # The new account goes through four eyes again, and only then is it paid.
    detail = as_staff1.get(f"/staff/payouts/{target.id}").get_data(as_text=True)
    assert "7654321" in detail
    _prepare_and_approve(as_staff1, as_staff2, target)
    records = _export(
        as_staff2, next_business_day(first_business_day_from(date.today() + timedelta(days=3)))
    )
    assert _accounts(records) == {("0005", "999", "7654321")}
    assert records[0]["holder"].rstrip() == "ﾍﾞﾂﾉ ﾒｲｷﾞ"
    assert int(records[0]["amount"]) == 300_000


def test_an_edit_after_export_leaves_the_transfer_and_is_audited(app: Flask, db: Session) -> None:
    """A payout already in a transfer file keeps its status and account; the edit is audited
    and names the payout whose transfer is under way."""
    staff1, staff2 = make_user(db, "staff"), make_user(db, "staff")
    owner = make_user(db, "business")
    payout = _draft(db, owner, 250_000)
    as_staff1, as_staff2 = _client(app, staff1), _client(app, staff2)
    _prepare_and_approve(as_staff1, as_staff2, payout)
    (record,) = _export(as_staff2, first_business_day_from(date.today() + timedelta(days=3)))
    old_number = record["account_number"]

    assert _client(app, owner).post("/business/bank", data=NEW).status_code == 302

    view = payouts.get(payout.id)
    assert view.status == "exported" and view.bank.account_number == old_number
    (batch,) = [b for b in payout_batches.batches() if b.id == view.batch_id]
    csv = as_staff1.get(f"/staff/payouts/batches/{batch.id}/csv").data.decode("utf-8-sig")
    assert old_number in csv and "7654321" not in csv
    entry = db.scalar(select(AuditLog).where(AuditLog.action == "business.bank_account"))
    assert entry is not None and entry.after is not None
    assert entry.after["account_number"].endswith("321")
    assert entry.after["payouts_in_transfer"] == [payout.id]
    returned = select(AuditLog).where(AuditLog.action == "payout.returned_to_draft")
    assert db.scalar(returned) is None


def test_saving_the_same_account_keeps_the_approval(app: Flask, db: Session) -> None:
    """Saving the account unchanged (as typed in full-width kana) is no change: still approved."""
    staff1, staff2 = make_user(db, "staff"), make_user(db, "staff")
    owner = make_user(db, "business")
    assert owner.business is not None
    same = {
        "bank_code": owner.business.bank_code,
        "bank_name_kana": "ミズホ",
        "branch_code": owner.business.branch_code,
        "branch_name_kana": "ホンテン",
        "account_type": owner.business.account_type,
        "account_number": owner.business.account_number,
        "account_holder_kana": "カ）イズミサノテスト",
    }
    payout = _draft(db, owner, 90_000)
    _prepare_and_approve(_client(app, staff1), _client(app, staff2), payout)
    assert _client(app, owner).post("/business/bank", data=same).status_code == 302
    assert payouts.get(payout.id).status == "approved"


def test_a_stale_prepare_page_cannot_attest_a_changed_account(app: Flask, db: Session) -> None:
    """The preparer attests the account the page showed: if it changed meanwhile, prepare is
    refused and the page shows the new account to check."""
    staff1 = make_user(db, "staff")
    owner = make_user(db, "business")
    payout = _draft(db, owner, 80_000)
    as_staff1 = _client(app, staff1)
    page = as_staff1.get(f"/staff/payouts/{payout.id}").get_data(as_text=True)
    marker = 'name="account_digest" type="hidden" value="'
    assert marker in page
    digest = page.split(marker, 1)[1].split('"', 1)[0]
    assert _client(app, owner).post("/business/bank", data=NEW).status_code == 302
    refused = as_staff1.post(
        f"/staff/payouts/{payout.id}/prepare",
        data={"confirmed_amount_yen": "80000", "account_checked": "y", "account_digest": digest},
    )
    assert refused.status_code == 409
    assert "7654321" in refused.get_data(as_text=True)
    assert payouts.get(payout.id).status == "draft"


def test_the_api_shows_the_account_and_refuses_a_stale_attestation(
    client: FlaskClient, db: Session
) -> None:
    """GET /payouts shows the account and its digest; prepare with the digest of an account
    that changed since is a 409 `account_changed`, with the current one it is prepared."""
    staff = make_user(db, "staff")
    owner = make_user(db, "business")
    payout = _draft(db, owner, 70_000)
    token = client.post("/api/v1/tokens", json={"email": staff.email, "password": PASSWORD})
    headers = {"Authorization": f"Bearer {token.get_json()['token']}"}
    (item,) = client.get("/api/v1/payouts", headers=headers).get_json()["items"]
    assert owner.business is not None
    assert item["account"]["account_number"] == owner.business.account_number
    stale = item["account_digest"]
    assert _client(client.application, owner).post("/business/bank", data=NEW).status_code == 302
    body = {"confirmed_amount_yen": 70_000, "account_checked": True, "account_digest": stale}
    url = f"/api/v1/payouts/{payout.id}/prepare"
    refused = client.post(url, json=body, headers=headers)
    assert refused.status_code == 409 and refused.get_json()["code"] == "account_changed"
    (item,) = client.get("/api/v1/payouts", headers=headers).get_json()["items"]
    assert item["account"]["account_number"] == "7654321"
    body["account_digest"] = item["account_digest"]
    prepared = client.post(url, json=body, headers=headers)
    assert prepared.status_code == 200 and prepared.get_json()["status"] == "prepared"
