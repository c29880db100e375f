"""One world of real rows for the attack suite: two donors, two businesses, staff, and the
objects each owns, so every route can be called with a real id and every "someone else's
object" case has a real victim.

    donor A   — a paid, final donation to project A (receipt issued, one-stop application)
    donor B   — a paid donation to project B
    business A — project A (live: tier, image, shipment for donor A's gift, payout, batch,
                 a next goal proposed with a new tier), a draft (tier, image) and a submitted
                 project waiting for review
    business B — project B (live, with donor B's shipment and an approved next goal)
    staff, and a second staff member (payouts need two)
"""

from __future__ import annotations

import hashlib
import io
import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from furusato.domain.bank_days import first_business_day_from
from furusato.domain.money import tax_year
from furusato.models import (
    ApiToken,
    CampaignUpdate,
    CheerMessage,
    NextGoal,
    OnestopApplication,
    OutboundEmail,
    Payout,
    Project,
    ProjectImage,
    ProjectRevision,
    Receipt,
    Shipment,
    UpdateImage,
    User,
)
from furusato.services.campaigns import images, projects, tiers, update_mail
from furusato.services.fulfilment import receipts
from furusato.services.settlement import payouts
from tests.factories import make_business, make_donation, make_user

# Private details of donor A: no response to anyone else may contain them.
DONOR_A_NAME = "秘密 一郎"
DONOR_A_ADDRESS = "東京都千代田区千代田9-9-9 秘密ハイツ101"
DONOR_A_EMAIL_LOCAL = "victim-a"
STORY = "## 物語\n\n地元の素材で、[工房](https://example.jp/kobo)の職人がつくります。"


@dataclass(frozen=True)
class Texts:
    """Every free text the world's rows carry; the XSS tests put payloads in all of them."""

    plain: str | None = None  # one string for every plain-text field (None: ordinary Japanese)
    story: str = STORY  # the project story, in Markdown

    def __call__(self, ordinary: str) -> str:
        return self.plain if self.plain is not None else ordinary


def png(size: tuple[int, int] = (64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 80, 40)).save(out, format="PNG")
    return out.getvalue()


@dataclass
class World:
    users: dict[str, User]
    ids: dict[str, int | str]
    tokens: dict[str, str] = field(default_factory=dict)

    def bearer(self, actor: str) -> dict[str, str]:
        """An Authorization header for the actor (none for anonymous)."""
        if actor == "anonymous":
            return {}
        return {"Authorization": f"Bearer {self.tokens[actor]}"}


def _token(db: Session, user: User) -> str:
    """A bearer token stored as the accounts service stores it (only its SHA-256)."""
    token = "fst_" + secrets.token_urlsafe(32)
    db.add(
        ApiToken(
            user_id=user.id,
            token_sha256=hashlib.sha256(token.encode()).digest(),
            expires_at=datetime.now(UTC) + timedelta(days=1),
        )
    )
    return token


def _image(db: Session, project: Project, alt_text: str) -> ProjectImage:
    processed = images.process(png())
    image = ProjectImage(
        project_id=project.id,
        content_type=processed.content_type,
        large=processed.large,
        thumbnail=processed.thumbnail,
        width=processed.width,
        height=processed.height,
        alt_text=alt_text,
    )
    db.add(image)
    db.flush()
    return image


def _project(db: Session, owner: User, status: str, texts: Texts, **values: object) -> Project:
    """A project written through the services (so its story is rendered and sanitised as in
    real use), with one gift tier, then moved to `status`."""
    now = datetime.now(UTC)
    project_id = projects.create_draft(
        owner,
        {
            "title": texts("泉佐野の新しいタオル"),
            "summary": texts("地元の素材で新しい商品をつくります。"),
            "story_markdown": texts.story,
            "category": "food",
            "eligible_cost_yen": 1_000_000,
            "starts_at": now - timedelta(days=1),
            "deadline": now + timedelta(days=30),
            "miss_policy": "keep",
            "fallback_purpose": texts("市の子育て支援に活用します。"),
            "fallback_gift_note": texts("返礼品はお送りします。"),
        },
    )
    tiers.add_tier(
        owner,
        project_id,
        {
            "amount_yen": 10_000,
            "gift_name": texts("泉州タオル"),
            "gift_description": texts("地元で織ったタオル"),
            "procurement_cost_yen": 3_000,
            "shipping_cost_yen": 800,
            "delivery_month": date(2027, 3, 1),
            "local_category": 3,
            "local_evidence": texts("市内の工場で製造"),
            "general_price_yen": 3_000,
            "local_value_added_yen": 2_000,
        },
    )
    project = db.get(Project, project_id, populate_existing=True)
    assert project is not None
    project.status = status
    for name, value in values.items():
        setattr(project, name, value)
    db.flush()
    return project


