"""Pledging and paying donations against PostgreSQL and localstripe."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from furusato.domain.money import tax_year, utcnow
from furusato.models import Donation, OutboundEmail, PaymentAttempt, Project, Tier
from furusato.payments import get_gateway
from furusato.services import mail as mail_service
from furusato.services.errors import Conflict, ValidationFailed
from furusato.services.giving import charges, donation_mail, donation_views, reconcile
from tests.conftest import TaskRecorder
from tests.factories import make_donation, make_project, make_tier
from tests.support.giving import RESIDENT_POSTAL_CODE, donor, onestop_donor, pledge
from tests.support.localstripe import TEST_CARDS, LocalStripe


def _saved_card(db: Session, ls: LocalStripe, donation_id: int, card: str = "visa") -> str:
    donation = db.get(Donation, donation_id, populate_existing=True)
    assert donation is not None and donation.setup_intent_id
    return ls.confirm_setup(donation.setup_intent_id, TEST_CARDS[card])


def _fresh(db: Session, model: type, row_id: int):  # type: ignore[no-untyped-def]
    return db.get(model, row_id, populate_existing=True)


def test_pledge_reserves_a_unit_and_cap_room(db: Session, stripe_clean: LocalStripe) -> None:
    """A pledge takes one unit of a limited tier and its amount from the cap room, and gets a
    card form. An unlimited tier keeps no count (and so no lock for its donors to queue on)."""
    project = make_project(db)
    tier = make_tier(db, project, position=1, amount_yen=20_000, quantity_limit=100)
    made = pledge(project.id, tier_id=tier.id, amount_yen=tier.amount_yen)
    assert made.status == "pending_payment" and made.gift and not made.resident
    assert made.setup_intent_client_secret and made.setup_intent_client_secret.startswith("seti_")
    assert _fresh(db, Tier, tier.id).reserved_count == 1
    assert _fresh(db, Project, project.id).reserved_total_yen == tier.amount_yen
    donation = _fresh(db, Donation, made.id)
    assert donation.reserved_until > utcnow() + timedelta(minutes=25)
    open_tier = project.tiers[0]
    assert open_tier.quantity_limit is None
    other = pledge(project.id, tier_id=open_tier.id, amount_yen=open_tier.amount_yen)
    assert other.gift and _fresh(db, Donation, other.id).tier_id == open_tier.id
    assert _fresh(db, Tier, open_tier.id).reserved_count == 0
    assert _fresh(db, Project, project.id).reserved_total_yen == 30_000


def test_retried_create_returns_the_same_donation(db: Session, stripe_clean: LocalStripe) -> None:
    """The same creation key twice makes one donation and reserves once."""
    project = make_project(db)
    tier = make_tier(db, project, position=1, quantity_limit=10)
    details = donor()
    first = pledge(project.id, tier_id=tier.id, details=details, key="form:abc")
    again = pledge(project.id, tier_id=tier.id, details=details, key="form:abc")
    assert again.id == first.id and again.replayed
    assert again.setup_intent_client_secret == first.setup_intent_client_secret
    assert _fresh(db, Tier, tier.id).reserved_count == 1
    assert db.scalar(select(func.count()).select_from(Donation)) == 1


def test_a_key_reused_for_other_details_is_refused(db: Session, stripe_clean: LocalStripe) -> None:
    """A creation key never hands out a donation made with different details."""
    project = make_project(db)
    pledge(project.id, amount_yen=5_000, key="api:anon:k1")
    with pytest.raises(Conflict):
        pledge(project.id, amount_yen=5_000, key="api:anon:k1")  # another donor's email


def test_sold_out_tier_is_refused(db: Session, stripe_clean: LocalStripe) -> None:
    """When the tier's last unit is taken, the next pledge is refused and nothing is reserved."""
    project = make_project(db)
    tier = make_tier(db, project, amount_yen=20_000, quantity_limit=1)
    pledge(project.id, tier_id=tier.id, amount_yen=20_000)
    with pytest.raises(Conflict) as refused:
        pledge(project.id, tier_id=tier.id, amount_yen=20_000)
    assert refused.value.code == "sold_out"
    assert _fresh(db, Project, project.id).reserved_total_yen == 20_000


