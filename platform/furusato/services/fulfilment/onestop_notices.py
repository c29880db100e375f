"""Notices to residence municipalities (申告特例通知書) and what a refund does to them.

A notice becomes due when an application is accepted (services/fulfilment/onestop.py). Staff
export the due notices (onestop_export.py), post them, and then record the day they actually
sent them (`mark_sent`), per municipality: that date, not the export's, is what the page shows.
A notice already sent is corrected (変更) when the donor's details change
(onestop_changes.py) and cancelled (取消) when the donation is refunded; both then become due
and go out the same way. An application refunded before its notice was sent is withdrawn and
needs none. A My Number is kept while a notice that carries it is still to be sent, and erased
once the cancellation has gone out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select

from furusato.domain.money import to_jst, utcnow
from furusato.domain.municipalities import notice_code
from furusato.domain.states import (
    NOTICE,
    NOTICE_PENDING,
    NOTICE_SENT_AS,
    ONESTOP,
    DonationStatus,
    NoticeStatus,
    OnestopStatus,
)
from furusato.models import Donation, OnestopApplication, User
from furusato.services import audit, per_item
from furusato.services.errors import Conflict, ValidationFailed
from furusato.services.uow import UnitOfWork


def _withdrawable() -> Any:
    refunded = select(Donation.id).where(Donation.status == DonationStatus.REFUNDED)
    return (
        OnestopApplication.status.in_(ONESTOP.sources(OnestopStatus.WITHDRAWN)),
        OnestopApplication.donation_id.in_(refunded),
    )


def withdraw_refunded() -> int:
    """Withdraw applications whose donation was refunded: a notice already sent gets a
    cancellation due, one not yet sent is dropped with the number. Each application on its own
    (services/per_item.py): one that fails is logged and found again by the next sweep."""
    with UnitOfWork() as uow:
        due = list(
            uow.session.scalars(
                select(OnestopApplication.id)
                .where(*_withdrawable())
                .order_by(OnestopApplication.id)
            )
        )
    return per_item.each("onestop: withdraw refunded", due, _withdraw).outcomes["withdrawn"]


def _withdraw(application_id: int) -> str:
    with UnitOfWork() as uow:
        row = uow.session.scalar(
            select(OnestopApplication)
            .where(OnestopApplication.id == application_id, *_withdrawable())
            .with_for_update()
        )
        if row is None:
            return "gone"
        row.status = OnestopStatus.WITHDRAWN
        if row.notice_status in (None, NoticeStatus.DUE):
            if row.notice_status is not None:
                NOTICE.check(row.notice_status, NoticeStatus.WITHDRAWN)
                row.notice_status = NoticeStatus.WITHDRAWN
            row.my_number_encrypted = None
        elif row.notice_status != NoticeStatus.CANCELLATION_DUE:
            NOTICE.check(row.notice_status, NoticeStatus.CANCELLATION_DUE)
            row.notice_status = NoticeStatus.CANCELLATION_DUE
            row.exported_at = None
        uow.commit()
        return "withdrawn"


@dataclass(frozen=True)
class Marked:
    sent: int  # notices recorded as sent
    not_exported: int  # pending notices of those municipalities not in an export since changed


def _check_sent_on(sent_on: date, tax_year: int) -> None:
    today = to_jst(utcnow()).date()
    if sent_on > today:
        raise ValidationFailed(
            "送付日に未来の日付は入力できません。", fields={"sent_on": "in the future"}
        )
    if sent_on.year <= tax_year - 1:
        raise ValidationFailed(
            "送付日が対象年より前です。", fields={"sent_on": "before the tax year"}
        )


def mark_sent(
    actor: User,
    tax_year: int,
    municipality_codes: list[str],
    *,
    sent_on: date,
    ip_address: str = "",
) -> Marked:
    """Staff: the exported notices to these municipalities were posted on `sent_on`."""
    codes = {c.strip() for c in municipality_codes if c.strip()}
    if not codes:
        raise ValidationFailed(
            "送付した市区町村を選んでください。", fields={"municipalities": "required"}
        )
    _check_sent_on(sent_on, tax_year)
    with UnitOfWork() as uow:
        rows = [
            row
            for row in uow.session.scalars(
                select(OnestopApplication)
                .where(
                    OnestopApplication.tax_year == tax_year,
                    OnestopApplication.notice_status.in_(NOTICE_PENDING),
                )
                .order_by(OnestopApplication.id)
                .with_for_update()
            )
            if notice_code(row.residence_municipality_code) in codes
        ]
        exported = [r for r in rows if r.exported_at is not None]
        if not exported:
            raise Conflict("送付済みにできる通知がありません。先に通知書を出力してください。")
        early = [r for r in exported if sent_on < to_jst(r.exported_at).date()]  # type: ignore[arg-type]
        if early:
            raise ValidationFailed(
                "送付日が通知書を出力した日より前です。", fields={"sent_on": "before the export"}
            )
        moves: dict[str, list[int]] = {}
        for row in exported:
            assert row.notice_status is not None
            target = NOTICE_SENT_AS[NoticeStatus(row.notice_status)]
            NOTICE.check(row.notice_status, target)
            moves.setdefault(f"{row.notice_status}→{target}", []).append(row.id)
            row.notice_status = target
            if row.notice_sent_on is None:
                row.notice_sent_on = sent_on
            row.notice_last_sent_on = sent_on
            if target == NoticeStatus.CANCELLED:
                row.my_number_encrypted = None
                row.erased_at = utcnow()
        audit.record(
            uow.session,
            actor,
            "onestop.notices_sent",
            "onestop_year",
            tax_year,
            after={
                "tax_year": tax_year,
                "sent_on": sent_on.isoformat(),
                "municipalities": sorted(codes),
                "moves": moves,
            },
            ip_address=ip_address,
        )
        uow.commit()
        return Marked(sent=len(exported), not_exported=len(rows) - len(exported))
