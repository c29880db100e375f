"""Documents over the API: a donation's receipt PDF; the one-stop notification export.

GET /exports/onestop-notifications?year=YYYY answers with the zip (one CSV and one PDF per
residence municipality, My Numbers included, audited like a reveal) by default; with
`format=json` it answers a listing per municipality (donor count, donations, totals, names)
without any My Number, which is not audited — for checking before downloading the zip.
"""

from __future__ import annotations

from typing import Literal

from flask import Response
from pydantic import BaseModel, ConfigDict, Field

from furusato.services import documents, onestop_export
from furusato.web.api.core import ApiInput, Call, operation


@operation(
    "/donations/<int:donation_id>/receipt.pdf",
    summary="The donation's valid receipt (寄附金受領証明書) as PDF",
    roles=("donor", "staff"),
    content_type="application/pdf",
    errors=(401, 403, 404),
)
def receipt_pdf(call: Call, donation_id: int) -> Response:
    data = documents.receipt_pdf(donation_id, call.user)
    return Response(
        data,
        content_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="receipt-{donation_id}.pdf"',
            "Cache-Control": "private, no-store",
        },
    )


class ExportQuery(ApiInput):
    model_config = ConfigDict(extra="forbid")

    year: int = Field(ge=2008, le=2100, description="tax year (JST year of payment)")
    format: Literal["zip", "json"] = "zip"


class DonorTotal(BaseModel):
    name: str
    donations: int
    total_yen: int


class MunicipalityTotal(BaseModel):
    municipality_code: str
    municipality_name: str
    donors: int
    donations: int
    total_yen: int
    people: list[DonorTotal]


class ExportListing(BaseModel):
    year: int
    municipalities: list[MunicipalityTotal]


@operation(
    "/exports/onestop-notifications",
    summary="申告特例通知書 for a tax year: zip (default) or a JSON listing without My Numbers",
    roles=("staff",),
    query=ExportQuery,
    response=ExportListing,
    content_type="application/zip",
    errors=(401, 403, 422),
)
def onestop_notifications(call: Call) -> Response | ExportListing:
    year = call.query.year
    if call.query.format == "json":
        return ExportListing(
            year=year,
            municipalities=[
                MunicipalityTotal.model_validate(m) for m in onestop_export.listing(year)
            ],
        )
    assert call.user is not None
    data = onestop_export.export_zip(call.user, year, ip_address=call.ip_address)
    return Response(
        data,
        content_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="onestop-notifications-{year}.zip"',
            "Cache-Control": "no-store",
        },
    )
