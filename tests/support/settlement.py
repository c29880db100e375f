"""Seeding closed campaigns for settlement tests and the benchmark, fast (PostgreSQL COPY).

`seed_campaign` commits a business, a project past its deadline with one gift tier, and `count`
paid donations, with project and tier counters matching, and returns the project id.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from furusato.domain.money import cap_yen, target_yen, tax_year
from tests.factories import make_business, make_project

DONATION_COLUMNS = (
    "project_id",
    "tier_id",
    "creation_key",
    "access_token",
    "amount_yen",
    "gift",
    "resident",
    "status",
    "donor_name",
    "donor_name_kana",
    "email",
    "phone",
    "postal_code",
    "address",
    "municipality_code",
    "onestop_requested",
    "payment_intent_id",
    "fee_yen",
    "created_at",
    "reserved_until",
    "paid_at",
    "tax_year",
    "settlement_error",
    "updated_at",
)


def seed_campaign(
    engine: Engine,
    *,
    count: int,
    amount_yen: int = 10_000,
    funded: bool = True,
    miss_policy: str = "refund",
    payment_intents: Sequence[str] | None = None,
    amounts: Sequence[int] | None = None,
) -> int:
    """A closed campaign with `count` paid donations (funded: the target is exactly met)."""
    amounts = list(amounts) if amounts is not None else [amount_yen] * count
    total = sum(amounts)
    rate = 40
    # Funded: eligible cost chosen so the target equals the total; missed: target above it.
    eligible = total * rate // 50 if funded else (total + 10_000) * rate // 50 + 1
    now = datetime.now(UTC)
    with Session(engine) as s:
        business = make_business(s)
        project = make_project(
            s,
            business,
            eligible_cost_yen=eligible,
            subsidy_rate_percent=rate,
            deadline=now - timedelta(minutes=1),
            miss_policy=miss_policy,
            fallback_purpose="市の子育て支援に活用します。",
            tiers=1,
        )
        tier = project.tiers[0]
        tier.amount_yen = min(amounts)
        tier.procurement_cost_yen = tier.amount_yen * 30 // 100
        tier.reserved_count = count
        tier.delivery_month = date(2027, 3, 1)
        project.paid_total_yen = project.reserved_total_yen = total
        project.paid_count = count
        assert project.target_yen == target_yen(eligible, rate)
        assert total <= cap_yen(eligible, rate)
        s.commit()
        project_id, tier_id = project.id, tier.id
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        columns = ", ".join(DONATION_COLUMNS)
        with cursor.copy(f"COPY donations ({columns}) FROM STDIN") as copy:  # type: ignore[attr-defined]
            for i, amount in enumerate(amounts):
                paid_at = now - timedelta(days=1, seconds=i)
                copy.write_row(
                    (
                        project_id,
                        tier_id,
                        f"seed:{project_id}:{i}",
                        secrets.token_hex(16),
                        amount,
                        True,
                        False,
                        "paid",
                        "寄附 花子",
                        "キフ ハナコ",
                        f"donor{project_id}-{i}@example.jp",
                        "090-1234-5678",
                        "1000001",
                        "東京都千代田区千代田1-1",
                        "13101",
                        False,
                        payment_intents[i] if payment_intents else None,
                        amount * 36 // 1000,
                        paid_at,
                        paid_at + timedelta(minutes=30),
                        paid_at,
                        tax_year(paid_at),
                        "",
                        paid_at,
                    )
                )
        raw.commit()
    finally:
        raw.close()
    return project_id
