"""Project use cases against the real database: drafts, tiers, submission, review, audit."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from furusato.domain.money import cap_yen, target_yen
from furusato.models import AuditLog, OutboundEmail, Project, ProjectRevision, User
from furusato.services.campaigns import project_images, projects, review, tiers
from furusato.services.campaigns.projects import ComplianceFailed
from furusato.services.errors import Conflict, Forbidden, NotFound, ValidationFailed
from tests.factories import make_business, make_project, make_user

START = datetime.now(UTC).replace(microsecond=0) + timedelta(days=7)


def draft_values(**kw: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "title": "泉州タオルの新ブランド",
        "summary": "市内の工場で新しいタオルをつくります。",
        "story_markdown": "## 私たちについて\n\n創業百年の工場です。",
        "eligible_cost_yen": 1_000_000,
        "starts_at": START,
        "deadline": START + timedelta(days=30),
        "miss_policy": "refund",
    }
    values.update(kw)
    return values


def tier_values(**kw: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "amount_yen": 10_000,
        "gift_name": "泉州タオル 3枚",
        "gift_description": "市内で織ったタオル",
        "procurement_cost_yen": 3_000,
        "shipping_cost_yen": 800,
        "delivery_month": date(2027, 5, 1),
        "local_category": 3,
        "local_evidence": "市内の自社工場で製織",
        "general_price_yen": 3_000,
        "local_value_added_yen": 2_000,
    }
    values.update(kw)
    return values


def ready_project(owner: User) -> int:
    project_id = projects.create_draft(owner, draft_values())
    tiers.add_tier(owner, project_id, tier_values())
    return project_id


def test_create_draft_derives_target_and_cap(db: Session) -> None:
    """Target and cap come from the eligible cost and the city's default rate, never typed."""
    owner = make_user(db, "business")
    project_id = projects.create_draft(owner, draft_values(eligible_cost_yen=1_000_001))
    project = db.get(Project, project_id)
    assert project is not None and project.status == "draft"
    assert project.subsidy_rate_percent == 40
    assert project.target_yen == target_yen(1_000_001, 40) == 1_250_002
    assert project.cap_yen == cap_yen(1_000_001, 40) == 2_500_003
    projects.update_draft(owner, project_id, {"eligible_cost_yen": 2_000_000})
    db.refresh(project)
    assert (project.target_yen, project.cap_yen) == (2_500_000, 5_000_000)


def test_only_staff_set_the_subsidy_rate(db: Session) -> None:
    """A business cannot choose its rate; staff can, and target/cap follow (audited)."""
    owner, staff = make_user(db, "business"), make_user(db, "staff")
    with pytest.raises(Forbidden):
        projects.create_draft(owner, draft_values(subsidy_rate_percent=100))
    project_id = projects.create_draft(owner, draft_values())
    with pytest.raises(Forbidden):
        projects.update_draft(owner, project_id, {"subsidy_rate_percent": 100})
    with pytest.raises(Forbidden):
        review.set_subsidy_rate(owner, project_id, 30)
    review.set_subsidy_rate(staff, project_id, 30)
    project = db.get(Project, project_id)
    assert project is not None
    db.refresh(project)
    assert (project.target_yen, project.cap_yen) == (1_666_667, 3_333_334)
    entry = db.scalar(select(AuditLog).where(AuditLog.action == "project.subsidy_rate"))
    assert entry is not None and entry.before == {
        "subsidy_rate_percent": 40,
        "target_yen": 1_250_000,
        "cap_yen": 2_500_000,
    }


def test_another_business_cannot_touch_a_draft(db: Session) -> None:
    """Edits, tiers, images and submission by another business are forbidden."""
    owner, other = make_user(db, "business"), make_user(db, "business")
    project_id = ready_project(owner)
    tier_id = db.get(Project, project_id).tiers[0].id  # type: ignore[union-attr]
    for call in (
        lambda: projects.update_draft(other, project_id, {"title": "乗っ取り"}),
        lambda: tiers.add_tier(other, project_id, tier_values()),
        lambda: tiers.update_tier(other, project_id, tier_id, {"amount_yen": 5_000}),
        lambda: tiers.delete_tier(other, project_id, tier_id),
        lambda: projects.submit(other, project_id),
        lambda: projects.load(other, project_id),
    ):
        with pytest.raises(Forbidden):
            call()
    with pytest.raises(NotFound):
        projects.load(make_user(db, "donor"), project_id)
    with pytest.raises(NotFound):
        projects.load(None, project_id)


def test_tier_below_minimum_is_refused_at_once(db: Session) -> None:
    """A tier the database cannot store (1,999 yen) is refused with the field named."""
    owner = make_user(db, "business")
    project_id = projects.create_draft(owner, draft_values())
    with pytest.raises(ValidationFailed) as caught:
        tiers.add_tier(owner, project_id, tier_values(amount_yen=1_999))
    assert "amount_yen" in caught.value.fields
    with pytest.raises(ValidationFailed):
        tiers.add_tier(owner, project_id, tier_values(local_category=10))


