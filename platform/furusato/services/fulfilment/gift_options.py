"""What a business offers its donors' gifts: its carrier (whose delivery windows and label codes
apply), the windows it delivers in, 贈答包装 and のし. The give page and the API's project show
the offer; a pledge asking for something not offered is refused (giving/gift_choice.py)."""

from __future__ import annotations

from furusato.domain import deliveries
from furusato.domain.deliveries import GiftOffer
from furusato.models import Business, User
from furusato.services.errors import Forbidden, NotFound, ValidationFailed
from furusato.services.uow import UnitOfWork


def _of(business: Business) -> GiftOffer:
    return GiftOffer(
        carrier=business.gift_carrier,
        windows=deliveries.offered_windows(
            GiftOffer(windows=tuple(business.delivery_windows or ()))
        ),
        wrapping=business.offers_gift_wrapping,
        noshi=business.offers_noshi,
    )


def offer_of(business: Business) -> GiftOffer:
    """The offer of a loaded business row."""
    return _of(business)


def _own_business(actor: User) -> int:
    if actor.role != "business" or actor.business_id is None:
        raise Forbidden("事業者だけが設定できます。")
    return actor.business_id


def current(actor: User) -> GiftOffer:
    """The actor's business's offer."""
    business_id = _own_business(actor)
    with UnitOfWork() as uow:
        business = uow.session.get(Business, business_id)
        if business is None:
            raise NotFound("事業者が見つかりません。")
        return _of(business)


def update(actor: User, offer: GiftOffer) -> GiftOffer:
    """Store what the actor's business offers (windows only its carrier has are refused).
    Pledges made before keep what they asked for; new ones may ask only for this."""
    business_id = _own_business(actor)
    fields = deliveries.offer_problems(offer)
    if fields:
        raise ValidationFailed("配送の設定を確認してください。", fields=fields)
    with UnitOfWork() as uow:
        business = uow.session.get(Business, business_id, with_for_update=True)
        if business is None:
            raise NotFound("事業者が見つかりません。")
        business.gift_carrier = offer.carrier
        business.delivery_windows = list(deliveries.offered_windows(offer))
        business.offers_gift_wrapping = offer.wrapping
        business.offers_noshi = offer.noshi
        saved = _of(business)
        uow.commit()
        return saved
