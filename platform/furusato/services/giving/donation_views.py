"""What the pages and the API read about a donation, in one place.

- `DonationView` and `view`: a donation's own columns, read in one statement (the API's answer);
- `state_of` and `PayOutcome`: where its payment stands, with the sentence the donor reads;
- `payment_page`: everything the payment (and confirmation) page shows, from its link's token;
- `for_donor_page` and `last_details`: the donor's history and the details to give again with.

Everything here only reads. Detached ORM objects are returned with what their page shows
already loaded.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import cast

from sqlalchemy import Table, bindparam, select
from sqlalchemy.orm import Session

from furusato.domain.campaign import PAYMENTS_PAUSED, takes_payments
from furusato.domain.pledge import DonorDetails
from furusato.domain.states import AttemptKind, AttemptStatus, DonationStatus
from furusato.models import Donation, PaymentAttempt, Project, Receipt, Shipment
from furusato.payments import get_gateway
from furusato.services.errors import N_, NotFound
from furusato.services.giving import donation_mail
from furusato.services.uow import UnitOfWork

# --- a donation's own columns -----------------------------------------------------------------


@dataclass(frozen=True)
class DonationView:
    """What the API answers about a donation: its own columns, read in one statement."""

    id: int
    project_id: int
    tier_id: int | None
    user_id: int | None
    access_token: str
    status: str
    amount_yen: int
    gift: bool
    resident: bool
    onestop_requested: bool
    created_at: datetime
    reserved_until: datetime
    paid_at: datetime | None
    tax_year: int | None
    setup_intent_client_secret: str | None
    # The gift as the donor asked for it (empty: to the donor, no options).
    recipient_name: str
    recipient_postal_code: str
    recipient_address: str
    recipient_phone: str
    gift_wrapping: bool
    noshi: str
    noshi_name: str
    delivery_window: str

    @classmethod
    def of(cls, donation: Donation) -> DonationView:
        return cls(*(getattr(donation, f.name) for f in fields(cls)))


TABLE = cast(Table, Donation.__table__)
VIEW_COLUMNS = tuple(TABLE.c[f.name] for f in fields(DonationView))
_VIEW = select(*VIEW_COLUMNS).where(TABLE.c.id == bindparam("donation_id"))
_ID_OF_TOKEN = select(TABLE.c.id).where(TABLE.c.access_token == bindparam("access_token"))


def view(donation_id: int) -> DonationView:
    with UnitOfWork() as uow:
        row = uow.session.execute(_VIEW, {"donation_id": donation_id}).one_or_none()
    if row is None:
        raise NotFound("寄附が見つかりません。")
    return DonationView(*row)


def id_for_token(access_token: str) -> int:
    """The donation a guest's secret link points to; NotFound for any other token."""
    found = None
    if access_token:
        with UnitOfWork() as uow:
            found = uow.session.execute(_ID_OF_TOKEN, {"access_token": access_token}).scalar()
    if found is None:
        raise NotFound("寄附が見つかりません。")
    return int(found)


# --- where the payment stands -----------------------------------------------------------------

_DECLINES = {
    "card_declined": N_(
        "カードが承認されませんでした。別のカードをお試しいただくか、カード会社にお問い合わせください。"
    ),
    "insufficient_funds": N_("カードのご利用可能額が不足しています。別のカードをお試しください。"),
    "expired_card": N_("カードの有効期限が切れています。別のカードをお試しください。"),
    "incorrect_cvc": N_(
        "セキュリティコードが正しくありません。ご確認のうえ、もう一度お試しください。"
    ),
    "incorrect_number": N_("カード番号が正しくありません。ご確認のうえ、もう一度お試しください。"),
    "payment_intent_authentication_failure": N_(
        "本人認証（3Dセキュア）が完了しませんでした。もう一度お試しいただくか、別のカードをお使いください。"
    ),
}
# The other codes of a failed or required 3-D Secure say the same.
for _code in ("setup_intent_authentication_failure", "authentication_required"):
    _DECLINES[_code] = _DECLINES["payment_intent_authentication_failure"]
DEFAULT_DECLINE = _DECLINES["card_declined"]
CHECKING = N_(
    "決済の結果を確認しています。このままお待ちください（二重に請求されることはありません）。"
)
EXPIRED = N_("お申し込みの有効期限が切れました。お手数ですが、もう一度お申し込みください。")


def decline_message(code: str) -> str:
    return _DECLINES.get(code, DEFAULT_DECLINE)


@dataclass(frozen=True)
class PayOutcome:
    """Where a donation's payment stands, for the page and the API."""

    donation_id: int
    # paid | requires_action | processing | failed | pending | paused | expired | refunded
    status: str
    client_secret: str | None = None
    message: str = ""
    tax_year: int | None = None
    paid_at: datetime | None = None
    # The SetupIntent the browser confirms for the next card (renewed after a decline).
    setup_secret: str | None = None
    # The donation as recorded, when the call that answers had it at hand.
    donation: DonationView | None = None


def live_attempt(session: Session, donation_id: int) -> PaymentAttempt | None:
    """The donation's charge that has not failed (at most one: a partial unique index)."""
    return session.scalar(
        select(PaymentAttempt).where(
            PaymentAttempt.donation_id == donation_id,
            PaymentAttempt.kind == AttemptKind.CHARGE,
            PaymentAttempt.status != AttemptStatus.FAILED,
        )
    )