def test_retry_of_the_pledge_that_took_the_last_unit_is_a_replay(
    db: Session, stripe_clean: LocalStripe
) -> None:
    """The stock is taken before the insert; a retried pledge whose own donation holds the last
    unit (or filled the cap) answers with that donation, not with "sold out"."""
    project = make_project(db, eligible_cost_yen=8_000)  # cap 20,000 yen
    tier = make_tier(db, project, amount_yen=20_000, quantity_limit=1)
    details = donor()
    first = pledge(project.id, tier_id=tier.id, amount_yen=20_000, details=details, key="k:last")
    again = pledge(project.id, tier_id=tier.id, amount_yen=20_000, details=details, key="k:last")
    assert again.id == first.id and again.replayed
    assert _fresh(db, Tier, tier.id).reserved_count == 1
    assert _fresh(db, Project, project.id).reserved_total_yen == 20_000
    with pytest.raises(Conflict) as refused:  # another donor's pledge is refused
        pledge(project.id, tier_id=tier.id, amount_yen=20_000)
    assert refused.value.code == "sold_out"
    assert db.scalar(select(func.count()).select_from(Donation)) == 1


def test_cap_cannot_be_exceeded(db: Session, stripe_clean: LocalStripe) -> None:
    """A pledge that would pass the campaign's cap is refused, saying how much room is left;
    one that fits is accepted."""
    project = make_project(db, eligible_cost_yen=40_000)  # cap 100,000 yen
    pledge(project.id, amount_yen=90_000)
    with pytest.raises(Conflict) as refused:
        pledge(project.id, amount_yen=20_000)
    assert refused.value.code == "over_cap" and "あと10,000円" in refused.value.message
    pledge(project.id, amount_yen=10_000)
    assert _fresh(db, Project, project.id).reserved_total_yen == 100_000


def test_closed_campaign_takes_no_pledge(db: Session, stripe_clean: LocalStripe) -> None:
    """A campaign past its deadline or not approved refuses pledges."""
    ended = make_project(db, deadline=utcnow() - timedelta(minutes=1))
    draft = make_project(db, status="draft")
    for project in (ended, draft):
        with pytest.raises(Conflict):
            pledge(project.id, amount_yen=5_000)


def test_resident_gets_no_gift(db: Session, stripe_clean: LocalStripe) -> None:
    """A donor living in the city may give (deductible) but gets no gift and takes no stock."""
    project = make_project(db)
    tier = project.tiers[0]
    made = pledge(
        project.id,
        tier_id=tier.id,
        details=donor(postal_code=RESIDENT_POSTAL_CODE, address="大阪府泉佐野市市場東1-1"),
    )
    assert made.resident and not made.gift
    donation = _fresh(db, Donation, made.id)
    assert donation.municipality_code == "27213" and donation.tier_id is None
    assert _fresh(db, Tier, tier.id).reserved_count == 0


@pytest.mark.parametrize(
    ("tier_amount", "amount", "ok"),
    [(None, 1_999, False), (None, 2_000, True), (10_000, 9_999, False), (10_000, 15_000, True)],
)
def test_amount_rules(
    db: Session, stripe_clean: LocalStripe, tier_amount: int | None, amount: int, ok: bool
) -> None:
    """At least 2,000 yen; with a tier at least the tier's amount (more is allowed)."""
    project = make_project(db, tiers=0)
    tier_id = make_tier(db, project, amount_yen=tier_amount).id if tier_amount else None
    if ok:
        assert pledge(project.id, tier_id=tier_id, amount_yen=amount).amount_yen == amount
    else:
        with pytest.raises(ValidationFailed) as refused:
            pledge(project.id, tier_id=tier_id, amount_yen=amount)
        assert "amount_yen" in refused.value.fields


def test_onestop_needs_birth_date_and_gender(db: Session, stripe_clean: LocalStripe) -> None:
    """Asking for one-stop without birth date and gender names both fields."""
    project = make_project(db)
    with pytest.raises(ValidationFailed) as refused:
        pledge(project.id, amount_yen=5_000, onestop=True)
    assert {"birth_date", "gender"} <= set(refused.value.fields)
    made = pledge(project.id, amount_yen=5_000, onestop=True, details=onestop_donor())
    assert _fresh(db, Donation, made.id).gender == "female"


