"""Builders for test data. Each adds rows to the given session and flushes."""

from __future__ import annotations

import itertools
import secrets
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from furusato.domain.money import cap_yen, target_yen, tax_year
from furusato.models import Business, Donation, Project, Tier, User
from furusato.services.accounts import hash_password

_seq = itertools.count(1)
PASSWORD = "correct-horse-battery"
_PASSWORD_HASH: str | None = None


def _password_hash() -> str:
    global _PASSWORD_HASH
    if _PASSWORD_HASH is None:
        _PASSWORD_HASH = hash_password(PASSWORD)
    return _PASSWORD_HASH


def make_business(session: Session, **kw: Any) -> Business:
    n = next(_seq)
    values: dict[str, Any] = {
        "name": f"泉佐野テスト商店{n}",
        "representative": "佐野 太郎",
        "address": "大阪府泉佐野市市場東1-1",
        "bank_code": "0001",
        "bank_name_kana": "ﾐｽﾞﾎ",
        "branch_code": "001",
        "branch_name_kana": "ﾎﾝﾃﾝ",
        "account_type": "1",
        "account_number": f"{1000000 + n:07d}",
        "account_holder_kana": "ｶ)ｲｽﾞﾐｻﾉﾃｽﾄ",
    }
    values.update(kw)
    business = Business(**values)
    session.add(business)
    session.flush()
    return business


def make_user(session: Session, role: str = "donor", **kw: Any) -> User:
    n = next(_seq)
    values: dict[str, Any] = {
        "email": f"{role}{n}@example.jp",
        "password_hash": _password_hash(),
        "role": role,
        "display_name": f"{role} {n}",
    }
    if role == "business" and "business" not in kw and "business_id" not in kw:
        values["business"] = make_business(session)
    values.update(kw)
    user = User(**values)
    session.add(user)
    session.flush()
    return user


def make_project(
    session: Session,
    business: Business | None = None,
    *,
    status: str = "approved",
    eligible_cost_yen: int = 1_000_000,
    subsidy_rate_percent: int = 40,
    starts_at: datetime | None = None,
    deadline: datetime | None = None,
    tiers: int = 1,
    **kw: Any,
) -> Project:
    now = datetime.now(UTC)
    project = Project(
        business=business or make_business(session),
        title=kw.pop("title", f"泉佐野の新しい特産品 {next(_seq)}"),
        summary=kw.pop("summary", "地元の素材で新しい商品をつくります。"),
        story_markdown=kw.pop("story_markdown", "## 物語\n\n地元の素材で。"),
        story_html=kw.pop("story_html", "<h2>物語</h2><p>地元の素材で。</p>"),
        category=kw.pop("category", "food"),
        eligible_cost_yen=eligible_cost_yen,
        subsidy_rate_percent=subsidy_rate_percent,
        target_yen=target_yen(eligible_cost_yen, subsidy_rate_percent),
        cap_yen=cap_yen(eligible_cost_yen, subsidy_rate_percent),
        starts_at=starts_at or now - timedelta(days=1),
        deadline=deadline or now + timedelta(days=30),
        status=status,
        **kw,
    )
    session.add(project)
    session.flush()
    for i in range(tiers):
        make_tier(session, project, position=i, amount_yen=10_000 * (i + 1))
    return project


def make_tier(session: Session, project: Project, **kw: Any) -> Tier:
    amount = kw.pop("amount_yen", 10_000)
    values: dict[str, Any] = {
        "project": project,
        "amount_yen": amount,
        "gift_name": "泉州タオル",
        "gift_description": "地元で織ったタオル",
        "procurement_cost_yen": amount * 30 // 100,
        "shipping_cost_yen": 800,
        "delivery_month": date(2027, 3, 1),
        "local_category": 3,
        "local_evidence": "市内の工場で製造",
        "general_price_yen": amount * 30 // 100,
        "local_value_added_yen": amount * 30 // 100,
    }
    values.update(kw)
    tier = Tier(**values)
    session.add(tier)
    session.flush()
    return tier


def make_donation(
    session: Session, project: Project, *, status: str = "paid", **kw: Any
) -> Donation:
    now = datetime.now(UTC)
    tier = kw.pop("tier", project.tiers[0] if project.tiers else None)
    amount = kw.pop("amount_yen", tier.amount_yen if tier else 10_000)
    paid_at = kw.pop("paid_at", now if status in ("paid", "refunded") else None)
    n = next(_seq)
    values: dict[str, Any] = {
        "project": project,
        "tier": tier,
        "creation_key": f"test:{n}:{secrets.token_hex(4)}",
        "access_token": secrets.token_urlsafe(24),
        "amount_yen": amount,
        "gift": bool(tier and tier.has_gift),
        "status": status,
        "donor_name": "寄附 花子",
        "donor_name_kana": "キフ ハナコ",
        "email": f"donor{n}@example.jp",
        "phone": "090-1234-5678",
        "postal_code": "1000001",
        "address": "東京都千代田区千代田1-1",
        "municipality_code": "13101",
        "reserved_until": now + timedelta(minutes=30),
        "paid_at": paid_at,
        "tax_year": tax_year(paid_at) if paid_at else None,
    }
    values.update(kw)
    donation = Donation(**values)
    session.add(donation)
    session.flush()
    return donation
