"""The demo's newest work, made through the services: the one-stop exception across New Year
(a December donation to a campaign deciding in February, its notice sent before January 31),
a followed campaign and the year-end reminder with a saved estimate, a next goal approved, the
year's actual costs for the 50 % rule, a reissued receipt, and gift options (のし)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from furusato.demo import giving
from furusato.demo.content import GIFT_OFFERS, NEXT_GOAL, OSAKA_DONOR, YEAR_COSTS
from furusato.domain.deliveries import GiftOffer
from furusato.domain.money import JST, to_jst, utcnow
from furusato.domain.municipalities import notice_code
from furusato.domain.settlement import fiscal_year
from furusato.domain.states import OnestopStatus
from furusato.models import Donation, Receipt, User
from furusato.services.campaigns import next_goal_review, next_goals
from furusato.services.following import follows, reminder_settings
from furusato.services.following.reminder_settings import Change
from furusato.services.fulfilment import (
    gift_options,
    onestop,
    onestop_export,
    onestop_notices,
    receipts,
)
from furusato.services.settlement import cost_survey
from furusato.services.uow import UnitOfWork

# The demo donor's My Number (one person, one number on every form of theirs).
DEMO_DONOR_NUMBER = giving.demo_my_number(100)
# The officer's password for the notices' zip (demo only).
EXPORT_PASSWORD = "demo-notices-2026-Izumisano"  # noqa: S105


def february_deadline(day: int, now: datetime, latest: datetime) -> datetime:
    """Noon JST on `day` of the next February at least three weeks away: the campaign decides
    after January 31, when the year's one-stop notices are due. Loaded between February and
    October, that February is beyond the longest campaign: then `latest`."""
    year = to_jst(now).year
    moment = datetime(year, 2, day, 12, 0, tzinfo=JST).astimezone(UTC)
    if moment <= now + timedelta(days=21):
        moment = moment.replace(year=year + 1)
    return min(moment, latest)


def offer_gift_options(users: dict[str, User]) -> None:
    """The business wraps gifts and puts のし on them, and delivers in its carrier's windows."""
    for key, (carrier, windows) in GIFT_OFFERS.items():
        gift_options.update(
            users[key], GiftOffer(carrier=carrier, windows=windows, wrapping=True, noshi=True)
        )


def record_new_year_forms(staff: User, donor: User) -> None:
    """The February campaign's forms arrived: the demo donor's (all their forms this year, one
    number) and the Osaka donor's, recorded today (before the forms' deadline in January)."""
    year = to_jst(utcnow()).year
    today = to_jst(utcnow()).date()
    osaka = f"{OSAKA_DONOR[0]} {OSAKA_DONOR[1]}"
    for application in onestop.list_for_year(year, OnestopStatus.REQUESTED):
        if application.name == giving.DEMO_DONOR.name:
            number = DEMO_DONOR_NUMBER
        elif application.name == osaka:
            number = giving.demo_my_number(101)
        else:
            continue
        onestop.record_form(
            staff, application.id, received_on=today, my_number=number, id_checked=True
        )


def send_notices(staff: User) -> None:
    """The officer exports the year's notices and posts those to the demo donor's city and to
    大阪市 today (before January 31); the rest stay due."""
    year = to_jst(utcnow()).year
    onestop_export.export_zip(staff, year, password=EXPORT_PASSWORD)
    codes = {
        notice_code(a.municipality_code)
        for a in onestop.list_for_year(year)
        if a.name in (giving.DEMO_DONOR.name, f"{OSAKA_DONOR[0]} {OSAKA_DONOR[1]}")
    }
    onestop_notices.mark_sent(staff, year, sorted(codes), sent_on=to_jst(utcnow()).date())


def follow_and_remind(donor: User, project_id: int) -> None:
    """The donor follows a campaign and has the year-end summary on, with a saved estimate."""
    follows.follow(donor.id, project_id)
    reminder_settings.update(
        donor.id,
        Change(remind_year_end=True, estimate_salary_yen=5_000_000, estimate_family="single"),
    )


def next_goal(business: User, staff: User, project_id: int) -> None:
    """The funded campaign's business proposes its next goal; staff approve it."""
    _key, amount, reason = NEXT_GOAL
    goal_id = next_goals.propose(business, project_id, amount_yen=amount, reason=reason)
    next_goal_review.approve(staff, goal_id, note="上限額の範囲内で、理由も明確なため承認します。")


def record_year_costs(staff: User) -> None:
    """Staff add up this fiscal year's invoices by 現況調査 category (the 50 % rule's 実績)."""
    year = fiscal_year(utcnow())
    amounts = {category: str(amount) for category, amount in YEAR_COSTS.items()}
    cost_survey.record(staff, year, amounts, {"advertising": "ポスターと駅の広告（上期分）"})


def reissue_a_receipt(staff: User, donor: User) -> None:
    """The donor asked for their address with the room number: staff correct their first
    receipt, whose replacement says 再発行 with the original's number."""
    with UnitOfWork() as uow:
        receipt_id = uow.session.scalar(
            select(Receipt.id)
            .join(Donation, Donation.id == Receipt.donation_id)
            .where(Donation.user_id == donor.id, Receipt.voided_at.is_(None))
            .order_by(Receipt.id)
            .limit(1)
        )
    if receipt_id is None:
        return
    receipts.correct(
        staff,
        receipt_id,
        reason="寄附者からの申出により、住所に部屋番号を追加",
        address=f"{giving.DEMO_DONOR.address} 渋谷レジデンス501",
    )
