"""Payouts over the API (staff only): list, prepare, approve (four eyes), export a Zengin batch."""

from __future__ import annotations

import base64
from datetime import date, datetime
from typing import Self

from flask import Response, url_for
from pydantic import BaseModel, Field, StrictBool, StrictInt

from furusato.domain.bank_account import BankAccount
from furusato.services.campaigns.projects import MAX_ELIGIBLE_COST_YEN
from furusato.services.settlement import payout_batches, payouts
from furusato.web.api.core import ApiInput, Call, from_view, operation

STAFF = ("staff",)


class AccountOut(BaseModel):
    bank_code: str
    bank_name_kana: str
    branch_code: str
    branch_name_kana: str
    account_type: str
    account_number: str
    account_holder_kana: str

    @classmethod
    def from_view(cls, account: BankAccount) -> Self:
        return cls.model_validate(account, from_attributes=True)


class PayoutOut(BaseModel):
    id: int
    project_id: int
    amount_yen: int
    status: str
    prepared_by: int | None
    approved_by: int | None
    prepared_at: datetime | None = None
    approved_at: datetime | None = None
    batch_id: int | None = None
    account: AccountOut = Field(
        description="a draft: the business's account now; from prepared on: the account the "
        "preparer checked, which the transfer pays"
    )
    account_digest: str = Field(description="send it with prepare to attest this account")
    returned_to_draft_at: datetime | None = Field(
        None, description="when an account change sent the payout back to draft"
    )

    @classmethod
    def from_view(cls, payout: payouts.PayoutView) -> Self:
        return from_view(
            cls,
            payout,
            prepared_by=payout.prepared_by_id,  # the view's `prepared_by` is the email
            approved_by=payout.approved_by_id,
            account=AccountOut.from_view(payout.bank),
        )


class PayoutList(BaseModel):
    items: list[PayoutOut]


class PrepareIn(ApiInput):
    confirmed_amount_yen: StrictInt = Field(
        ge=0, le=MAX_ELIGIBLE_COST_YEN, description="the amount the staff member checked"
    )
    account_checked: StrictBool = Field(description="the business's bank account was checked")
    account_digest: str | None = Field(
        None,
        max_length=64,
        description="the account_digest of the account checked: refused (409) if it changed",
    )


class ExportIn(ApiInput):
    transfer_date: date


class BatchOut(BaseModel):
    id: int
    transfer_date: date
    total_yen: int
    count: int
    download_url: str
    csv_url: str
    zengin_base64: str

    @classmethod
    def from_view(cls, batch: payout_batches.BatchView, zengin: bytes) -> Self:
        return from_view(
            cls,
            batch,
            download_url=url_for("api.payout_batch_file", batch_id=batch.id),
            csv_url=url_for("staff.payout_batch_csv", batch_id=batch.id),
            zengin_base64=base64.b64encode(zengin).decode("ascii"),
        )


@operation(
    "/payouts", summary="List subsidy payouts", roles=STAFF, response=PayoutList, errors=(401, 403)
)
def list_payouts(call: Call) -> PayoutList:
    return PayoutList(items=[PayoutOut.from_view(v) for v in payouts.list_payouts()])


@operation(
    "/payouts/<int:payout_id>/prepare",
    method="POST",
    summary="Mark a draft payout prepared (amount and bank account checked)",
    roles=STAFF,
    body=PrepareIn,
    response=PayoutOut,
    idempotent=True,
    errors=(401, 403, 404, 409, 422),
)
def prepare_payout(call: Call, payout_id: int) -> PayoutOut:
    assert call.user is not None
    return PayoutOut.from_view(
        payouts.prepare(
            payout_id,
            call.user,
            confirmed_amount_yen=call.body.confirmed_amount_yen,
            account_checked=call.body.account_checked,
            account_digest=call.body.account_digest,
            ip_address=call.ip_address,
        )
    )


@operation(
    "/payouts/<int:payout_id>/approve",
    method="POST",
    summary="Approve a prepared payout (not by the staff member who prepared it)",
    roles=STAFF,
    response=PayoutOut,
    idempotent=True,
    errors=(401, 403, 404, 409),
)
def approve_payout(call: Call, payout_id: int) -> PayoutOut:
    assert call.user is not None
    return PayoutOut.from_view(payouts.approve(payout_id, call.user, ip_address=call.ip_address))


@operation(
    "/payouts/export",
    method="POST",
    summary="Export every approved payout as a Zengin transfer batch",
    roles=STAFF,
    body=ExportIn,
    response=BatchOut,
    status=201,
    idempotent=True,
    errors=(401, 403, 409, 422),
)
def export_payouts(call: Call) -> BatchOut:
    assert call.user is not None
    batch_id = payouts.export(call.user, call.body.transfer_date, ip_address=call.ip_address)
    batch = next(b for b in payout_batches.batches() if b.id == batch_id)
    return BatchOut.from_view(batch, payout_batches.batch_file(batch.id))


@operation(
    "/payout-batches/<int:batch_id>/file",
    summary="The Zengin transfer file of a batch (Shift_JIS, 120-byte records, CRLF)",
    roles=STAFF,
    content_type="text/plain",
    errors=(401, 403, 404),
)
def payout_batch_file(call: Call, batch_id: int) -> Response:
    return Response(
        payout_batches.batch_file(batch_id),
        content_type="text/plain; charset=shift_jis",
        headers={"Content-Disposition": f'attachment; filename="furikomi-{batch_id}.txt"'},
    )
