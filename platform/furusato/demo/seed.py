"""Demo data for the embedded default: `furusato seed-demo`, and `make run` on an empty database.

Everything is made through the services real use goes through, as the people of the demo would:
the accounts sign up, the businesses enter their bank accounts and write their projects, staff
approve them, donors pledge and pay through the payment gateway (localstripe in `make run`: each
paid donation has its PaymentIntent there), the campaign that reached its cap is closed and
settled, receipts are issued, the business marks gifts sent, staff record one-stop forms and one
staff member prepares the subsidy payout for the other to approve. Every payment is made at
seeding, so its time is the moment of seeding. Running it twice adds nothing the second time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from furusato.config import get_settings
from furusato.demo import engagement, giving, newest
from furusato.demo.content import (
    ACCOUNTS,
    BUSINESSES,
    CAMPAIGNS,
    DEMO_PASSWORD,
    NEXT_GOAL,
    PRESENT_TIER,
    SCHEDULES,
    DemoCampaign,
)
from furusato.demo.images import POSTERS, poster_jpeg
from furusato.domain.campaign import Phase, clock_of
from furusato.domain.money import to_jst, utcnow
from furusato.domain.states import OnestopStatus
from furusato.models import Project, User
from furusato.payments import GatewayUnavailable, PaymentNotFound, get_gateway
from furusato.services import accounts, mail, mynumber_officers
from furusato.services.campaigns import project_images, projects, review, tiers
from furusato.services.fulfilment import documents, onestop, receipts, shipments
from furusato.services.settlement import bank, closing, payouts, reports
from furusato.services.uow import UnitOfWork

# The story's one-stop mails carry the form: `documents` registers how it is rendered.
ATTACHMENTS = (documents.render_onestop_form,)

SEED = 20261231
# One-stop forms staff have received and recorded (of those requested), and gifts sent (of each
# three scheduled, one): enough to show both states of each.
FORMS_RECORDED = 3
SENT_EVERY = 3


class DemoFailed(RuntimeError):
    """The demo could not be loaded (the reason says why; nothing was written)."""


def loaded() -> bool:
    with UnitOfWork() as uow:
        first = ACCOUNTS[0].email
        return uow.session.scalar(select(User.id).where(User.email == first)) is not None


def seed(*, say: Callable[[str], None] | None = None) -> list[str]:
    """Load the demo (once) and return the console lines that describe it. The mails its story
    queued wait in the outbox: `deliver_mail` sends them (`furusato dev` does, to its sink,
    while the platform starts), or the worker's mail sweep does."""
    if loaded():
        return ["demo data already loaded", *account_lines()]
    _check_gateway()
    started = time.monotonic()
    progress = say or (lambda _line: None)
    users = _accounts()
    # staff1 is the city's 個人番号事務取扱担当者 (reveals and exports My Numbers); staff2 sees
    # them masked.
    mynumber_officers.set_officer(users["staff1"].email, True, by="demo")
    users["staff1"] = _user(users["staff1"].id)  # as an officer now
    made = {spec.key: _campaign(spec, users) for spec in CAMPAIGNS}
    newest.offer_gift_options(users)
    progress(f"{len(made)} campaigns made; paying the donations through the gateway")
    donor = giving.Donors(users["donor"].id, SEED)
    specs = {spec.key: spec for spec in CAMPAIGNS}
    for spec in CAMPAIGNS:
        if spec.stage in giving.PAID_STAGES:
            donor.give(spec, made[spec.key])
        if spec.february_deadline_day is not None:
            donor.from_osaka(spec, made[spec.key])
    donor.present(specs[PRESENT_TIER[0]], made[PRESENT_TIER[0]])
    engagement.seed(users["towel"], made["towel"].id)
    settled = made["sports"].id
    _settle_at_cap(settled)
    issued = _issue_due_receipts()
    _ship_some(users["towel"], settled)
    newest.record_new_year_forms(users["staff1"], users["donor"])
    _record_forms(users["staff1"])
    newest.send_notices(users["staff1"])
    _prepare_payout(users["staff1"], settled)
    reports.reconcile(settled, users["staff1"].id)
    newest.follow_and_remind(users["donor"], made["onion"].id)
    newest.next_goal(users["food"], users["staff1"], made[NEXT_GOAL[0]].id)
    newest.record_year_costs(users["staff1"])
    newest.reissue_a_receipt(users["staff1"], users["donor"])
    lines = [f"demo data loaded in {time.monotonic() - started:.0f} s:"]
    lines += [f"  {_describe(p)}" for p in _projects()]
    lines.append(f"  {donor.paid} donations paid through the gateway, {issued} receipts issued")
    return lines + account_lines()


