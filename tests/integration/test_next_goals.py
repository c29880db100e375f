"""ネクストゴール through the services on PostgreSQL: a funded campaign's business proposes,
staff approve (its tiers join the campaign) or reject, each audited and mailed; the rules run
again at approval; settlement does not change."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from furusato.models import (
    AuditLog,
    LedgerEntry,
    NextGoal,
    OutboundEmail,
    Payout,
    Project,
    Shipment,
    Tier,
    User,
)
from furusato.services.campaigns import catalog, next_goal_review, next_goals, project_views
from furusato.services.campaigns.projects import ComplianceFailed
from furusato.services.errors import Conflict, Forbidden, NotFound, ValidationFailed
from furusato.services.settlement import closing
from tests.conftest import TaskRecorder
from tests.factories import make_donation, make_project, make_user
from tests.integration.test_settlement import run_sent_chunks

NOW = datetime.now(UTC)
REASON = "乾燥機をもう1台入れて、冬のあいだも作り続けます。"
TIER: dict[str, Any] = {
    "amount_yen": 30_000,
    "gift_name": "季節のタオル定期便",
    "gift_description": "春・夏・秋に1枚ずつ",
    "procurement_cost_yen": 3_000,
    "shipping_cost_yen": 800,
    "delivery_months": [date(2027, 4, 1), date(2027, 8, 1), date(2027, 12, 1)],
    "local_category": 3,
    "local_evidence": "市内の工場で製造",
    "general_price_yen": 3_000,
    "local_value_added_yen": 2_000,
}


def funded(db: Session, **kw: Any) -> tuple[Project, User]:
    """A live campaign that has reached its target (1,250,000 of a 2,500,000 cap), its owner."""
    project = make_project(db, **kw)
    project.paid_total_yen = project.reserved_total_yen = project.target_yen
    project.target_reached_at = NOW
    owner = make_user(db, "business", business_id=project.business_id)
    db.flush()
    return project, owner


def _propose(owner: User, project: Project, amount: int = 2_000_000, **kw: Any) -> int:
    return next_goals.propose(owner, project.id, amount_yen=amount, reason=REASON, **kw)


def _fresh(db: Session, model: type, row_id: int):  # type: ignore[no-untyped-def]
    return db.get(model, row_id, populate_existing=True)


def _audit(db: Session, action: str, goal_id: int) -> list[AuditLog]:
    return list(
        db.scalars(
            select(AuditLog).where(AuditLog.action == action, AuditLog.target_id == str(goal_id))
        )
    )


def test_approved_next_goal_shows_beside_the_first_and_adds_its_tier(db: Session) -> None:
    """Proposed with a 定期便 tier, approved by staff: the tier joins the campaign after its
    others, the page and the API show both targets with the next goal's progress, each step
    is audited, and the business is mailed."""
    project, owner = funded(db)
    staff = make_user(db, "staff")
    goal_id = _propose(owner, project, new_tiers=[TIER])
    assert _fresh(db, NextGoal, goal_id).status == "proposed"
    next_goal_review.approve(staff, goal_id, "期待しています。", ip_address="10.0.0.1")
    goal = _fresh(db, NextGoal, goal_id)
    assert goal.status == "approved" and goal.decided_by_id == staff.id
    (tier_id,) = goal.added_tier_ids
    tier = _fresh(db, Tier, tier_id)
    assert tier.project_id == project.id and tier.delivery_months == TIER["delivery_months"]
    assert tier.position > max(t.position for t in project.tiers if t.id != tier_id)
    shown = catalog.project_detail(project.id).next_goal
    assert shown is not None and shown.amount_yen == 2_000_000 and shown.reason == REASON
    assert shown.progress.percent == 62 and not shown.progress.reached  # 1,250,000 / 2,000,000
    assert project_views.load(None, project.id).next_goal == shown
    assert [a.actor_id for a in _audit(db, "next_goal.propose", goal_id)] == [owner.id]
    (approved,) = _audit(db, "next_goal.approve", goal_id)
    assert approved.after is not None and approved.after["added_tier_ids"] == [tier_id]
    assert approved.ip_address == "10.0.0.1"
    mail = db.scalar(
        select(OutboundEmail).where(OutboundEmail.key == f"next_goal:{goal_id}:approved:{owner.id}")
    )
    assert mail is not None and mail.to_address == owner.email and "2,000,000円" in mail.body_text


def test_a_rejected_proposal_is_told_and_may_be_followed_by_another(db: Session) -> None:
    """Rejected with a reason (audited, mailed); the business may then propose again."""
    project, owner = funded(db)
    goal_id = _propose(owner, project)
    next_goal_review.reject(make_user(db, "staff"), goal_id, "上限額の根拠を添えてください。")
    goal = _fresh(db, NextGoal, goal_id)
    assert (goal.status, goal.decision_note) == ("rejected", "上限額の根拠を添えてください。")
    assert _audit(db, "next_goal.reject", goal_id)
    mail = db.scalar(
        select(OutboundEmail).where(OutboundEmail.key == f"next_goal:{goal_id}:rejected:{owner.id}")
    )
    assert mail is not None and "上限額の根拠を添えてください。" in mail.body_text
    assert _propose(owner, project, 2_100_000) != goal_id
    assert catalog.project_detail(project.id).next_goal is None  # nothing approved yet


def test_one_proposal_at_a_time_and_none_after_an_approval(db: Session) -> None:
    """A second proposal waits for the first decision; after an approval, none is taken."""
    project, owner = funded(db)
    goal_id = _propose(owner, project)
    with pytest.raises(Conflict) as waiting:
        _propose(owner, project, 2_100_000)
    assert waiting.value.code == "next_goal_pending"
    next_goal_review.approve(make_user(db, "staff"), goal_id)
    with pytest.raises(Conflict) as done:
        _propose(owner, project, 2_100_000)
    assert done.value.code == "next_goal_exists"


def test_only_a_funded_open_campaign_may_propose(db: Session) -> None:
    """One yen short of the target, or past its deadline: refused as not open for one."""
    short, owner = funded(db)
    short.paid_total_yen = short.target_yen - 1
    db.flush()
    with pytest.raises(Conflict) as refused:
        _propose(owner, short)
    assert refused.value.code == "next_goal_not_open"
    ended, owner2 = funded(db)
    ended.deadline = NOW - timedelta(minutes=1)
    db.flush()
    with pytest.raises(Conflict):
        _propose(owner2, ended)


def test_only_its_business_proposes_and_only_staff_decide(db: Session) -> None:
    """Another business, a donor or staff cannot propose; a business cannot approve or
    reject; another business cannot read the proposal."""
    project, owner = funded(db)
    for someone in (make_user(db, "business"), make_user(db, "staff"), make_user(db, "donor")):
        with pytest.raises(Forbidden):
            _propose(someone, project)
    goal_id = _propose(owner, project)
    with pytest.raises(Forbidden):
        next_goal_review.approve(owner, goal_id)
    with pytest.raises(Forbidden):
        next_goal_review.reject(owner, goal_id, "自分で却下")
    with pytest.raises(NotFound):
        next_goals.view(make_user(db, "business"), goal_id)
    assert next_goals.view(owner, goal_id).status == "proposed"


@pytest.mark.parametrize(
    ("amount", "ok"), [(2_500_000, True), (2_500_001, False)], ids=["at-cap", "over-cap"]
)
def test_a_next_goal_is_at_most_the_cap(db: Session, amount: int, ok: bool) -> None:
    """The cap (2,500,000) itself may be the next goal; one yen more may not."""
    project, owner = funded(db)
    if ok:
        assert _propose(owner, project, amount)
    else:
        with pytest.raises(ValidationFailed) as refused:
            _propose(owner, project, amount)
        assert "amount_yen" in refused.value.fields


def test_a_new_tier_must_meet_every_rule_counting_all_deliveries(db: Session) -> None:
    """3,001 yen per delivery of a three-delivery 30,000 yen tier is over 30 %: the proposal
    is refused, naming the tier's field; nothing is stored."""
    project, owner = funded(db)
    with pytest.raises(ComplianceFailed) as refused:
        _propose(owner, project, new_tiers=[TIER | {"procurement_cost_yen": 3_001}])
    assert "tiers.0.procurement_cost_yen" in refused.value.fields
    assert [v.code for v in refused.value.violations] == ["gift_over_30_percent"]
    with pytest.raises(ComplianceFailed) as unstorable:
        _propose(owner, project, new_tiers=[TIER, TIER | {"amount_yen": 1_999}])
    assert "tiers.1.amount_yen" in unstorable.value.fields
    assert db.scalar(select(NextGoal).where(NextGoal.project_id == project.id)) is None