def _shipment(db: Session, project: Project, donation_id: int, name: str, address: str) -> int:
    tier = project.tiers[0]
    shipment = Shipment(
        donation_id=donation_id,
        project_id=project.id,
        tier_id=tier.id,
        scheduled_month=date(2027, 3, 1),
        ship_name=name,
        ship_postal_code="1000001",
        ship_address=address,
        ship_phone="090-1234-5678",
    )
    db.add(shipment)
    db.flush()
    return shipment.id


def build_world(db: Session, texts: Texts = Texts()) -> World:
    now = datetime.now(UTC)
    business_a = make_business(db, name=texts("泉佐野タオル工房"))
    business_b = make_business(db, name=texts("りんくう食品"))
    donor_a_email = f"{DONOR_A_EMAIL_LOCAL}-{secrets.token_hex(3)}@example.jp"
    users = {
        "donor_a": make_user(db, "donor", email=donor_a_email, display_name=texts("一郎")),
        "donor_b": make_user(db, "donor"),
        "business_a": make_user(db, "business", business=business_a),
        "business_b": make_user(db, "business", business=business_b),
        "staff": make_user(db, "staff"),
        "staff_2": make_user(db, "staff"),
        "mynumber_officer": make_user(db, "staff", mynumber_officer=True),
    }
    project_a = _project(db, users["business_a"], "approved", texts)
    project_b = _project(db, users["business_b"], "approved", texts)
    image_a = _image(db, project_a, texts("写真"))
    paid = now - timedelta(days=3)
    donation_a = make_donation(
        db,
        project_a,
        user_id=users["donor_a"].id,
        donor_name=texts(DONOR_A_NAME),
        address=texts(DONOR_A_ADDRESS),
        email=users["donor_a"].email,
        paid_at=paid,
        tax_year=tax_year(paid),
        final_at=paid + timedelta(days=1),
        onestop_requested=True,
        birth_date=date(1980, 4, 1),
        gender="male",
    )
    donation_b = make_donation(db, project_b, user_id=users["donor_b"].id, paid_at=paid)
    shipment_a = _shipment(
        db, project_a, donation_a.id, texts(DONOR_A_NAME), texts(DONOR_A_ADDRESS)
    )
    shipment_b = _shipment(db, project_b, donation_b.id, "寄附 次郎", "大阪府堺市1-1")

    draft_a = _project(db, users["business_a"], "draft", texts)
    draft_image = _image(db, draft_a, texts("試作品の写真"))
    submitted_a = _project(db, users["business_a"], "submitted", texts, submitted_at=now)
    db.add(
        ProjectRevision(
            project_id=submitted_a.id,
            number=1,
            snapshot=projects.snapshot(submitted_a),
            submitted_by_id=users["business_a"].id,
        )
    )
    goal_a = NextGoal(
        project_id=project_a.id,
        amount_yen=2_000_000,
        reason=texts("乾燥機を増やして、冬のあいだも作り続けます。"),
        new_tiers=[
            {
                "amount_yen": 30_000,
                "gift_name": texts("泉州タオルの定期便"),
                "gift_description": texts("季節ごとに3回お届け"),
                "procurement_cost_yen": 2_000,
                "shipping_cost_yen": 800,
                "delivery_month": "2027-04-01",
                "delivery_months": ["2027-04-01", "2027-08-01", "2027-12-01"],
                "local_category": 3,
                "local_evidence": texts("市内の工場で製造"),
                "general_price_yen": 3_000,
                "local_value_added_yen": 2_000,
            }
        ],
        proposed_by_id=users["business_a"].id,
    )
    goal_b = NextGoal(
        project_id=project_b.id,
        amount_yen=2_000_000,
        reason=texts("新しい味を開発します。"),
        status="approved",
        decided_by_id=users["staff"].id,
        decided_at=now,
        decision_note=texts("承認します。"),
    )
    db.add_all([goal_a, goal_b])
    payout = Payout(project_id=project_a.id, business_id=business_a.id, amount_yen=200_000)
    exported = _project(db, users["business_a"], "settled", texts, outcome="funded")
    batch_payout = Payout(project_id=exported.id, business_id=business_a.id, amount_yen=150_000)
    db.add_all([payout, batch_payout])
    db.flush()

    receipt_id = receipts.issue_receipt(donation_a.id)  # also opens the one-stop application
    if receipt_id is None:  # pragma: no cover - the world is wrong, not the app
        raise AssertionError("donor A's final donation got no receipt")
    application_id = db.scalar(
        select(OnestopApplication.id).where(OnestopApplication.donation_id == donation_a.id)
    )
    payouts.prepare(
        batch_payout.id, users["staff"], confirmed_amount_yen=150_000, account_checked=True
    )
    payouts.approve(batch_payout.id, users["staff_2"])
    batch_id = payouts.export(
        users["staff"], first_business_day_from(date.today() + timedelta(days=3))
    )

    update_a = CampaignUpdate(
        project_id=project_a.id,
        title=texts("織機が届きました"),
        body_markdown=texts("今月から試作を始めます。"),
        body_html="<p>今月から試作を始めます。</p>",
        author_id=users["business_a"].id,
    )
    db.add(update_a)
    db.flush()
    update_image = UpdateImage(
        update_id=update_a.id,
        content_type="image/png",
        large=b"\x89PNG large",
        thumbnail=b"\x89PNG thumb",
        width=1,
        height=1,
    )
    message_a = CheerMessage(
        donation_id=donation_a.id,
        project_id=project_a.id,
        body=texts("応援しています。"),
        display_name=texts("一郎")[:30],  # the column's length (the XSS payload's start)
    )
    db.add_all([update_image, message_a])
    db.flush()

    assert db.get(Receipt, receipt_id) is not None and application_id is not None
    failed_mail = OutboundEmail(
        key=f"receipt:{receipt_id}:email:bounced",
        to_address=users["donor_a"].email,
        subject=texts("寄附金受領証明書"),
        body_text=texts("本文"),
        status="failed",
        attempts=1,
        last_error="recipient refused: 550 5.1.1 no such user",
    )
    db.add(failed_mail)
    db.flush()
    ids: dict[str, int | str] = {
        "project_a": project_a.id,
        "project_b": project_b.id,
        "draft_a": draft_a.id,
        "submitted_a": submitted_a.id,
        "tier_a": project_a.tiers[0].id,
        "draft_tier": draft_a.tiers[0].id,
        "image_a": image_a.id,
        "draft_image": draft_image.id,
        "donation_a": donation_a.id,
        "donation_b": donation_b.id,
        "token_a": donation_a.access_token,
        "shipment_a": shipment_a,
        "shipment_b": shipment_b,
        "receipt_a": receipt_id,
        "application_a": application_id,
        "payout_a": payout.id,
        "batch_a": batch_id,
        "failed_mail": failed_mail.id,
        "next_goal_a": goal_a.id,
        "update_a": update_a.id,
        "update_image_a": update_image.id,
        "message_a": message_a.id,
        "unsubscribe_a": update_mail.unsubscribe_token(project_a.id, users["donor_a"].email),
        "year_a": donation_a.tax_year or paid.year,
        "postal_code": "5980005",
        "size": "large",
        "locale": "en",
    }
    world = World(users=users, ids=ids)
    world.tokens = {name: _token(db, user) for name, user in users.items()}
    db.flush()
    return world
