"""A shipment as the shipping list, the CSV and the API show it: one row per delivery."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from furusato.documents import csv_file
from furusato.domain import deliveries
from furusato.models import Shipment


@dataclass(frozen=True)
class ShipmentRow:
    id: int
    donation_id: int
    delivery_number: int  # of delivery_count (a 定期便's N; 1 of 1 otherwise)
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
    gift_from: str  # the donor, when the gift goes to someone else
    gift_wrapping: bool
    noshi: str
    noshi_name: str
    delivery_window: str
    carrier: str
    tracking_number: str
    sent_at: datetime | None

    @property
    def noshi_label(self) -> str:
        return deliveries.NOSHI.get(self.noshi, "") if self.noshi else ""

    @property
    def window_label(self) -> str:
        return deliveries.WINDOWS.get(self.delivery_window, "") if self.delivery_window else ""

    @property
    def label_note(self) -> str:
        return deliveries.label_note(
            delivery_number=self.delivery_number,
            delivery_count=self.delivery_count,
            gift_from=self.gift_from,
            wrapping=self.gift_wrapping,
            noshi=self.noshi,
            noshi_name=self.noshi_name,
        )


@dataclass
class ShippingList:
    project_id: int
    project_title: str
    business_name: str
    rows: list[ShipmentRow]
    tiers: list[tuple[int, str]] = field(default_factory=list)
    months: list[date] = field(default_factory=list)
    gift_carrier: str = ""  # whose window codes the CSV writes (domain/deliveries.py)

    def csv_rows(self) -> list[list[csv_file.Cell]]:
        """One row per delivery, in shipping_csv.HEADER's order; the file is Japanese, like
        the labels it prints."""
        return [
            [
                r.id,
                r.name,
                r.postal_code,
                r.address,
                r.phone,
                r.gift_name,
                r.quantity,
                f"{r.scheduled_month:%Y-%m}",
                self.business_name,
                r.carrier,
                r.tracking_number,
                f"{r.delivery_number}/{r.delivery_count}回目" if r.delivery_count > 1 else "",
                deliveries.window_code(self.gift_carrier, r.delivery_window),
                str(r.window_label),
                "あり" if r.gift_wrapping else "",
                str(r.noshi_label),
                r.noshi_name,
                r.gift_from,
                r.label_note,
            ]
            for r in self.rows
        ]


def row_of(shipment: Shipment, gift_name: str) -> ShipmentRow:
    return ShipmentRow(
        id=shipment.id,
        donation_id=shipment.donation_id,
        delivery_number=shipment.delivery_number,
        delivery_count=shipment.delivery_count,
        tier_id=shipment.tier_id,
        gift_name=gift_name,
        scheduled_month=shipment.scheduled_month,
        status=shipment.status,
        quantity=shipment.quantity,
        name=shipment.ship_name,
        postal_code=shipment.ship_postal_code,
        address=shipment.ship_address,
        phone=shipment.ship_phone,
        gift_from=shipment.gift_from,
        gift_wrapping=shipment.gift_wrapping,
        noshi=shipment.noshi,
        noshi_name=shipment.noshi_name,
        delivery_window=shipment.delivery_window,
        carrier=shipment.carrier,
        tracking_number=shipment.tracking_number,
        sent_at=shipment.sent_at,
    )
