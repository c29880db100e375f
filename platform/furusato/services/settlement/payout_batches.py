"""Transfer batches made by `payouts.export`: the list, the Zengin file as exported, and a CSV
of the same transfers for people (each paid to the account kept on its payout)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from furusato.documents import csv_file
from furusato.models import Payout, PayoutBatch, User
from furusato.services.errors import NotFound
from furusato.services.settlement import bank, payouts
from furusato.services.uow import UnitOfWork


@dataclass(frozen=True)
class BatchView:
    id: int
    transfer_date: date
    total_yen: int
    count: int
    created_by: str
    created_at: datetime
    paid_on: date | None
    paid_marked_by: str | None


@dataclass(frozen=True)
class PayoutsPage:
    """The staff payouts page: every payout, and the transfer batches exported so far."""

    payouts: list[payouts.PayoutView]
    batches: list[BatchView]


def payouts_page() -> PayoutsPage:
    return PayoutsPage(payouts.list_payouts(), batches())


def batches() -> list[BatchView]:
    creator, marker = aliased(User), aliased(User)
    with UnitOfWork() as uow:
        rows = uow.session.execute(
            select(PayoutBatch, creator.email, marker.email)
            .join(creator, creator.id == PayoutBatch.created_by_id)
            .outerjoin(marker, marker.id == PayoutBatch.paid_marked_by_id)
            .order_by(PayoutBatch.id.desc())
        ).all()
        per_batch: dict[int, int] = {
            int(batch_id or 0): int(n)
            for batch_id, n in uow.session.execute(
                select(Payout.batch_id, func.count(Payout.id))
                .where(Payout.batch_id.is_not(None))
                .group_by(Payout.batch_id)
            ).all()
        }
        return [
            BatchView(
                id=b.id,
                transfer_date=b.transfer_date,
                total_yen=b.total_yen,
                count=per_batch.get(b.id, 0),
                created_by=created,
                created_at=b.created_at,
                paid_on=b.paid_on,
                paid_marked_by=marked,
            )
            for b, created, marked in rows
        ]


def batch_file(batch_id: int) -> bytes:
    with UnitOfWork() as uow:
        batch = uow.session.get(PayoutBatch, batch_id)
        if batch is None:
            raise NotFound("振込データが見つかりません。")
        return bytes(batch.zengin_file)


CSV_HEADER = [
    "支払ID",
    "プロジェクトID",
    "プロジェクト",
    "事業者",
    "銀行コード",
    "銀行名",
    "支店コード",
    "支店名",
    "預金種目",
    "口座番号",
    "口座名義",
    "金額",
    "準備者",
    "承認者",
]


def batch_csv(batch_id: int) -> bytes:
    """The batch as CSV for people: UTF-8 with BOM and CRLF (opens correctly in Excel)."""
    batch_file(batch_id)  # NotFound for an unknown batch
    rows: list[list[csv_file.Cell]] = []
    for v in sorted(payouts.views(Payout.batch_id == batch_id), key=lambda v: v.id):
        b = v.bank
        rows.append(
            [
                v.id,
                v.project_id,
                v.project_title,
                v.business_name,
                b.bank_code,
                b.bank_name_kana,
                b.branch_code,
                b.branch_name_kana,
                bank.ACCOUNT_TYPES.get(b.account_type, b.account_type),
                b.account_number,
                b.account_holder_kana,
                v.amount_yen,
                v.prepared_by or "",
                v.approved_by or "",
            ]
        )
    return csv_file.write(CSV_HEADER, rows)
