"""活動報告 through the services on PostgreSQL: an update is shown and mailed once per donor,
staff hold one back (not shown, not mailed until released), a donor's unsubscribe link stops
that campaign's mails, and a funded campaign's final report (with accounts up to the subsidy)
comes before its payout can be marked paid."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from furusato.domain.updates import AccountLine
from furusato.models import AuditLog, OutboundEmail, Payout, PayoutBatch, Project, User
from furusato.services.campaigns import catalog, update_mail, update_pages, updates
from furusato.services.errors import Conflict, Forbidden, NotFound, ValidationFailed
from furusato.services.settlement import payouts
from tests.conftest import TaskRecorder
from tests.factories import make_donation, make_project, make_user

BODY = "## 織機が届きました\n\n今月から試作を始めます。<script>alert(1)</script>"


def campaign(db: Session, **kw: object) -> tuple[Project, User]:
    project = make_project(db, **kw)  # type: ignore[arg-type]
    owner = make_user(db, "business", business_id=project.business_id)
    return project, owner


def mails(db: Session) -> list[OutboundEmail]:
    return list(db.scalars(select(OutboundEmail).order_by(OutboundEmail.to_address)))


def test_an_update_is_shown_sanitised_and_mailed_once_to_each_paid_donor(
    db: Session, sent_tasks: TaskRecorder
) -> None:
    """One mail per donor address (two donations, one mail; an unpaid pledge none), and a
    second fan-out (a redelivered task, the sweep) queues nothing more."""
    project, owner = campaign(db)
    make_donation(db, project, email="Hanako@example.jp")
    make_donation(db, project, email="hanako@example.jp")
    make_donation(db, project, email="taro@example.jp")
    make_donation(db, project, status="pending_payment", email="unpaid@example.jp")
    update_id = updates.post(owner, project.id, title="織機が届きました", body=BODY)
    assert ("furusato.mail_update", (update_id,)) in sent_tasks.sent
    shown = catalog.project_detail(project.id).updates
    assert [u.title for u in shown] == ["織機が届きました"]
    assert "<script>" not in shown[0].body_html and "<h2>" in shown[0].body_html

    assert update_mail.fan_out(update_id) == 2
    assert update_mail.fan_out(update_id) == 0
    assert update_mail.due_ids() == []
    sent = mails(db)
    assert [m.to_address for m in sent] == ["hanako@example.jp", "taro@example.jp"]
    assert "織機が届きました" in sent[0].subject and project.title in sent[0].subject
    assert "/updates/unsubscribe/" in sent[0].body_text
    assert f"/projects/{project.id}#updates" in sent[0].body_text


def test_unsubscribe_link_stops_that_campaigns_update_mails_only(db: Session) -> None:
    """The signed link works without login, twice is the same, other campaigns still mail;
    a forged or altered token is refused."""
    project, owner = campaign(db)
    other, other_owner = campaign(db)
    for p in (project, other):
        make_donation(db, p, email="hanako@example.jp")
    token = update_mail.unsubscribe_token(project.id, "Hanako@example.jp")
    page = update_mail.unsubscribe_page(token)
    assert (page.project_title, page.email, page.stopped) == (project.title, "hanako@example.jp", False)
    assert update_mail.unsubscribe(token).stopped
    assert update_mail.unsubscribe(token).stopped  # twice: one row
    with pytest.raises(NotFound):
        update_mail.unsubscribe_page(token[:-2] + "xx")
    first = updates.post(owner, project.id, title="近況", body="試作中です。")
    second = updates.post(other_owner, other.id, title="近況", body="試作中です。")
    assert update_mail.fan_out(first) == 0
    assert update_mail.fan_out(second) == 1


def test_a_held_update_is_neither_shown_nor_mailed_until_released(db: Session) -> None:
    """Held before its mails: nothing sent, then sent on release. Held after: off the page, and
    releasing it again sends nothing twice. Each move is audited with the reason."""
    project, owner = campaign(db)
    staff = make_user(db, "staff")
    make_donation(db, project, email="hanako@example.jp")
    update_id = updates.post(owner, project.id, title="お知らせ", body="本文")
    updates.hold(staff, update_id, "個人の電話番号が書かれています。")
    assert catalog.project_detail(project.id).updates == ()
    assert update_mail.fan_out(update_id) == 0
    assert update_pages.public_updates(project.id) == ()
    with pytest.raises(Conflict):
        updates.hold(staff, update_id, "二度目")
    updates.release(staff, update_id)
    assert update_mail.fan_out(update_id) == 1
    updates.hold(staff, update_id, "もう一度確認します。")
    assert catalog.project_detail(project.id).updates == ()
    updates.release(staff, update_id)
    assert update_mail.fan_out(update_id) == 0
    assert len(mails(db)) == 1
    actions = db.scalars(
        select(AuditLog.action).where(AuditLog.target_id == str(update_id)).order_by(AuditLog.id)
    ).all()
    assert actions == [
        "update.posted", "update.held", "update.released", "update.held", "update.released"
    ]  # fmt: skip
    with pytest.raises(ValidationFailed):
        updates.hold(staff, update_id, "  ")
    with pytest.raises(Forbidden):
        updates.hold(owner, update_id, "事業者は保留できない")


def test_posting_is_for_the_owner_of_a_public_campaign_with_a_title_and_body(db: Session) -> None:
    """Another business is refused, a draft cannot post, and empty or control-character
    titles are named field by field."""
    project, owner = campaign(db)
    stranger = make_user(db, "business", business_id=campaign(db)[0].business_id)
    with pytest.raises(Forbidden):
        updates.post(stranger, project.id, title="x", body="y")
    draft, draft_owner = campaign(db, status="draft")
    with pytest.raises(Conflict):
        updates.post(draft_owner, draft.id, title="x", body="y")
    with pytest.raises(ValidationFailed) as refused:
        updates.post(owner, project.id, title="改行\nあり", body="")
    assert set(refused.value.fields) == {"title", "body"}


def funded_with_payout(db: Session, subsidy: int = 500_000) -> tuple[Project, User, Payout]:
    project, owner = campaign(db)
    project.outcome = "funded"
    payout = Payout(project_id=project.id, business_id=project.business_id, amount_yen=subsidy)
    db.add(payout)
    db.flush()
    return project, owner, payout


def test_final_report_accounts_must_fit_the_subsidy_and_come_once(db: Session) -> None:
    """Lines over the subsidy, an empty item or a zero amount are refused; a campaign without
    a subsidy has no final report; a second published final report is refused."""
    unfunded, unfunded_owner = campaign(db)
    with pytest.raises(Conflict, match="目標を達成"):
        updates.post(unfunded_owner, unfunded.id, title="最終報告", body="b", is_final=True,
                     accounts=[AccountLine("織機", 1)])  # fmt: skip
    project, owner, _payout = funded_with_payout(db)
    over = [AccountLine("織機", 400_000), AccountLine("広告", 100_001)]
    with pytest.raises(ValidationFailed, match="500,000") as refused:
        updates.post(owner, project.id, title="最終報告", body="b", is_final=True, accounts=over)
    assert "accounts" in refused.value.fields
    with pytest.raises(ValidationFailed) as bad:
        updates.post(owner, project.id, title="最終報告", body="b", is_final=True,
                     accounts=[AccountLine("", 10), AccountLine("広告", 0)])  # fmt: skip
    assert set(bad.value.fields) == {"accounts.0.item", "accounts.1.amount_yen"}
    lines = [AccountLine("織機の購入", 400_000), AccountLine("広告", 100_000)]
    update_id = updates.post(owner, project.id, title="最終報告", body="b", is_final=True,
                             accounts=lines)  # fmt: skip
    (shown,) = update_pages.public_updates(project.id)
    assert (shown.id, shown.is_final, shown.accounts_total_yen) == (update_id, True, 500_000)
    assert shown.accounts == tuple(lines)
    with pytest.raises(Conflict, match="既に公開"):
        updates.post(owner, project.id, title="もう一度", body="b", is_final=True, accounts=lines)


def test_a_funded_campaigns_payout_is_marked_paid_only_after_its_final_report(db: Session) -> None:
    """Staff see the campaign among those missing a final report, and marking its batch paid is
    refused naming it, until the business publishes one."""
    project, owner, payout = funded_with_payout(db)
    staff = make_user(db, "staff")
    batch = PayoutBatch(
        transfer_date=date(2027, 4, 5), total_yen=500_000, zengin_file=b"",
        created_by_id=staff.id, created_at=datetime.now(UTC),
    )  # fmt: skip
    db.add(batch)
    db.flush()
    payout.batch_id, payout.status = batch.id, "exported"
    payout.bank_code, payout.branch_code, payout.account_type = "0001", "001", "1"
    payout.account_number, payout.account_holder_kana = "1234567", "ｶ)ｾﾝｼｭｳ"
    db.flush()
    assert project.id in [m.project_id for m in update_pages.staff_updates().missing_final_reports]
    with pytest.raises(Conflict, match=project.title):
        payouts.mark_paid(batch.id, staff, date(2027, 4, 5))
    assert db.scalar(select(func.count()).where(PayoutBatch.paid_on.is_not(None))) == 0
    updates.post(owner, project.id, title="最終報告", body="ありがとうございました。", is_final=True,
                 accounts=[AccountLine("織機", 500_000)])  # fmt: skip
    assert update_pages.missing_final_count() == 0
    payouts.mark_paid(batch.id, staff, date(2027, 4, 5))
    assert payouts.get(payout.id).status == "paid"