def test_submission_is_refused_with_every_violation(db: Session) -> None:
    """A draft breaking several rules stays a draft and the refusal lists them all."""
    owner = make_user(db, "business")
    project_id = projects.create_draft(
        owner, draft_values(title="激安タオル", miss_policy="keep", eligible_cost_yen=0)
    )
    tiers.add_tier(owner, project_id, tier_values(procurement_cost_yen=3_001, local_evidence=""))
    with pytest.raises(ComplianceFailed) as caught:
        projects.submit(owner, project_id)
    found = {(v.code, v.location) for v in caught.value.violations}
    assert found == {
        ("banned_words", "title"),
        ("eligible_cost_not_positive", "eligible_cost_yen"),
        ("fallback_purpose_missing", "fallback_purpose"),
        ("gift_over_30_percent", "tiers.0.procurement_cost_yen"),
        ("local_evidence_missing", "tiers.0.local_evidence"),
    }
    project = db.get(Project, project_id)
    assert project is not None and project.status == "draft"
    assert (
        db.scalar(select(ProjectRevision).where(ProjectRevision.project_id == project_id)) is None
    )


def test_submission_needs_a_bank_account(db: Session) -> None:
    """The subsidy has to go somewhere: no bank account, no submission."""
    business = make_business(db, bank_code="", account_number="", account_holder_kana="")
    owner = make_user(db, "business", business=business)
    project_id = ready_project(owner)
    with pytest.raises(ComplianceFailed) as caught:
        projects.submit(owner, project_id)
    assert [v.code for v in caught.value.violations] == ["bank_account_missing"]


def test_submit_freezes_the_project(db: Session) -> None:
    """After submission the business can no longer edit, and a revision is stored."""
    owner = make_user(db, "business")
    project_id = ready_project(owner)
    assert projects.submit(owner, project_id) == 1
    with pytest.raises(Conflict):
        projects.update_draft(owner, project_id, {"title": "後から変更"})
    with pytest.raises(Conflict):
        tiers.add_tier(owner, project_id, tier_values())
    with pytest.raises(Conflict):
        projects.submit(owner, project_id)
    revision = db.scalar(select(ProjectRevision).where(ProjectRevision.project_id == project_id))
    assert revision is not None and revision.snapshot["title"] == "泉州タオルの新ブランド"
    assert revision.snapshot["tiers"][0]["procurement_cost_yen"] == 3_000


def test_reject_fix_resubmit_approve(db: Session) -> None:
    """The full review loop: reasons reach the business, the diff shows the fix, all audited."""
    owner, staff = make_user(db, "business"), make_user(db, "staff")
    project_id = ready_project(owner)
    projects.submit(owner, project_id)
    assert [p.id for p in review.queue()] == [project_id]

    with pytest.raises(ValidationFailed):
        review.reject(staff, project_id, "  ")
    review.reject(staff, project_id, "送料の根拠を示してください。")
    project = projects.load(owner, project_id)
    assert project.status == "draft"
    assert project.rejection_reason == "送料の根拠を示してください。"
    mail = db.scalar(select(OutboundEmail).where(OutboundEmail.to_address == owner.email))
    assert mail is not None and "送料の根拠" in mail.body_text

    tiers.update_tier(owner, project_id, project.tiers[0].id, {"shipping_cost_yen": 700})
    projects.update_draft(owner, project_id, {"summary": "送料を見直しました。"})
    assert projects.submit(owner, project_id) == 2

    report = review.report(staff, project_id)
    assert report.violations == []
    assert report.previous_rejection == "送料の根拠を示してください。"
    changes = {(c.where, c.before, c.after) for c in report.changes}
    assert ("概要", "市内の工場で新しいタオルをつくります。", "送料を見直しました。") in changes
    assert ("コース1（10,000円）: 送料", 800, 700) in changes

    review.approve(staff, project_id)
    project = projects.load(None, project_id)  # public now
    assert project.status == "approved" and project.approved_by_id == staff.id
    assert project.rejection_reason == ""
    actions = list(
        db.scalars(
            select(AuditLog.action)
            .where(AuditLog.target_type == "project", AuditLog.target_id == str(project_id))
            .order_by(AuditLog.id)
        )
    )
    assert actions == ["project.submit", "project.reject", "project.submit", "project.approve"]
    decisions = list(
        db.scalars(
            select(ProjectRevision.decision)
            .where(ProjectRevision.project_id == project_id)
            .order_by(ProjectRevision.number)
        )
    )
    assert decisions == ["rejected", "approved"]
    entry = db.scalar(select(AuditLog).where(AuditLog.action == "project.reject"))
    assert entry is not None and entry.actor_id == staff.id
    assert entry.before == {"status": "submitted"} and entry.after is not None
    assert entry.after["status"] == "draft"


