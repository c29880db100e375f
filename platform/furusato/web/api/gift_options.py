"""What a business offers its donors' gifts, over the API: its carrier (whose delivery windows
and label codes apply), the windows, 贈答包装 and のし. Donors read the offer on the project
(`gift_options`) and ask for it in the pledge's `gift`."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from furusato.domain import deliveries
from furusato.services.fulfilment import gift_options
from furusato.web.api.core import ApiInput, Call, operation

Carrier = Literal["", "yamato", "sagawa"]
Window = Literal["am", "12-14", "14-16", "16-18", "18-20", "19-21"]


class GiftOfferIn(ApiInput):
    model_config = ConfigDict(extra="forbid")

    carrier: Carrier = Field("", description="yamato (B2クラウド), sagawa (e飛伝) or none")
    delivery_windows: list[Window] = Field(
        default_factory=list, max_length=len(deliveries.WINDOWS), description="the carrier's own"
    )
    gift_wrapping: StrictBool = False
    noshi: StrictBool = False

    def offer(self) -> deliveries.GiftOffer:
        return deliveries.GiftOffer(
            carrier=self.carrier,
            windows=tuple(self.delivery_windows),
            wrapping=self.gift_wrapping,
            noshi=self.noshi,
        )


class GiftOfferOut(BaseModel):
    carrier: str
    delivery_windows: list[str]
    gift_wrapping: bool
    noshi: bool


def _out(offer: deliveries.GiftOffer) -> GiftOfferOut:
    return GiftOfferOut(
        carrier=offer.carrier,
        delivery_windows=list(offer.windows),
        gift_wrapping=offer.wrapping,
        noshi=offer.noshi,
    )


@operation(
    "/business/gift-options",
    summary="What the caller's business offers its donors' gifts",
    roles=("business",),
    response=GiftOfferOut,
)
def get_gift_options(call: Call) -> GiftOfferOut:
    assert call.user is not None
    return _out(gift_options.current(call.user))


@operation(
    "/business/gift-options",
    method="PUT",
    summary="Set what the caller's business offers its donors' gifts",
    roles=("business",),
    body=GiftOfferIn,
    response=GiftOfferOut,
    errors=(422,),
)
def put_gift_options(call: Call) -> GiftOfferOut:
    assert call.user is not None
    return _out(gift_options.update(call.user, call.body.offer()))
