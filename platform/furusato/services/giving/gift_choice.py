"""The gift as a donor asks for it at pledge: to another person, wrapped (贈答包装), with のし,
in a delivery window, checked against what the campaign's business offers.

Only a pledge that takes a gift keeps a choice (domain/pledge.py `pledged`): a resident donor's
pledge takes none, whoever the recipient is, and the choice is dropped with the gift; a
recipient living in the city changes nothing for a donor who does not. A pledge without a choice
costs nothing here (no lookup, no statement).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from furusato.domain import deliveries
from furusato.domain.deliveries import GiftChoice, GiftOffer
from furusato.models import Business, Project
from furusato.services import addresses
from furusato.services.errors import ValidationFailed


class LookedUp:
    """The recipient's postal code as Japan Post knows it, or why it is refused."""

    def __init__(self, choice: GiftChoice) -> None:
        self.postal_code = ""
        self.problems: dict[str, str] = {}
        if choice.recipient is None:
            return
        try:
            self.postal_code = addresses.lookup(choice.recipient.postal_code).postal_code
        except ValidationFailed as exc:
            self.problems = exc.fields


def look_up(choice: GiftChoice) -> LookedUp:
    """Before the pledge's transaction: the recipient's postal code (an offline lookup)."""
    return LookedUp(choice)


def offer_of(session: Session, project_id: int) -> GiftOffer:
    """What the campaign's business offers its donors' gifts (one statement)."""
    row = session.execute(
        select(
            Business.gift_carrier,
            Business.delivery_windows,
            Business.offers_gift_wrapping,
            Business.offers_noshi,
        )
        .join(Project, Project.business_id == Business.id)
        .where(Project.id == project_id)
    ).one()
    return GiftOffer(
        carrier=row.gift_carrier,
        windows=tuple(row.delivery_windows or ()),
        wrapping=row.offers_gift_wrapping,
        noshi=row.offers_noshi,
    )


def checked(
    session: Session, project_id: int, choice: GiftChoice, looked_up: LookedUp
) -> GiftChoice:
    """The choice as stored, or ValidationFailed naming each field refused (`recipient.name`,
    `delivery_window` …). In the pledge's transaction, once it is known to take a gift."""
    if choice.empty:
        return choice
    offer = offer_of(session, project_id) if choice.asks_offer else GiftOffer()
    fields = deliveries.choice_problems(choice, offer, postal_code_problems=looked_up.problems)
    if fields:
        raise ValidationFailed("お届けの指定をご確認ください。", fields=fields)
    return deliveries.cleaned(choice, postal_code=looked_up.postal_code)


def columns(choice: GiftChoice) -> dict[str, Any]:
    """The donation's columns for the choice (empty ones without it)."""
    person = choice.recipient
    return {
        "recipient_name": person.name if person else "",
        "recipient_postal_code": person.postal_code if person else "",
        "recipient_address": person.address if person else "",
        "recipient_phone": person.phone if person else "",
        "gift_wrapping": choice.wrapping,
        "noshi": choice.noshi,
        "noshi_name": choice.noshi_name,
        "delivery_window": choice.delivery_window,
    }
