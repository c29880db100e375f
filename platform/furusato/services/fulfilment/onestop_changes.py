"""A change of name or address (申告特例申請事項変更届出書) for a donor's one-stop applications.

One 変更届出書 covers every application of that donor for the year (地方税法附則第7条第3項・
第10項: the donor reports the change, not per donation), so it is applied to all of them: the
donor is the same My Number when the applications have one, otherwise the same account or the
same address, name and birth date. It must arrive by the application deadline. A notice already
sent to the municipality then needs a correction (変更), one still due is exported again; and
the donor's residency is checked again: a donor who moved into the city gets no gift, so their
gift shipments not yet sent are cancelled.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, or_, select

from furusato.config import get_settings
from furusato.domain.onestop import application_deadline, is_on_time
from furusato.domain.pledge import lives_in_city
from furusato.domain.states import (
    NOTICE,
    SHIPMENT,
    NoticeStatus,
    OnestopStatus,
    ShipmentStatus,
)
from furusato.models import Donation, OnestopApplication, Shipment, User
from furusato.services import addresses, audit
from furusato.services.errors import N_, Conflict, ValidationFailed, refuse_control_characters
from furusato.services.fulfilment import mynumber_vault
from furusato.services.fulfilment.onestop import _check_received_on, _claim
from furusato.services.uow import UnitOfWork

CHANGEABLE = ("name", "name_kana", "postal_code", "address", "residence_municipality_code")
OPEN = (OnestopStatus.REQUESTED, OnestopStatus.ACCEPTED)


@dataclass(frozen=True)
class Changed:
    applications: int  # how many of the donor's applications the change was applied to
    corrections_due: int  # notices already sent that now need a correction
    resident: bool  # the new address is in the city
    shipments_cancelled: int


def _clean(changes: dict[str, str]) -> dict[str, str]:
    changes = {k: v.strip() for k, v in changes.items() if k in CHANGEABLE and v and v.strip()}
    refuse_control_characters(changes)
    if not changes:
        raise ValidationFailed("変更する項目を入力してください。", fields={"name": "required"})
    if "postal_code" in changes:
        place = addresses.lookup(changes["postal_code"])
        changes["postal_code"] = place.postal_code
        changes.setdefault("residence_municipality_code", place.municipality_code)
    code = changes.get("residence_municipality_code")
    if code is not None and not (code.isdigit() and len(code) in (5, 6)):
        raise ValidationFailed(
            "市区町村コードは5桁（または検査数字付きの6桁）の数字で入力してください。",
            fields={"residence_municipality_code": "malformed"},
        )
    return changes


def _same_donor(uow: UnitOfWork, row: OnestopApplication) -> list[OnestopApplication]:
    """The donor's open applications of the same year, locked, `row` first."""
    donation = row.donation
    person = [
        func.lower(Donation.email) == donation.email.lower(),
        OnestopApplication.name == row.name,
        OnestopApplication.birth_date == row.birth_date,
    ]
    same = [OnestopApplication.id == row.id]
    if donation.user_id is not None:
        same.append(Donation.user_id == donation.user_id)
    same.append(person[0] & person[1] & person[2])
    found = list(
        uow.session.scalars(
            select(OnestopApplication)
            .join(Donation, Donation.id == OnestopApplication.donation_id)
            .where(
                OnestopApplication.tax_year == row.tax_year,
                OnestopApplication.status.in_(OPEN),
                or_(*same, OnestopApplication.my_number_encrypted.is_not(None)),
            )
            .order_by(OnestopApplication.id)
            .with_for_update(of=OnestopApplication)
        )
    )
    number = _number(row)
    mine = [row]
    for other in found:
        if other.id == row.id:
            continue
        if number and _number(other) == number:
            mine.append(other)
        elif not (number and _number(other)) and _matches(other, row):
            mine.append(other)
    return mine


def _number(row: OnestopApplication) -> str:
    return mynumber_vault.decrypt(row.my_number_encrypted) if row.my_number_encrypted else ""


def _matches(other: OnestopApplication, row: OnestopApplication) -> bool:
    if row.donation.user_id is not None and other.donation.user_id == row.donation.user_id:
        return True
    return (
        other.donation.email.lower() == row.donation.email.lower()
        and other.name == row.name
        and other.birth_date == row.birth_date
    )


def _after_change(row: OnestopApplication) -> bool:
    """The notice's move for changed details; True if a sent notice now needs a correction."""
    row.exported_at = None  # an export made before the change is stale
    if row.notice_status in (NoticeStatus.SENT, NoticeStatus.CORRECTED):
        NOTICE.check(row.notice_status, NoticeStatus.CORRECTION_DUE)
        row.notice_status = NoticeStatus.CORRECTION_DUE
        return True
    return False


def _cancel_gifts(uow: UnitOfWork, donation_ids: list[int]) -> list[int]:
    shipments = list(
        uow.session.scalars(
            select(Shipment)
            .where(
                Shipment.donation_id.in_(donation_ids),
                Shipment.status == ShipmentStatus.SCHEDULED,
            )
            .with_for_update()
        )
    )
    for shipment in shipments:
        SHIPMENT.check(shipment.status, ShipmentStatus.CANCELED)
        shipment.status = ShipmentStatus.CANCELED
    return [s.id for s in shipments]


def record_change(
    actor: User,
    application_id: int,
    *,
    received_on: date,
    changes: dict[str, str],
    ip_address: str = "",
) -> Changed:
    """Staff: a 変更届出書 arrived; applied to all the donor's applications of the year, only
    by the deadline."""
    _check_received_on(received_on)
    changes = _clean(changes)
    with UnitOfWork() as uow:
        row = _claim(uow, application_id)
        if row.status not in OPEN:
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
        rows = _same_donor(uow, row)
        before: dict[str, Any] = {k: getattr(row, k) for k in changes}
        corrections = 0
        for each in rows:
            for key, value in changes.items():
                setattr(each, key, value)
            corrections += _after_change(each)
        code = row.residence_municipality_code
        resident = lives_in_city(code, get_settings().city.municipality_code)
        cancelled = _cancel_gifts(uow, [r.donation_id for r in rows]) if resident else []
        audit.record(
            uow.session,
            actor,
            "onestop.change",
            "onestop_application",
            row.id,
            before=before,
            after={
                **changes,
                "received_on": received_on.isoformat(),
                "applications": [r.id for r in rows],
                "corrections_due": corrections,
                "resident": resident,
                "shipments_cancelled": cancelled,
            },
            ip_address=ip_address,
        )
        uow.commit()
        return Changed(len(rows), corrections, resident, len(cancelled))