def test_unknown_postal_code_is_a_field_error(db: Session, stripe_clean: LocalStripe) -> None:
    """A postal code Japan Post does not know is refused with a field message."""
    project = make_project(db)
    with pytest.raises(ValidationFailed) as refused:
        pledge(project.id, details=donor(postal_code="0000000"))
    assert "postal_code" in refused.value.fields


def test_paying_records_money_counters_finality_and_mail(
    db: Session, stripe_clean: LocalStripe, sent_tasks: TaskRecorder
) -> None:
    """A 4242 payment: paid at the gateway's time, JST tax year, fee, counters, receipt, mail."""
    project = make_project(db, miss_policy="keep")
    tier = project.tiers[0]
    made = pledge(project.id, tier_id=tier.id, onestop=True, details=onestop_donor())
    outcome = charges.pay(made.id, _saved_card(db, stripe_clean, made.id))
    assert outcome.status == "paid"
    donation = _fresh(db, Donation, made.id)
    assert donation.status == "paid" and donation.paid_at is not None
    assert donation.tax_year == tax_year(donation.paid_at) == outcome.tax_year
    assert donation.fee_yen == 360  # 3.6 % of 10,000
    assert donation.final_at is not None  # keep policy: final at once
    assert ("furusato.issue_receipt", (made.id,)) in sent_tasks.sent
    project_now = _fresh(db, Project, project.id)
    assert (project_now.paid_total_yen, project_now.paid_count) == (10_000, 1)
    mail = db.scalar(
        select(OutboundEmail).where(OutboundEmail.key == f"donation:{made.id}:confirmation")
    )
    assert mail is not None and mail.message_ref == f"donation_confirmation:{made.id}"
    assert "furusato.send_email" not in sent_tasks.names()  # the worker's relay sends it
    assert mail.id in mail_service.queued_ids()
    subject, body = donation_mail.render_confirmation(made.id)  # written when sent
    assert subject.endswith("ご寄附ありがとうございました（10,000円）")
    assert f"{donation.tax_year}年分" in body and "寄附は確定しました" in body
    assert f"/donations/{made.id}/onestop-form.pdf?t={donation.access_token}" in body


def test_double_pay_charges_once(db: Session, stripe_clean: LocalStripe) -> None:
    """A second pay call finds the paid donation: one attempt, one PaymentIntent at the gateway."""
    project = make_project(db)
    made = pledge(project.id, tier_id=project.tiers[0].id)
    card = _saved_card(db, stripe_clean, made.id)
    assert charges.pay(made.id, card).status == "paid"
    assert charges.pay(made.id, card).status == "paid"
    customer = _fresh(db, Donation, made.id).stripe_customer_id
    assert len(stripe_clean.payment_intents(customer=customer)) == 1
    attempts = db.scalars(select(PaymentAttempt).where(PaymentAttempt.donation_id == made.id))
    assert len(list(attempts)) == 1


def test_declined_card_then_another_card(db: Session, stripe_clean: LocalStripe) -> None:
    """4000000000000002 is declined with a Japanese message; the donor gets a fresh SetupIntent
    (Stripe does not confirm one twice) and a retry with 4242 pays."""
    project = make_project(db)
    made = pledge(project.id, tier_id=project.tiers[0].id)
    first_setup = db.get(Donation, made.id).setup_intent_id  # type: ignore[union-attr]
    declined = charges.pay(made.id, stripe_clean.payment_method(TEST_CARDS["declined"]))
    assert declined.status == "failed"
    assert declined.message.startswith("カードが承認されませんでした")
    renewed = db.get(Donation, made.id, populate_existing=True)
    assert renewed is not None and renewed.setup_intent_id not in (None, first_setup)
    assert declined.setup_secret == renewed.setup_intent_client_secret
    assert charges.pay(made.id, _saved_card(db, stripe_clean, made.id)).status == "paid"
    keys = db.scalars(
        select(PaymentAttempt.key)
        .where(PaymentAttempt.donation_id == made.id)
        .order_by(PaymentAttempt.id)
    )
    assert list(keys) == [f"donation:{made.id}:charge:1", f"donation:{made.id}:charge:2"]


