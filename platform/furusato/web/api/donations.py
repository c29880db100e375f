"""Donations over the API: pledge (guests welcome), pay with a saved card, read one.

A guest proves ownership with the donation's access token in the `X-Donation-Token` header; a
donor with their bearer token; staff may read any donation. Anyone else gets 404.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime
from typing import Literal, Self

from flask import request
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

from furusato.domain import cheer, deliveries
from furusato.domain.cheer import NO_MESSAGE, CheerChoice
from furusato.domain.pledge import MAX_DONATION_YEN, DonorDetails
from furusato.domain.states import Role
from furusato.services.accounts import User
from furusato.services.errors import Conflict, NotFound, ServiceError
from furusato.services.giving import card_form, charges, donation_views, donations
from furusato.web.api.core import ANONYMOUS, ApiInput, Call, from_view, operation
from furusato.web.numbers import INT32_MAX

TOKEN_HEADER = "X-Donation-Token"  # noqa: S105 - a header name


class PaymentDeclined(ServiceError):
    status = 402
    code = "card_declined"


class DonorIn(ApiInput):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100, description="氏名（漢字）")
    name_kana: str = Field(min_length=1, max_length=100, description="氏名（カナ）")
    email: str = Field(min_length=3, max_length=254)
    phone: str = Field(min_length=10, max_length=30)
    postal_code: str = Field(min_length=7, max_length=10)
    address: str = Field(min_length=1, max_length=300)
    birth_date: date | None = Field(None, description="required with onestop")
    gender: Literal["male", "female"] | None = Field(None, description="required with onestop")


class RecipientIn(ApiInput):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100, description="お届け先のお名前")
    postal_code: str = Field(min_length=7, max_length=10)
    address: str = Field(min_length=1, max_length=300)
    phone: str = Field(min_length=10, max_length=30)


class GiftIn(ApiInput):
    """How the gift is sent: to someone else, wrapped, with のし, in a window. Only what the
    project's `gift_options` offer may be asked for; kept only when the pledge takes a gift
    (never for a donor living in the city, wherever the recipient lives)."""

    model_config = ConfigDict(extra="forbid")

    recipient: RecipientIn | None = Field(None, description="null: to the donor")
    wrapping: StrictBool = False
    noshi: Literal["", *deliveries.NOSHI] = ""  # type: ignore[valid-type]
    noshi_name: str = Field("", max_length=deliveries.MAX_NOSHI_NAME)
    delivery_window: Literal["", *deliveries.WINDOWS] = ""  # type: ignore[valid-type]

    def choice(self) -> deliveries.GiftChoice:
        person = self.recipient
        return deliveries.GiftChoice(
            recipient=deliveries.Recipient(**person.model_dump()) if person else None,
            wrapping=self.wrapping,
            noshi=self.noshi,
            noshi_name=self.noshi_name,
            delivery_window=self.delivery_window,
        )


class CheerIn(ApiInput):
    """A message for the campaign's page (shown once its business or staff approve it), with
    the name to show beside it, or none (anonymous)."""

    model_config = ConfigDict(extra="forbid")
    multi_line = frozenset({"message"})

    message: str = Field(min_length=1, max_length=cheer.MAX_MESSAGE_CHARS)
    anonymous: StrictBool = True
    display_name: str = Field("", max_length=cheer.MAX_NAME_CHARS)

    def choice(self) -> CheerChoice:
        return CheerChoice(self.message, self.display_name, self.anonymous)


class DonationCreate(ApiInput):
    model_config = ConfigDict(extra="forbid")

    tier_id: StrictInt | None = Field(None, ge=1, le=INT32_MAX)
    amount_yen: StrictInt = Field(ge=2_000, le=MAX_DONATION_YEN, description="whole yen")
    donor: DonorIn
    onestop: StrictBool = False
    gift: GiftIn | None = None
    cheer: CheerIn | None = Field(None, description="応援メッセージ, shown once approved")
    card_setup: StrictBool = Field(
        True,
        description="false: make no SetupIntent (the answer has no client secret); pay with a "
        "PaymentMethod the client created itself, e.g. with Stripe.js createPaymentMethod",
    )


class PayRequest(ApiInput):
    model_config = ConfigDict(extra="forbid")

    payment_method: str = Field(min_length=3, max_length=64, pattern=r"^pm_[A-Za-z0-9_]+$")


class PaymentSetup(BaseModel):
    setup_intent_client_secret: str | None
    publishable_key: str


class NextAction(BaseModel):
    type: Literal["confirm_card_payment"] = "confirm_card_payment"
    client_secret: str


class RecipientOut(BaseModel):
    name: str
    postal_code: str
    address: str
    phone: str


class GiftOut(BaseModel):
    recipient: RecipientOut | None
    wrapping: bool
    noshi: str
    noshi_name: str
    delivery_window: str

    @classmethod
    def of(cls, d: donation_views.DonationView) -> Self:
        recipient = (
            RecipientOut(
                name=d.recipient_name,
                postal_code=d.recipient_postal_code,
                address=d.recipient_address,
                phone=d.recipient_phone,
            )
            if d.recipient_name
            else None
        )
        return cls(
            recipient=recipient,
            wrapping=d.gift_wrapping,
            noshi=d.noshi,
            noshi_name=d.noshi_name,
            delivery_window=d.delivery_window,
        )


class DonationOut(BaseModel):
    id: int
    project_id: int
    tier_id: int | None
    status: str  # pending_payment | paid | expired | refunded
    payment_status: str  # pending | paused | requires_action | processing | failed | paid | expired
    amount_yen: int
    gift: bool
    resident: bool
    onestop_requested: bool
    created_at: datetime
    reserved_until: datetime
    paid_at: datetime | None
    tax_year: int | None
    gift_delivery: GiftOut | None = Field(None, description="how the gift is sent, if one is")
    message: str = ""
    access_token: str | None = Field(None, description="only when created: keep it to pay")
    payment: PaymentSetup | None = None
    next_action: NextAction | None = None

    @classmethod
    def from_view(cls, donation: donation_views.DonationView, outcome: donation_views.PayOutcome) -> Self:
        """The donation with its payment's state; the card form while it waits for payment.
        Its access token is sent only by the pledge that made it (set there)."""
        pending = donation.status == "pending_payment"
        setup = donation.setup_intent_client_secret
        return from_view(
            cls,
            donation,
            access_token=None,
            gift_delivery=GiftOut.of(donation) if donation.gift else None,
            payment_status=outcome.status,
            message=outcome.message,
            payment=PaymentSetup(
                setup_intent_client_secret=setup, publishable_key=card_form.publishable_key()
            )
            if pending
            else None,
            next_action=NextAction(client_secret=outcome.client_secret)
            if outcome.status == "requires_action" and outcome.client_secret
            else None,
        )


def _payer(user: User | None) -> charges.Payer:
    """The caller as the donation's possible owner: a guest's token or a donor's account."""
    return charges.Payer(
        access_token=request.headers.get(TOKEN_HEADER, ""),
        user_id=user.id if user is not None else None,
    )