def test_approval_checks_again_as_things_stand(db: Session) -> None:
    """Donations passed the amount meanwhile, or the campaign ended: approval is refused (the
    proposal stays waiting, for staff to reject with a reason)."""
    project, owner = funded(db)
    staff = make_user(db, "staff")
    goal_id = _propose(owner, project)
    project.paid_total_yen = project.reserved_total_yen = 2_000_000
    db.flush()
    with pytest.raises(ValidationFailed) as passed:
        next_goal_review.approve(staff, goal_id)
    assert "amount_yen" in passed.value.fields
    project.paid_total_yen = project.reserved_total_yen = project.target_yen
    project.deadline = NOW - timedelta(minutes=1)
    db.flush()
    with pytest.raises(Conflict):
        next_goal_review.approve(staff, goal_id)
    assert _fresh(db, NextGoal, goal_id).status == "proposed"


def test_approval_rechecks_the_new_tiers_under_todays_rules(db: Session) -> None:
    """A stored tier that breaks a rule now is refused at approval; no tier is added."""
    project, owner = funded(db)
    goal_id = _propose(owner, project, new_tiers=[TIER])
    goal = _fresh(db, NextGoal, goal_id)
    goal.new_tiers = [dict(goal.new_tiers[0], procurement_cost_yen=9_000)]
    db.flush()
    with pytest.raises(ValidationFailed) as refused:
        next_goal_review.approve(make_user(db, "staff"), goal_id)
    assert "tiers.0.procurement_cost_yen" in refused.value.fields
    assert len(db.scalars(select(Tier).where(Tier.project_id == project.id)).all()) == 1


