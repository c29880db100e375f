"""Gift shipments over the API: a project's shipping list; marking one shipment sent."""

from __future__ import annotations

from datetime import date, datetime
from typing import Self

from pydantic import BaseModel, ConfigDict, Field

from furusato.services.fulfilment import shipments
from furusato.web.api.core import ApiInput, Call, operation
from furusato.web.numbers import INT32_MAX, WholeNumber


class ShipmentOut(BaseModel):
    id: int
    donation_id: int
    delivery_number: int = Field(description="this delivery of delivery_count (a 定期便's N)")
    delivery_count: int
    tier_id: int
    gift_name: str
    scheduled_month: date
    status: str
    quantity: int
    name: str
    postal_code: str
    address: str
    phone: str
    gift_from: str = Field(description="the donor's name when the gift goes to someone else")
    gift_wrapping: bool
    noshi: str
    noshi_name: str
    delivery_window: str
    carrier: str
    tracking_number: str
    sent_at: datetime | None

    @classmethod
    def from_view(cls, row: shipments.ShipmentRow) -> Self:
        return cls.model_validate(row, from_attributes=True)


class ShipmentList(BaseModel):
    project_id: int
    project_title: str
    shipments: list[ShipmentOut]


class ListQuery(ApiInput):
    model_config = ConfigDict(extra="forbid")

    tier_id: WholeNumber | None = Field(None, ge=1, le=INT32_MAX)
    # A real month only: "0000-00" or "2026-13" would fail later in date() (a 500).
    month: str | None = Field(None, pattern=r"^[1-9]\d{3}-(0[1-9]|1[0-2])$", description="YYYY-MM")
    status: str | None = Field(None, pattern=r"^(scheduled|sent|canceled)$")


class MarkSent(ApiInput):
    model_config = ConfigDict(extra="forbid")

    status: str = Field("sent", pattern=r"^sent$")
    carrier: str = Field(min_length=1, max_length=40)
    tracking_number: str = Field(min_length=4, max_length=40)


@operation(
    "/projects/<int:project_id>/shipments",
    summary="A project's shipping list (owner business or staff)",
    roles=("business", "staff"),
    query=ListQuery,
    response=ShipmentList,
    errors=(401, 403, 404),
)
def list_shipments(call: Call, project_id: int) -> ShipmentList:
    q = call.query
    month = date.fromisoformat(f"{q.month}-01") if q.month else None
    assert call.user is not None
    listing = shipments.shipping_list(
        call.user, project_id, tier_id=q.tier_id, month=month, status=q.status
    )
    return ShipmentList(
        project_id=listing.project_id,
        project_title=listing.project_title,
        shipments=[ShipmentOut.from_view(row) for row in listing.rows],
    )


@operation(
    "/shipments/<int:shipment_id>",
    method="PATCH",
    summary="Mark a shipment sent with carrier and tracking number (owner business or staff)",
    roles=("business", "staff"),
    body=MarkSent,
    response=ShipmentOut,
    idempotent=True,
    errors=(401, 403, 404, 409, 422),
)
def mark_sent(call: Call, shipment_id: int) -> ShipmentOut:
    assert call.user is not None
    row = shipments.mark_sent(
        call.user,
        shipment_id,
        carrier=call.body.carrier,
        tracking_number=call.body.tracking_number,
        ip_address=call.ip_address,
    )
    return ShipmentOut.from_view(row)
