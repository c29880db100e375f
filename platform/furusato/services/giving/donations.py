"""Pledging a donation: validate, reserve stock and cap room, then prepare the card.

Exactly once: `creation_key` is unique, so a retried create (same Idempotency-Key or form token)
returns the donation the first try made. Reservations are conditional UPDATEs in the creating
transaction (the claim is the update, not a read before it). The gateway is called only after
that transaction has committed; its ids are stored in a second short one.
The donor-detail and amount rules are domain/pledge.py's, the counters' statements
reservations.py's; paying is in charges.py, and what is read about a donation in
donation_views.py.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import NamedTuple, cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session

from furusato.config import get_settings
from furusato.db import insert_or_skip
from furusato.domain import deliveries
from furusato.domain.campaign import PAYMENTS_PAUSED, takes_payments
from furusato.domain.cheer import NO_MESSAGE, CheerChoice, cheer_problems
from furusato.domain.deliveries import GiftChoice
from furusato.domain.money import to_jst, utcnow
from furusato.domain.pledge import (
    DonorDetails,
    address_problem,
    amount_problem,
    cleaned,
    donor_problems,
    pledged,
)
from furusato.domain.states import DonationStatus
from furusato.models import Project, Tier
from furusato.payments import GatewayUnavailable, get_gateway
from furusato.services import addresses, idempotency
from furusato.services.accounts import normalise_email
from furusato.services.campaigns import cheers
from furusato.services.errors import N_, Conflict, NotFound, ServiceError, ValidationFailed
from furusato.services.giving import donation_views, gift_choice, reservations
from furusato.services.giving.donation_views import TABLE, VIEW_COLUMNS, DonationView
from furusato.services.uow import UnitOfWork


class GatewayDown(ServiceError):
    """The payment service did not answer; nothing was charged, the request may be retried."""

    status = 503
    code = "gateway_unavailable"


@dataclass(frozen=True)
class Pledge:
    """A created (or found again) donation and what the browser needs to save the card."""

    donation: DonationView
    publishable_key: str
    replayed: bool = False

    @property
    def id(self) -> int:
        return self.donation.id

    @property
    def access_token(self) -> str:
        return self.donation.access_token

    @property
    def status(self) -> str:
        return self.donation.status

    @property
    def amount_yen(self) -> int:
        return self.donation.amount_yen

    @property
    def gift(self) -> bool:
        return self.donation.gift

    @property
    def resident(self) -> bool:
        return self.donation.resident

    @property
    def setup_intent_client_secret(self) -> str | None:
        return self.donation.setup_intent_client_secret


def _check_details(donor: DonorDetails, onestop: bool) -> tuple[DonorDetails, addresses.Address]:
    """The details cleaned and the address their postal code stands for, or ValidationFailed
    naming each field refused (the rules are domain.pledge's)."""
    email, email_problem = "", None
    try:
        email = normalise_email(donor.email or "")
    except ValidationFailed:
        email_problem = N_("メールアドレスの形式が正しくありません。")
    place: addresses.Address | None = None
    postal_code_problems: dict[str, str] = {}
    try:
        place = addresses.lookup(donor.postal_code)
    except ValidationFailed as exc:
        postal_code_problems = exc.fields
    fields = donor_problems(
        donor,
        onestop=onestop,
        today=to_jst(utcnow()).date(),
        email_problem=email_problem,
        postal_code_problems=postal_code_problems,
    )
    if place is not None and "address" not in fields:
        problem = address_problem(donor.address, place.prefecture, place.city)
        if problem:
            fields["address"] = problem
    if fields or place is None:
        raise ValidationFailed("入力内容をご確認ください。", fields=fields)
    return cleaned(donor, onestop=onestop, email=email, postal_code=place.postal_code), place


# The card setup of a donation, stored once (a concurrent retry's finds it set and skips).
_STORE_SETUP = (
    update(TABLE)
    .where(TABLE.c.id == bindparam("donation_id"), TABLE.c.setup_intent_id.is_(None))
    .values(
        stripe_customer_id=bindparam("customer"),
        setup_intent_id=bindparam("setup_intent"),
        setup_intent_client_secret=bindparam("client_secret"),
    )
    .returning(*VIEW_COLUMNS)
)


def _pledge_of(donation: DonationView, replayed: bool = False) -> Pledge:
    return Pledge(donation, get_gateway().publishable_key, replayed)


def _created_before(
    session: Session, creation_key: str, project_id: int, amount_yen: int, email: str
) -> tuple[DonationView, str, str] | None:
    """The donation this key already made (with its email and name); Conflict if it made a
    different one (so a guessed or reused key never hands out another donor's donation)."""
    row = session.execute(
        select(*VIEW_COLUMNS, TABLE.c.email, TABLE.c.donor_name).where(
            TABLE.c.creation_key == creation_key
        )
    ).one_or_none()
    if row is None:
        return None
    found = DonationView(*row[: len(VIEW_COLUMNS)])
    if (found.project_id, found.amount_yen, row.email) != (project_id, amount_yen, email):
        raise Conflict("この申し込みキーは別の内容で使われています。", code="idempotency_mismatch")
    return found, row.email, row.donor_name


class ChosenTier(NamedTuple):
    amount_yen: int
    has_gift: bool
    limited: bool  # has a quantity limit: its units are counted (reservations.take_unit)


_PROJECTS, _TIERS = cast(Table, Project.__table__), cast(Table, Tier.__table__)
# Built once (Core, bound parameters): the pledge's first statement skips the build and compile.
_TIER_OF = (
    select(
        _PROJECTS.c.id,
        _TIERS.c.id.label("tier_id"),
        _TIERS.c.amount_yen,
        _TIERS.c.gift_name,
        _TIERS.c.quantity_limit,
    )
    .select_from(_PROJECTS)
    .outerjoin(
        _TIERS,
        (_TIERS.c.project_id == _PROJECTS.c.id) & (_TIERS.c.id == bindparam("tier_id")),
    )
    .where(_PROJECTS.c.id == bindparam("project_id"))
)


def _tier_of(session: Session, project_id: int, tier_id: int | None) -> ChosenTier | None:
    """The chosen tier; None for a plain gift. NotFound for a missing project,
    ValidationFailed for a tier of another project. One statement."""
    row = session.execute(_TIER_OF, {"project_id": project_id, "tier_id": tier_id}).one_or_none()
    if row is None:
        raise NotFound("プロジェクトが見つかりません。")
    if tier_id is None:
        return None
    if row.tier_id is None:
        raise ValidationFailed(
            "選ばれたコースが見つかりません。", fields={"tier_id": "unknown tier"}
        )
    return ChosenTier(row.amount_yen, bool(row.gift_name), row.quantity_limit is not None)


def create(
    *,
    project_id: int,
    tier_id: int | None,
    amount_yen: int,
    donor: DonorDetails,
    onestop: bool,
    creation_key: str,
    user_id: int | None = None,
    card_setup: bool = True,
    gift: GiftChoice = deliveries.NONE,
    cheer: CheerChoice = NO_MESSAGE,
    keyed: idempotency.KeyedRequest | None = None,
) -> Pledge:
    """Pledge a donation (reserving stock and cap room) and prepare the card form.

    One transaction: the tier is read, the stock and cap room taken, the donation inserted
    unless its key exists (a retry or a concurrent twin then rolls back and finds the first
    one; so does a retry refused for want of stock: its donation already holds a unit). Without
    `card_setup` (an API client paying with a card it brought) no gateway call is made.
    `gift` (another recipient, wrapping, のし, a window) is kept only if the pledge takes a
    gift: never for a resident donor, wherever the recipient lives (gift_choice.py). `cheer`
    is the donor's 応援メッセージ, kept to be approved (checked with the donor's details)."""
    cheer_fields = cheer_problems(cheer)
    try:
        clean, place = _check_details(donor, onestop)
    except ValidationFailed as exc:  # every field refused at once
        raise ValidationFailed(exc.message, fields=exc.fields | cheer_fields) from None
    if cheer_fields:
        raise ValidationFailed("入力内容をご確認ください。", fields=cheer_fields)
    resident = place.resident
    asked = gift if tier_id is not None and not resident else deliveries.NONE
    looked_up = gift_choice.look_up(asked)
    with UnitOfWork() as uow:
        session = uow.session
        idempotency.claim_in(uow, keyed)
        tier = _tier_of(session, project_id, tier_id)
        problem = amount_problem(amount_yen, tier.amount_yen if tier else None)
        if problem:
            raise ValidationFailed(problem, fields={"amount_yen": problem})
        takes = pledged(tier_id, bool(tier and tier.has_gift), resident)
        chosen = (
            gift_choice.checked(session, project_id, asked, looked_up)
            if takes.gift
            else deliveries.NONE
        )
        values = dict(
            project_id=project_id,
            tier_id=takes.tier_id,
            user_id=user_id,
            creation_key=creation_key,
            access_token=secrets.token_urlsafe(32),
            amount_yen=amount_yen,
            gift=takes.gift,
            resident=resident,
            status=DonationStatus.PENDING_PAYMENT,
            donor_name=clean.name,
            donor_name_kana=clean.name_kana,
            email=clean.email,
            phone=clean.phone,
            postal_code=clean.postal_code,
            address=clean.address,
            municipality_code=place.municipality_code,
            birth_date=clean.birth_date,
            gender=clean.gender,
            onestop_requested=onestop,
            reserved_until=utcnow() + timedelta(minutes=get_settings().reservation_minutes),
            **gift_choice.columns(chosen),
        )
        refused: Conflict | None = None
        try:
            limited = takes.tier_id if tier and tier.limited else None
            reservations.reserve(session, project_id, amount_yen, limited)
        except Conflict as exc:  # unless this key's donation was made already (below)
            refused = exc
        else:
            # A concurrent twin with the same key made this wait for its commit: skip.
            inserted = session.execute(
                insert_or_skip(session, TABLE, ["creation_key"]).returning(*VIEW_COLUMNS),
                values,
            ).one_or_none()
            if inserted is not None:
                made = DonationView(*inserted)
                cheers.record(session, donation_id=made.id, project_id=project_id, choice=cheer)
                if not card_setup:
                    pledge = _pledge_of(made)
                    idempotency.keep_in(uow, keyed, pledge)
                    uow.commit()
                    return pledge
                uow.commit()
                return _with_card_setup(made, clean.email, clean.name, keyed=keyed)
    # Rolled back. The key made a donation already (a retry): answer with that one.
    with UnitOfWork() as uow:
        found = _created_before(uow.session, creation_key, project_id, amount_yen, clean.email)
    if found is None:
        raise refused or Conflict("もう一度お試しください。", code="retry")
    if not card_setup:
        return _pledge_of(found[0], replayed=True)
    return _with_card_setup(*found, replayed=True)


def _with_card_setup(
    donation: DonationView,
    email: str,
    name: str,
    replayed: bool = False,
    keyed: idempotency.KeyedRequest | None = None,
) -> Pledge:
    """The donation with its customer and SetupIntent, creating them once (outside any
    transaction: the gateway call never holds database locks). A fresh pledge's `keyed`
    answer is kept in the transaction that stores them."""
    if donation.setup_intent_client_secret or donation.status != DonationStatus.PENDING_PAYMENT:
        return _pledge_of(donation, replayed)
    if replayed:  # a fresh pledge reserved just now, from a campaign taking donations
        _refuse_unless_taking_payments(donation.project_id)
    try:
        info = get_gateway().prepare_card(
            email=email,
            name=name,
            idempotency_key=f"donation:{donation.id}:setup",
            metadata={"donation_id": str(donation.id)},
        )
    except GatewayUnavailable as exc:
        raise GatewayDown(
            "決済サービスに接続できませんでした。少し時間をおいて、もう一度お試しください。"
        ) from exc
    with UnitOfWork() as uow:
        stored = uow.session.execute(
            _STORE_SETUP,
            {
                "donation_id": donation.id,
                "customer": info.customer_id,
                "setup_intent": info.setup_intent_id,
                "client_secret": info.client_secret,
            },
        ).one_or_none()
        pledge = _pledge_of(DonationView(*stored), replayed) if stored is not None else None
        if pledge is not None:
            idempotency.keep_in(uow, keyed, pledge)
        uow.commit()
    if pledge is None:  # a concurrent retry stored its own first: answer with that one
        return _pledge_of(donation_views.view(donation.id), replayed)
    return pledge


def _refuse_unless_taking_payments(project_id: int) -> None:
    """No card form (a SetupIntent) for a pledge its campaign would not let be paid."""
    with UnitOfWork() as uow:
        campaign = uow.session.execute(
            select(Project.status, Project.paused_reason).where(Project.id == project_id)
        ).one()
    if not takes_payments(campaign.status, campaign.paused_reason):
        raise Conflict(PAYMENTS_PAUSED, code="campaign_paused")