def test_a_decision_is_taken_once(db: Session) -> None:
    """An approved proposal cannot be rejected, nor approved again."""
    project, owner = funded(db)
    staff = make_user(db, "staff")
    goal_id = _propose(owner, project)
    next_goal_review.approve(staff, goal_id)
    with pytest.raises(Conflict):
        next_goal_review.approve(staff, goal_id)
    with pytest.raises(Conflict):
        next_goal_review.reject(staff, goal_id, "やはり却下")


def test_a_missed_next_goal_changes_nothing_in_settlement(
    db: Session, sent_tasks: TaskRecorder
) -> None:
    """A funded `refund` campaign that ends short of its next goal settles funded: nothing is
    refunded, the gift ships, the subsidy is floor(paid × 40 %) as without a next goal."""
    project, owner = funded(db, miss_policy="refund", eligible_cost_yen=8_000)  # target 10,000
    make_donation(db, project, amount_yen=12_000)
    project.paid_total_yen = project.reserved_total_yen = 12_000
    db.flush()
    goal_id = _propose(owner, project, 20_000)  # the cap
    next_goal_review.approve(make_user(db, "staff"), goal_id)
    project.deadline = NOW - timedelta(minutes=1)
    db.flush()
    report = closing.settle_due(NOW)
    assert report.decided == [(project.id, "funded", "fulfil")]
    run_sent_chunks(sent_tasks)
    payout = db.scalar(select(Payout).where(Payout.project_id == project.id))
    assert payout is not None and payout.amount_yen == 4_800  # 12,000 × 40 %
    refunds = db.scalars(
        select(LedgerEntry).where(LedgerEntry.project_id == project.id, LedgerEntry.account == "refund")
    ).all()
    assert refunds == []
    assert _fresh(db, Project, project.id).outcome == "funded"
    assert len(db.scalars(select(Shipment).where(Shipment.project_id == project.id)).all()) == 1