def test_only_staff_decide(db: Session) -> None:
    """Businesses and donors cannot approve, reject, pause or resume."""
    owner = make_user(db, "business")
    project_id = ready_project(owner)
    projects.submit(owner, project_id)
    for actor in (owner, make_user(db, "donor")):
        for call in (
            lambda a=actor: review.approve(a, project_id),
            lambda a=actor: review.reject(a, project_id, "だめ"),
            lambda a=actor: review.pause(a, project_id, "止める"),
            lambda a=actor: review.resume(a, project_id),
            lambda a=actor: review.report(a, project_id),
        ):
            with pytest.raises(Forbidden):
                call()


def test_approve_only_a_submitted_project(db: Session) -> None:
    """A draft cannot be approved; an approval is scheduled until its start."""
    owner, staff = make_user(db, "business"), make_user(db, "staff")
    project_id = ready_project(owner)
    with pytest.raises(Conflict):
        review.approve(staff, project_id)
    projects.submit(owner, project_id)
    review.approve(staff, project_id)
    from furusato.domain.campaign import Phase, clock_of

    project = projects.load(None, project_id)
    assert clock_of(project).phase(datetime.now(UTC)) == Phase.SCHEDULED
    assert clock_of(project).phase(START + timedelta(seconds=1)) == Phase.LIVE
    with pytest.raises(Conflict):
        review.reject(staff, project_id, "もう遅い")


def test_pause_and_resume_a_live_campaign(db: Session) -> None:
    """Pause needs a reason donors will see; resume clears it; both are audited."""
    staff = make_user(db, "staff")
    project = make_project(db, status="approved")
    with pytest.raises(ValidationFailed):
        review.pause(staff, project.id, "")
    review.pause(staff, project.id, "返礼品の原材料を確認中です。")
    db.refresh(project)
    assert project.status == "paused" and project.paused_reason == "返礼品の原材料を確認中です。"
    with pytest.raises(Conflict):
        review.pause(staff, project.id, "二重")
    review.resume(staff, project.id)
    db.refresh(project)
    assert project.status == "approved" and project.paused_reason == ""
    actions = list(db.scalars(select(AuditLog.action).order_by(AuditLog.id)))
    assert actions[-2:] == ["project.pause", "project.resume"]


def test_story_is_stored_sanitised(db: Session) -> None:
    """Script tags, javascript: links and event handlers in the story come out inert."""
    owner = make_user(db, "business")
    evil = (
        "<script>alert(1)</script>\n\n[押して](javascript:alert(1))\n\n"
        '<img src=x onerror="alert(1)">\n\n<a href="https://example.jp" onclick="x()">link</a>\n\n'
        "[ok](https://example.jp/a)"
    )
    project_id = projects.create_draft(owner, draft_values(story_markdown=evil))
    html = db.get(Project, project_id).story_html  # type: ignore[union-attr]
    tags = parse_tags(html)
    names = [name for name, _ in tags]
    assert "script" not in names and "img" not in names
    for _, attrs in tags:
        assert not any(key.startswith("on") for key in attrs)
        assert not (attrs.get("href") or "").lower().startswith("javascript")
    links = [attrs for name, attrs in tags if name == "a"]
    assert links == [{"href": "https://example.jp/a", "rel": "noopener noreferrer nofollow"}]


def parse_tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    """Every element the browser would build from this HTML, with its attributes."""
    from html.parser import HTMLParser

    found: list[tuple[str, dict[str, str | None]]] = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            found.append((tag, dict(attrs)))

    Collector().feed(html)
    return found


def test_delete_tier_and_image_limits(db: Session) -> None:
    """Tiers can be removed from a draft; a ninth image is refused."""
    from tests.integration.test_images import png_bytes

    owner = make_user(db, "business")
    project_id = ready_project(owner)
    tier_id = projects.load(owner, project_id).tiers[0].id
    tiers.delete_tier(owner, project_id, tier_id)
    assert projects.load(owner, project_id).tiers == []
    data = png_bytes(40, 30)
    ids = [project_images.add_image(owner, project_id, data, f"写真{i}") for i in range(8)]
    with pytest.raises(ValidationFailed) as caught:
        project_images.add_image(owner, project_id, data)
    assert caught.value.code == "too_many_images"
    project_images.delete_image(owner, project_id, ids[0])
    assert len(projects.load(owner, project_id).images) == 7


def test_listing_by_role(db: Session) -> None:
    """A business lists its own, staff all, the public only projects past review."""
    owner, staff = make_user(db, "business"), make_user(db, "staff")
    mine = ready_project(owner)
    live = make_project(db, status="approved")
    other_draft = make_project(db, status="draft")
    assert [p.id for p in projects.list_for(owner)] == [mine]
    everyone = {p.id for p in projects.list_for(staff)}
    assert {mine, live.id, other_draft.id} <= everyone
    public = {p.id for p in projects.list_for(None)}
    assert live.id in public and mine not in public and other_draft.id not in public
    assert [p.id for p in projects.list_for(staff, "draft") if p.id == mine] == [mine]