def test_reaching_target_makes_earlier_donations_final(
    db: Session, stripe_clean: LocalStripe, sent_tasks: TaskRecorder
) -> None:
    """In a refund campaign, donations become final when the target is first reached."""
    project = make_project(db, eligible_cost_yen=8_000, miss_policy="refund")  # target 10,000
    earlier = make_donation(db, project, amount_yen=4_000, tier=None)
    project.paid_total_yen, project.paid_count = 4_000, 1
    db.flush()
    first = pledge(project.id, amount_yen=3_000)
    charges.pay(first.id, _saved_card(db, stripe_clean, first.id))
    assert _fresh(db, Donation, first.id).final_at is None  # 7,000 < target
    second = pledge(project.id, amount_yen=3_000)
    charges.pay(second.id, _saved_card(db, stripe_clean, second.id))
    assert _fresh(db, Project, project.id).target_reached_at is not None
    assert all(_fresh(db, Donation, d).final_at for d in (earlier.id, first.id, second.id))
    assert ("furusato.issue_receipts_for_project", (project.id,)) in sent_tasks.sent
    assert ("furusato.issue_receipt", (first.id,)) not in sent_tasks.sent


def test_three_d_secure_completed_and_found_by_reconciliation(
    db: Session, stripe_clean: LocalStripe
) -> None:
    """A 3-D Secure card asks for action; when its webhook is lost, reconciliation records it."""
    project = make_project(db)
    made = pledge(project.id, tier_id=project.tiers[0].id)
    needs = charges.pay(made.id, _saved_card(db, stripe_clean, made.id, "3ds"))
    assert needs.status == "requires_action" and needs.client_secret
    intent_id = needs.client_secret.split("_secret_")[0]
    assert stripe_clean.authenticate(intent_id, needs.client_secret) == "succeeded"
    assert donation_views.state_of(made.id).status == "requires_action"  # no webhook reached us
    assert made.id in reconcile.due_for_check()
    assert reconcile.sweep()["checked"] >= 1
    assert _fresh(db, Donation, made.id).status == "paid"


def _charge_with_lost_answer(
    db: Session, donation_id: int, customer: str | None, card: str, amount: int = 5_000
) -> None:
    """Attempt 1 recorded as unknown, and the 5,000-yen charge it made at the gateway: the
    call went through while its answer was lost."""
    key = f"donation:{donation_id}:charge:1"
    db.add(
        PaymentAttempt(
            donation_id=donation_id, kind="charge", key=key, status="unknown", amount_yen=amount
        )
    )
    db.flush()
    get_gateway().charge(
        amount_yen=amount,
        customer_id=customer,
        payment_method_id=card,
        idempotency_key=key,
        metadata={"donation_id": str(donation_id), "attempt": key},
    )


def test_lost_charge_answer_is_found_by_attempt_key(db: Session, stripe_clean: LocalStripe) -> None:
    """A charge whose answer never came (no PaymentIntent id stored) is found among the
    customer's intents by our attempt key, and no second charge is made meanwhile."""
    project = make_project(db)
    made = pledge(project.id, amount_yen=5_000)
    card = _saved_card(db, stripe_clean, made.id)
    donation = _fresh(db, Donation, made.id)
    _charge_with_lost_answer(db, made.id, donation.stripe_customer_id, card)
    assert charges.pay(made.id, card).status == "processing"  # never charge again blindly
    assert reconcile.check(made.id) == "succeeded"
    assert _fresh(db, Donation, made.id).status == "paid"
    assert len(stripe_clean.payment_intents(customer=donation.stripe_customer_id)) == 1


def test_a_card_the_client_brought_pays_without_card_setup(
    db: Session, stripe_clean: LocalStripe
) -> None:
    """A pledge with card_setup=False makes no gateway call (no customer, no SetupIntent, no
    client secret); paying with a PaymentMethod the client created charges once, and a declined
    card fails with the Japanese message like any other."""
    project = make_project(db)
    customers_before = len(stripe_clean.client.v1.customers.list(params={"limit": 100}).data)
    made = pledge(project.id, tier_id=project.tiers[0].id, card_setup=False)
    donation = _fresh(db, Donation, made.id)
    assert made.setup_intent_client_secret is None and donation.setup_intent_id is None
    assert donation.stripe_customer_id is None
    customers_after = len(stripe_clean.client.v1.customers.list(params={"limit": 100}).data)
    assert customers_after == customers_before
    declined = charges.pay(made.id, stripe_clean.payment_method(TEST_CARDS["declined"]))
    assert declined.status == "failed" and declined.message.startswith(
        "カードが承認されませんでした"
    )
    outcome = charges.pay(made.id, stripe_clean.payment_method())
    assert outcome.status == "paid"
    assert outcome.donation is not None and outcome.donation.status == "paid"
    paid = [
        i
        for i in stripe_clean.payment_intents()
        if i.metadata["donation_id"] == str(made.id) and i.status == "succeeded"
    ]
    assert len(paid) == 1 and paid[0].amount == 10_000