def account_lines() -> list[str]:
    """The demo accounts, for the console (the password is the same for all: demo only)."""
    width = max(len(a.email) for a in ACCOUNTS)
    lines = [f"demo accounts (password for all: {DEMO_PASSWORD}):"]
    for account in ACCOUNTS:
        lines.append(f"  {account.role:<8} {account.email:<{width}}  {account.note}")
    return lines


def _check_gateway() -> None:
    """The payments go through the configured gateway: refuse before writing anything if it
    does not answer (a PaymentIntent it does not know is a definite answer)."""
    if get_settings().is_production:
        raise DemoFailed("the demo is never loaded in production (FURUSATO_ENV=production)")
    try:
        get_gateway().payment_intent("pi_demo_probe")
    except PaymentNotFound:
        return
    except GatewayUnavailable as exc:
        base = get_settings().stripe_api_base or "Stripe"
        raise DemoFailed(f"the payment gateway ({base}) did not answer: {exc}") from exc


def _user(user_id: int) -> User:
    with UnitOfWork() as uow:
        user = uow.session.get(User, user_id)
        assert user is not None
        uow.session.expunge(user)
        return user


def _accounts() -> dict[str, User]:
    """Each account signs up; each business enters its bank account for the subsidy."""
    names = {b.key: b.name for b in BUSINESSES}
    users: dict[str, User] = {}
    for spec in ACCOUNTS:
        user_id = accounts.register(
            email=spec.email,
            password=DEMO_PASSWORD,
            role=spec.role,
            display_name=spec.display_name,
            business_name=names[spec.business] if spec.business else None,
        )
        users[spec.key] = _user(user_id)
    for business in BUSINESSES:
        user = users[business.key]
        assert user.business_id is not None
        bank.update_account(
            user,
            user.business_id,
            bank.BankAccount(
                bank_code=business.bank_code,
                bank_name_kana=business.bank_name_kana,
                branch_code=business.branch_code,
                branch_name_kana=business.branch_name_kana,
                account_type="1",
                account_number=business.account_number,
                account_holder_kana=business.account_holder_kana,
            ),
        )
    return users


def _campaign(spec: DemoCampaign, users: dict[str, User]) -> giving.Made:
    """The business writes its project, tiers and picture and submits it; staff approve it."""
    business = users[spec.business]
    now = utcnow()
    starts = now + timedelta(days=spec.start_offset_days)
    latest = starts + timedelta(days=get_settings().city.max_campaign_days - 1)
    project_id = projects.create_draft(
        business,
        {
            "title": spec.title,
            "summary": spec.summary,
            "story_markdown": spec.story_markdown,
            "category": spec.category,
            "eligible_cost_yen": spec.eligible_cost_yen,
            # Whole minutes, as the project form takes them.
            "starts_at": _minute(starts),
            "deadline": _minute(
                newest.february_deadline(spec.february_deadline_day, now, latest)
                if spec.february_deadline_day is not None
                else now + timedelta(days=spec.deadline_offset_days)
            ),
            "miss_policy": spec.miss_policy,
            "fallback_purpose": spec.fallback_purpose,
            "fallback_gift_note": spec.fallback_gift_note,
        },
    )
    tier_ids = [
        tiers.add_tier(
            business, project_id, {**vars(t), "position": position, **_schedule(spec, position)}
        )
        for position, t in enumerate(spec.tiers)
    ]
    if spec.key in POSTERS:
        alt = f"{POSTERS[spec.key][3]}のイメージ"
        project_images.add_image(business, project_id, poster_jpeg(spec.key), alt)
    projects.submit(business, project_id)
    if spec.stage != "review":
        review.approve(users["staff1"], project_id)
    return giving.Made(project_id, tuple(zip(tier_ids, spec.tiers, strict=True)))