def _visible(donation_id: int, user: User | None) -> donation_views.DonationView:
    """The donation if the caller owns it or is staff; NotFound otherwise (no existence leak)."""
    donation = donation_views.view(donation_id)
    if _payer(user).owns(donation.access_token, donation.user_id):
        return donation
    if user is not None and user.role == Role.STAFF:
        return donation
    raise NotFound("寄附が見つかりません。")


@operation(
    "/projects/<int:project_id>/donations",
    method="POST",
    summary="Pledge a donation (guests allowed); returns the card form's client secret",
    body=DonationCreate,
    response=DonationOut,
    status=201,
    idempotent=True,
    errors=(404, 409, 503),
    limit="30 per minute",
    claim_in_service=True,
)
def create_donation(call: Call, project_id: int) -> DonationOut:
    body: DonationCreate = call.body
    user = call.user
    call.answers(_pledge_out)  # kept with the key in the pledge's own commit
    key = request.headers.get("Idempotency-Key")
    who = f"user{user.id}" if user else "anon"
    creation_key = f"api:{who}:{project_id}:{key}" if key else f"api:{secrets.token_urlsafe(24)}"
    made = donations.create(
        project_id=project_id,
        tier_id=body.tier_id,
        amount_yen=body.amount_yen,
        donor=DonorDetails(**body.donor.model_dump()),
        onestop=body.onestop,
        creation_key=creation_key,
        user_id=user.id if user is not None and user.role == Role.DONOR else None,
        card_setup=body.card_setup,
        gift=body.gift.choice() if body.gift else deliveries.NONE,
        cheer=body.cheer.choice() if body.cheer else NO_MESSAGE,
        keyed=call.keyed,
    )
    return _pledge_out(made)


def _pledge_out(made: donations.Pledge) -> DonationOut:
    """The pledge's answer, with the access token only the pledge that made it sends."""
    # A fresh pledge has no charge yet: its payment state is known without asking.
    state = donation_views.state_of(made.id) if made.replayed else donation_views.PayOutcome(made.id, "pending")
    out = DonationOut.from_view(made.donation, state)
    out.access_token = made.access_token
    return out


@operation(
    "/donations/<int:donation_id>/pay",
    method="POST",
    summary="Pay a pledged donation with the card saved by confirmCardSetup (or one the "
    "client created, after a pledge with card_setup false)",
    body=PayRequest,
    response=DonationOut,
    errors=(402, 404, 409),
    limit="20 per minute",
)
def pay_donation(call: Call, donation_id: int) -> DonationOut:
    outcome = charges.pay(donation_id, call.body.payment_method, _payer(call.user))
    if outcome.status == "failed":
        raise PaymentDeclined(outcome.message, fields={"payment_method": outcome.message})
    if outcome.status == "expired":
        raise Conflict(outcome.message, code="expired")
    return DonationOut.from_view(outcome.donation or donation_views.view(donation_id), outcome)


@operation(
    "/donations/<int:donation_id>",
    summary="A donation: its donor (bearer or X-Donation-Token) or staff",
    roles=(ANONYMOUS,),
    response=DonationOut,
    errors=(404,),
)
def get_donation(call: Call, donation_id: int) -> DonationOut:
    donation = _visible(donation_id, call.user)
    return DonationOut.from_view(donation, donation_views.state_of(donation.id))
