"""The one-stop exception (ワンストップ特例): applications, received forms, changes, reveals.

The tax event is the payment: an application is opened when a donation with
`onestop_requested` is paid (a donation of year N is notified by January 31 of N+1 whatever its
campaign decides later), and the pre-filled form is mailed then. Staff record the form when it
arrives: on time it is accepted with its My Number (validated, encrypted) and its notice to the
residence municipality becomes due; after the deadline it is marked late, excluded, and the
donor is told. A refund withdraws it (services/fulfilment/onestop_notices.py). The number is
shown fully masked; only a 個人番号事務取扱担当者 may reveal it, and every reveal is audited.
It never reaches a log line or an audit entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from furusato.db import insert_or_skip
from furusato.domain import mynumber
from furusato.domain.money import to_jst, utcnow
from furusato.domain.onestop import application_deadline, is_on_time
from furusato.domain.states import ONESTOP, NoticeStatus, OnestopStatus
from furusato.models import Donation, OnestopApplication, User
from furusato.services import audit, mail, mail_texts
from furusato.services.errors import (
    N_,
    Conflict,
    Forbidden,
    NotFound,
    ValidationFailed,
    refuse_control_characters,
)
from furusato.services.fulfilment import mynumber_vault
from furusato.services.uow import UnitOfWork

MASKED = mynumber.MASK


def require_officer(actor: User) -> None:
    """Revealing or exporting My Numbers is for 個人番号事務取扱担当者 only (番号法第12条:
    the city limits who handles them)."""
    if not actor.handles_mynumber:
        raise Forbidden(
            "個人番号の表示・出力は個人番号事務取扱担当者のみ行えます。",
            code="mynumber_officer_required",
        )


def open_for_donation(uow: UnitOfWork, donation: Donation, *, publish: bool = True) -> None:
    """Open the application in the caller's transaction (once per donation: the payment, and
    the receipt for donations paid before applications followed the payment) and mail the
    pre-filled form to fill in and return."""
    values = {
        "donation_id": donation.id,
        "status": str(OnestopStatus.REQUESTED),
        "tax_year": donation.tax_year,
        "name": donation.donor_name,
        "name_kana": donation.donor_name_kana,
        "postal_code": donation.postal_code,
        "address": donation.address,
        "residence_municipality_code": donation.municipality_code,
        "birth_date": donation.birth_date,
        "gender": donation.gender,
        "phone": donation.phone,
        "id_checked": False,
        "created_at": utcnow(),
        "updated_at": utcnow(),
    }
    table = OnestopApplication.__table__
    stmt = insert_or_skip(uow.session, table, ["donation_id"]).returning(table.c.id)
    created = uow.session.execute(stmt, values).scalar_one_or_none()
    if created is None or donation.tax_year is None:
        return
    text = mail_texts.render(
        "onestop_form", donation=donation, deadline=application_deadline(donation.tax_year)
    )
    mail.queue(
        uow,
        key=f"donation:{donation.id}:onestop_form",
        to=donation.email,
        subject=text.subject,
        body=text.body,
        attachment_ref=f"onestop_form:{donation.id}",
        publish=publish,  # from a donor's payment the worker's outbox relay sends it
    )


def _claim(uow: UnitOfWork, application_id: int) -> OnestopApplication:
    row = uow.session.scalar(
        select(OnestopApplication).where(OnestopApplication.id == application_id).with_for_update()
    )
    if row is None:
        raise NotFound("申請が見つかりません。")
    return row


def _check_received_on(received_on: date) -> None:
    if received_on > to_jst(utcnow()).date():
        raise ValidationFailed(
            "受付日に未来の日付は入力できません。", fields={"received_on": "in the future"}
        )


@dataclass(frozen=True)
class Recorded:
    status: str
    deadline: date


def record_form(
    actor: User,
    application_id: int,
    *,
    received_on: date,
    my_number: str,
    id_checked: bool,
    ip_address: str = "",
) -> Recorded:
    """Staff: a signed form arrived. On time → accepted (number encrypted); late → excluded."""
    _check_received_on(received_on)
    with UnitOfWork() as uow:
        row = _claim(uow, application_id)
        if row.status != OnestopStatus.REQUESTED:
            raise Conflict(N_("この申請は既に処理済みです（%(status)s）。", status=row.status))
        if row.tax_year is None:
            raise Conflict("寄附の年が確定していません。")
        deadline = application_deadline(row.tax_year)
        now = utcnow()
        if not is_on_time(row.tax_year, received_on):
            ONESTOP.check(row.status, OnestopStatus.LATE)
            row.status = OnestopStatus.LATE
            row.received_on = received_on
            row.recorded_by_id = actor.id
            row.late_notified_at = now
            _queue_late_notice(uow, row, deadline)
        else:
            try:
                number = mynumber.validate(my_number)
            except mynumber.InvalidMyNumber as exc:
                raise ValidationFailed(str(exc), fields={"my_number": str(exc)}) from None
            if not id_checked:
                raise ValidationFailed(
                    "本人確認書類を確認してから受け付けてください。",
                    fields={"id_checked": "required"},
                )
            ONESTOP.check(row.status, OnestopStatus.ACCEPTED)
            row.status = OnestopStatus.ACCEPTED
            row.received_on = received_on
            row.my_number_encrypted = mynumber_vault.encrypt(number)
            row.id_checked = True
            row.recorded_by_id = actor.id
            row.notice_status = NoticeStatus.DUE
        audit.record(
            uow.session,
            actor,
            "onestop.record",
            "onestop_application",
            row.id,
            before={"status": "requested"},
            after={
                "status": row.status,
                "received_on": received_on.isoformat(),
                "id_checked": row.id_checked,
                "my_number": MASKED if row.status == OnestopStatus.ACCEPTED else None,
            },
            ip_address=ip_address,
        )
        uow.commit()
        return Recorded(status=row.status, deadline=deadline)


def _queue_late_notice(uow: UnitOfWork, row: OnestopApplication, deadline: date) -> None:
    text = mail_texts.render("onestop_late", application=row, deadline=deadline)
    mail.queue(
        uow,
        key=f"onestop:{row.id}:late",
        to=row.donation.email,
        subject=text.subject,
        body=text.body,
    )


def reveal(actor: User, application_id: int, *, ip_address: str = "", reason: str = "") -> str:
    """A 個人番号事務取扱担当者: the stored My Number in clear, with an audit entry committed
    first."""
    require_officer(actor)
    refuse_control_characters({"reason": reason})
    with UnitOfWork() as uow:
        row = uow.session.get(OnestopApplication, application_id)
        if row is None:
            raise NotFound("申請が見つかりません。")
        if row.my_number_encrypted is None:
            raise Conflict("個人番号は保管されていません（未受付または消去済み）。")
        number = mynumber_vault.decrypt(row.my_number_encrypted)
        audit.record(
            uow.session,
            actor,
            "mynumber.reveal",
            "onestop_application",
            row.id,
            note=reason or "画面表示",
            ip_address=ip_address,
        )
        uow.commit()
        return number


@dataclass(frozen=True)
class ApplicationView:
    id: int
    donation_id: int
    status: str
    name: str
    name_kana: str
    address: str
    municipality_code: str
    amount_yen: int
    paid_at: datetime | None
    received_on: date | None
    my_number: str  # masked, or "" when none is stored
    erased: bool
    exported_at: datetime | None
    notice_status: str | None
    notice_sent_on: date | None
    notice_last_sent_on: date | None


def _views(*where: Any) -> list[ApplicationView]:
    with UnitOfWork() as uow:
        query = (
            select(OnestopApplication, Donation.amount_yen, Donation.paid_at)
            .join(Donation, Donation.id == OnestopApplication.donation_id)
            .where(*where)
            .order_by(OnestopApplication.id)
        )
        return [
            ApplicationView(
                id=row.id,
                donation_id=row.donation_id,
                status=row.status,
                name=row.name,
                name_kana=row.name_kana,
                address=row.address,
                municipality_code=row.residence_municipality_code,
                amount_yen=amount,
                paid_at=paid_at,
                received_on=row.received_on,
                my_number=MASKED if row.my_number_encrypted is not None else "",
                erased=row.erased_at is not None,
                exported_at=row.exported_at,
                notice_status=row.notice_status,
                notice_sent_on=row.notice_sent_on,
                notice_last_sent_on=row.notice_last_sent_on,
            )
            for row, amount, paid_at in uow.session.execute(query).all()
        ]


def list_for_year(tax_year: int, status: str | None = None) -> list[ApplicationView]:
    where = [OnestopApplication.tax_year == tax_year]
    if status:
        where.append(OnestopApplication.status == status)
    return _views(*where)


def get_view(application_id: int) -> ApplicationView:
    found = _views(OnestopApplication.id == application_id)
    if not found:
        raise NotFound("申請が見つかりません。")
    return found[0]