def test_lost_answer_without_a_customer_is_found_by_attempt_key(
    db: Session, stripe_clean: LocalStripe
) -> None:
    """A charge made without a customer whose answer was lost is found by our attempt key
    (metadata search on Stripe; localstripe's whole list here) and recorded once."""
    project = make_project(db)
    made = pledge(project.id, amount_yen=5_000, card_setup=False)
    _charge_with_lost_answer(db, made.id, None, stripe_clean.payment_method())
    assert charges.pay(made.id, stripe_clean.payment_method()).status == "processing"
    assert reconcile.check(made.id) == "succeeded"
    assert _fresh(db, Donation, made.id).status == "paid"
    mine = [i for i in stripe_clean.payment_intents() if i.metadata["donation_id"] == str(made.id)]
    assert len(mine) == 1


def test_expiry_releases_the_reservation(db: Session, stripe_clean: LocalStripe) -> None:
    """A pledge not paid in time is expired and its unit and cap room come back."""
    project = make_project(db)
    tier = make_tier(db, project, amount_yen=20_000, quantity_limit=1)
    made = pledge(project.id, tier_id=tier.id, amount_yen=20_000)
    donation = _fresh(db, Donation, made.id)
    donation.reserved_until = utcnow() - timedelta(seconds=1)
    db.flush()
    assert reconcile.sweep()["expired"] == 1
    assert _fresh(db, Donation, made.id).status == "expired"
    assert _fresh(db, Tier, tier.id).reserved_count == 0
    assert _fresh(db, Project, project.id).reserved_total_yen == 0
    assert reconcile.expire(made.id) is False  # a second sweep finds nothing
    assert charges.pay(made.id, "pm_x").status == "expired"  # reported, never charged
    pledge(project.id, tier_id=tier.id, amount_yen=20_000)  # the unit is available again


@pytest.mark.parametrize("limit", [10, None])
def test_late_payment_on_expired_donation_is_recorded(
    db: Session, stripe_clean: LocalStripe, limit: int | None
) -> None:
    """3-D Secure completed after the reservation lapsed: the money arrived, so it is paid and
    the reservation is taken back (a unit of a limited tier; an unlimited one counts none)."""
    project = make_project(db)
    tier = make_tier(db, project, position=1, quantity_limit=limit)
    made = pledge(project.id, tier_id=tier.id)
    needs = charges.pay(made.id, _saved_card(db, stripe_clean, made.id, "3ds"))
    donation = _fresh(db, Donation, made.id)
    donation.reserved_until = utcnow() - timedelta(seconds=1)
    db.flush()
    assert reconcile.expire(made.id) is True
    assert _fresh(db, Tier, tier.id).reserved_count == 0
    assert needs.client_secret
    stripe_clean.authenticate(needs.client_secret.split("_secret_")[0], needs.client_secret)
    assert reconcile.check(made.id) == "succeeded"
    paid = _fresh(db, Donation, made.id)
    assert paid.status == "paid" and paid.gift and paid.tier_id == tier.id
    assert _fresh(db, Tier, tier.id).reserved_count == (1 if limit else 0)
    assert _fresh(db, Project, project.id).reserved_total_yen == tier.amount_yen


def test_prefill_from_the_last_donation(db: Session, stripe_clean: LocalStripe) -> None:
    """A logged-in donor's next form starts with the details of their last donation."""
    from tests.factories import make_user

    user = make_user(db)
    project = make_project(db)
    pledge(project.id, amount_yen=5_000, details=donor(name="佐野 一郎"), user_id=user.id)
    details = donation_views.last_details(user.id)
    assert details is not None and details.name == "佐野 一郎"