def outcome_of(donation: Donation, attempt: PaymentAttempt | None) -> PayOutcome:
    """Where the payment stands, from the donation and its live charge (if any)."""

    def said(status: str, message: str = "", client_secret: str | None = None) -> PayOutcome:
        return PayOutcome(
            donation_id=donation.id,
            status=status,
            client_secret=client_secret,
            message=message,
            tax_year=donation.tax_year,
            paid_at=donation.paid_at,
            setup_secret=donation.setup_intent_client_secret,
        )

    if donation.status in (DonationStatus.PAID, DonationStatus.REFUNDED):
        return said(donation.status)
    if attempt is not None and attempt.status == AttemptStatus.REQUIRES_ACTION:
        return said("requires_action", client_secret=attempt.client_secret)
    if attempt is not None:
        return said("processing", CHECKING)
    if donation.status == DonationStatus.EXPIRED:
        return said("expired", EXPIRED)
    charges = [a for a in donation.attempts if a.kind == AttemptKind.CHARGE]
    if charges:  # every charge so far failed: the donor may try another card
        return said("failed", decline_message(charges[-1].error_code))
    return said("pending")


def _state(session: Session, donation: Donation) -> PayOutcome:
    outcome = outcome_of(donation, live_attempt(session, donation.id))
    if outcome.status in ("pending", "failed"):  # the donor's next step would be to pay
        project = donation.project
        if not takes_payments(project.status, project.paused_reason):
            return replace(outcome, status="paused", message=PAYMENTS_PAUSED)
    return outcome


def state_of(donation_id: int) -> PayOutcome:
    with UnitOfWork() as uow:
        donation = uow.session.get(Donation, donation_id)
        if donation is None:
            raise NotFound("寄附が見つかりません。")
        return _state(uow.session, donation)


# --- the payment page -------------------------------------------------------------------------


@dataclass(frozen=True)
class PaymentPage:
    """The payment page while the donation is pending, its confirmation once paid."""

    donation: Donation  # detached: its project, tier and attempts loaded
    project: Project
    state: PayOutcome
    publishable_key: str
    miss_policy: str  # a message: the page translates it
    onestop_url: str | None  # where the one-stop application is printed, if asked for


def payment_page(access_token: str) -> PaymentPage:
    """What the page of a guest's secret link shows; NotFound for any other token."""
    with UnitOfWork() as uow:
        donation = uow.session.scalar(select(Donation).where(Donation.access_token == access_token))
        if donation is None or not access_token:
            raise NotFound("寄附が見つかりません。")
        _load_for_display(donation)
        state = _state(uow.session, donation)
        uow.session.expunge_all()
    return PaymentPage(
        donation=donation,
        project=donation.project,
        state=state,
        publishable_key=get_gateway().publishable_key,
        miss_policy=donation_mail.miss_policy_text(donation.project),
        onestop_url=(
            donation_mail.onestop_form_url(donation) if donation.onestop_requested else None
        ),
    )


def _load_for_display(donation: Donation) -> None:
    _ = donation.project.title, donation.project.tiers, donation.tier, donation.attempts


# --- the donor's history ----------------------------------------------------------------------


@dataclass(frozen=True)
class DonorRow:
    """One line of the donor's page: the donation, its valid receipt and its gift shipments
    (one per delivery: a 定期便's N, each tracked on its own)."""

    donation: Donation
    receipt_number: str | None
    shipments: tuple[Shipment, ...] = ()


def for_donor_page(user_id: int) -> list[DonorRow]:
    """A donor's donations, newest first, each with its receipt number and shipment (detached,
    with project and tier loaded)."""
    with UnitOfWork() as uow:
        rows = list(
            uow.session.scalars(
                select(Donation)
                .where(Donation.user_id == user_id)
                .order_by(Donation.created_at.desc(), Donation.id.desc())
            )
        )
        for donation in rows:
            _load_for_display(donation)
        ids = [d.id for d in rows]
        receipts = {
            donation_id: number
            for donation_id, number in uow.session.execute(
                select(Receipt.donation_id, Receipt.number).where(
                    Receipt.donation_id.in_(ids), Receipt.voided_at.is_(None)
                )
            )
        }
        shipments: dict[int, list[Shipment]] = {}
        for s in uow.session.scalars(
            select(Shipment)
            .where(Shipment.donation_id.in_(ids))
            .order_by(Shipment.donation_id, Shipment.delivery_number)
        ):
            shipments.setdefault(s.donation_id, []).append(s)
        uow.session.expunge_all()
    return [
        DonorRow(d, receipts.get(d.id), tuple(shipments.get(d.id, ()))) for d in rows
    ]


def last_details(user_id: int) -> DonorDetails | None:
    """The details of the donor's latest donation, to prefill the next one."""
    with UnitOfWork() as uow:
        last = uow.session.scalar(
            select(Donation)
            .where(Donation.user_id == user_id)
            .order_by(Donation.created_at.desc(), Donation.id.desc())
            .limit(1)
        )
        if last is None:
            return None
        return DonorDetails(
            name=last.donor_name,
            name_kana=last.donor_name_kana,
            email=last.email,
            phone=last.phone,
            postal_code=last.postal_code,
            address=last.address,
            birth_date=last.birth_date,
            gender=last.gender,
        )
