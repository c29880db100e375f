"""Documents over the API: a donation's receipt PDF; the one-stop notification export.

POST /exports/onestop-notifications with `{"year": YYYY, "password": "…"}` answers with the
zip (one CSV and one PDF per residence municipality, My Numbers included, audited like a
reveal), every file encrypted with AES-256 under that password (12+ printable ASCII
characters; never stored). The password travels in the body, never in a URL.
GET /exports/onestop-notifications?year=YYYY&format=json answers a listing per municipality
(donor count, donations, totals, names) without any My Number, which is not audited — for
checking before the export; `format=zip` on GET is refused (422, `password_required`).
"""

from __future__ import annotations

from typing import Literal

from flask import Response
from pydantic import BaseModel, ConfigDict, Field, StrictInt

from furusato.services.fulfilment import documents, onestop_export
from furusato.web.api.core import ApiError, ApiInput, Call, operation
from furusato.web.numbers import FIRST_YEAR, LAST_YEAR, WholeNumber


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

    year: WholeNumber = Field(
        ge=FIRST_YEAR, le=LAST_YEAR, description="tax year (JST year of payment)"
    )
    format: Literal["zip", "json"] = "zip"


class ExportRequest(ApiInput):
    model_config = ConfigDict(extra="forbid")
    unchecked = frozenset({"password"})  # any printable ASCII; never stored

    year: StrictInt = Field(
        ge=FIRST_YEAR, le=LAST_YEAR, description="tax year (JST year of payment)"
    )
    password: str = Field(
        max_length=200,
        description="the zip's password, 12+ printable ASCII characters; never stored",
    )


class DonorTotal(BaseModel):
    name: str
    kind: str = Field(description="新規, 変更 (details changed since sent) or 取消 (refunded)")
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
    summary="申告特例通知書 for a tax year as a JSON listing without My Numbers",
    roles=("staff",),
    query=ExportQuery,
    response=ExportListing,
    errors=(401, 403, 422),
)
def onestop_notifications(call: Call) -> ExportListing:
    year = call.query.year
    if call.query.format != "json":
        raise ApiError(
            422,
            "Unprocessable Content",
            "the zip holds My Numbers and is encrypted with your password: "
            "POST /api/v1/exports/onestop-notifications with {year, password}",
            "password_required",
        )
    return ExportListing(
        year=year,
        municipalities=[MunicipalityTotal.model_validate(m) for m in onestop_export.listing(year)],
    )


@operation(
    "/exports/onestop-notifications",
    method="POST",
    summary="申告特例通知書 for a tax year: a zip encrypted with AES-256 under the given password",
    roles=("staff",),
    mynumber_officer=True,
    body=ExportRequest,
    content_type="application/zip",
    errors=(401, 403, 422),
)
def onestop_notifications_zip(call: Call) -> Response:
    assert call.user is not None
    year = call.body.year
    data = onestop_export.export_zip(
        call.user, year, password=call.body.password, ip_address=call.ip_address
    )
    return Response(
        data,
        content_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="onestop-notifications-{year}.zip"',
            "Cache-Control": "no-store",
        },
    )