def _schedule(spec: DemoCampaign, position: int) -> dict[str, Any]:
    """A 定期便's delivery months, for the tier that has them."""
    months = SCHEDULES.get((spec.key, position))
    return {"delivery_months": list(months)} if months else {}


def _minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def _settle_at_cap(project_id: int) -> None:
    """Its donations filled the cap: the settlement sweep's steps, here and now (the worker
    would take them within the minute): closed, decided, each donation settled, finished."""
    now = utcnow()
    if not closing.claim_closing(project_id):
        raise DemoFailed(f"campaign {project_id} could not be closed")
    report = closing.SettleReport(as_of=now, inline=True)
    closing.advance_closing(project_id, now, report)
    if project_id not in report.settled:
        raise DemoFailed(f"campaign {project_id} did not settle: {report.describe()}")


def _issue_due_receipts() -> int:
    """What the receipts sweep does, without its grace for fresh donations."""
    due = receipts.due_donation_ids(now=utcnow() + receipts.SWEEP_GRACE)
    return sum(
        receipts.issue_chunk(due[start : start + receipts.CHUNK])
        for start in range(0, len(due), receipts.CHUNK)
    )


def _ship_some(business: User, project_id: int) -> None:
    """The business has sent the first gifts (the demo donor's among them)."""
    listing = shipments.shipping_list(business, project_id)
    for n, row in enumerate(listing.rows):
        if n % SENT_EVERY == 0 or row.name == giving.DEMO_DONOR.name:
            shipments.mark_sent(
                business, row.id, carrier="ヤマト運輸", tracking_number=f"4321-{row.id:04d}-8765"
            )


def _record_forms(staff: User) -> None:
    """Staff received the first signed one-stop forms (ID checked, My Number recorded)."""
    year = to_jst(utcnow()).year
    requested = onestop.list_for_year(year, OnestopStatus.REQUESTED)
    today = to_jst(utcnow()).date()
    for n, application in enumerate(requested[:FORMS_RECORDED]):
        onestop.record_form(
            staff,
            application.id,
            received_on=today,
            my_number=giving.demo_my_number(n),
            id_checked=True,
        )


def _prepare_payout(staff: User, project_id: int) -> None:
    """The first staff member checks the subsidy and the account; the second approves it."""
    for payout in payouts.list_payouts():
        if payout.project_id == project_id:
            payouts.prepare(
                payout.id,
                staff,
                confirmed_amount_yen=payout.amount_yen,
                account_checked=True,
                account_digest=payout.account_digest,
            )


def deliver_mail() -> int:
    """Send what the story queued (the worker's mail sweep, run now); a mail the server did not
    take stays queued for the worker. Returns how many were sent."""
    sent = 0
    while ids := mail.queued_ids():
        delivered = [mail.send(email_id) for email_id in ids]
        sent += sum(delivered)
        if not all(delivered):
            break
    return sent


def _projects() -> list[Project]:
    with UnitOfWork() as uow:
        found = list(uow.session.scalars(select(Project).order_by(Project.id)))
        uow.session.expunge_all()
        return found


def _describe(project: Project) -> str:
    now = datetime.now(UTC)
    phase = clock_of(project).phase(now)
    stage: Any = phase
    if phase == Phase.LIVE and project.target_reached_at is not None:
        stage = "live, funded"
    elif phase == Phase.LIVE and project.deadline is not None:
        hours = (project.deadline - now).total_seconds() / 3600
        stage = f"live, ends in {hours:.0f} h" if hours < 48 else "live"
    share = project.paid_total_yen * 100 // project.target_yen if project.target_yen else 0
    return f"#{project.id} {project.title} [{stage}] {share}% of target"
