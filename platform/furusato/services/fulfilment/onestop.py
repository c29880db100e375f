"""The one-stop exception (ワンストップ特例): applications, received forms, changes, reveals.

An application is opened when the receipt of a donation with `onestop_requested` is issued
(the donation then stays with the city), and withdrawn if the donation is ever refunded. Staff
record the signed form when it arrives: on time it is accepted with its My Number (validated,
encrypted); after the deadline it is marked late, excluded, and the donor is told. The number is
shown fully masked; every reveal is audited. It never reaches a log line or an audit entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update

from furusato.db import insert_or_skip
from furusato.domain import mynumber
from furusato.domain.money import to_jst, utcnow
from furusato.domain.onestop import application_deadline, is_on_time
from furusato.domain.states import ONESTOP, DonationStatus, OnestopStatus
from furusato.models import Donation, OnestopApplication, User
from furusato.services import audit, mail, mail_texts, per_item
from furusato.services.errors import (
    N_,
    Conflict,
    NotFound,
    ValidationFailed,
    refuse_control_characters,
)
from furusato.services.fulfilment import mynumber_vault
from furusato.services.uow import UnitOfWork

MASKED = mynumber.MASK


def open_for_donation(uow: UnitOfWork, donation: Donation) -> None:
    """Open the application in the caller's transaction (once per donation) and mail the
    pre-filled form to print, sign and return."""
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
    )


def _withdrawable() -> Any:
    refunded = select(Donation.id).where(Donation.status == DonationStatus.REFUNDED)
    return (
        OnestopApplication.status.in_(ONESTOP.sources(OnestopStatus.WITHDRAWN)),
        OnestopApplication.donation_id.in_(refunded),
    )


def withdraw_refunded() -> int:
    """Withdraw applications whose donation was refunded, and erase any number they held.
    Each application on its own (services/per_item.py): one that fails is logged and found
    again by the next sweep; the others are withdrawn."""
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
        result = uow.session.execute(
            update(OnestopApplication)
            .where(OnestopApplication.id == application_id, *_withdrawable())
            .values(status=OnestopStatus.WITHDRAWN, my_number_encrypted=None, updated_at=utcnow())
        )
        uow.commit()
        return "withdrawn" if result.rowcount else "gone"  # type: ignore[attr-defined]


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


CHANGEABLE = ("name", "name_kana", "postal_code", "address", "residence_municipality_code")


def record_change(
    actor: User,
    application_id: int,
    *,
    received_on: date,
    changes: dict[str, str],
    ip_address: str = "",
) -> None:
    """Staff: a change of name or address (変更届出書) arrived; applied only by the deadline."""
    _check_received_on(received_on)
    changes = {k: v.strip() for k, v in changes.items() if k in CHANGEABLE and v and v.strip()}
    refuse_control_characters(changes)
    if not changes:
        raise ValidationFailed("変更する項目を入力してください。", fields={"name": "required"})
    with UnitOfWork() as uow:
        row = _claim(uow, application_id)
        if row.status not in (OnestopStatus.REQUESTED, OnestopStatus.ACCEPTED):
            raise Conflict("この申請は変更できない状態です。")
        assert row.tax_year is not None
        if not is_on_time(row.tax_year, received_on):
            deadline = application_deadline(row.tax_year)
            raise Conflict(
                N_(
                    "変更届は期限（%(month)s月%(day)s日）を過ぎて届いたため反映できません。",
                    month=deadline.month,
                    day=deadline.day,
                )
            )
        before = {k: getattr(row, k) for k in changes}
        for key, value in changes.items():
            setattr(row, key, value)
        audit.record(
            uow.session,
            actor,
            "onestop.change",
            "onestop_application",
            row.id,
            before=before,
            after={**changes, "received_on": received_on.isoformat()},
            ip_address=ip_address,
        )
        uow.commit()


def reveal(actor: User, application_id: int, *, ip_address: str = "", reason: str = "") -> str:
    """Staff: the stored My Number in clear, with an audit entry committed first."""
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
