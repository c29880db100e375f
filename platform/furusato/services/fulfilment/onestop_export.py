"""申告特例通知書 export: the notices of a tax year still to be sent (new, 変更, 取消), grouped
by the municipality they go to (a designated city for its wards), one CSV and one PDF per
municipality, in one zip; only a 個人番号事務取扱担当者 may make it.

One line per donor and kind of notice, the donor being one My Number, with the count and total
of their donations. Applications whose names or birth dates differ under one My Number are still
exported, each group as its first application writes it, and shown to staff (onestop_board.py).
The zip carries My Numbers, so it is never written unencrypted: every file in it is encrypted
with AES-256 (WinZip AES, which 7-Zip and most archivers open) under a password the staff member
types for this one export. The password is not stored or logged; without one of at least
12 printable ASCII characters the export is refused. Building it is audited like a reveal (one
`mynumber.reveal` entry per application) and as one `onestop.export` entry that says who
exported which year, municipalities and applications, when; the JSON listing carries no
My Number and is not.
"""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pyzipper
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from furusato.config import get_settings
from furusato.documents import csv_file, notification_pdf
from furusato.domain.money import to_jst, utcnow
from furusato.domain.municipalities import notice_code
from furusato.domain.states import NOTICE_PENDING, NoticeStatus
from furusato.models import Donation, OnestopApplication, User
from furusato.services import addresses, audit
from furusato.services.errors import N_, ValidationFailed
from furusato.services.fulfilment import mynumber_vault, onestop
from furusato.services.uow import UnitOfWork

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 128
ENCRYPTION = "AES-256 (WinZip AES)"

CSV_HEADER = [
    "市区町村コード",
    "市区町村",
    "区分",
    "氏名",
    "フリガナ",
    "郵便番号",
    "住所",
    "生年月日",
    "性別",
    "個人番号",
    "寄附件数",
    "寄附金額合計",
]
KIND = {
    NoticeStatus.DUE: "新規",
    NoticeStatus.CORRECTION_DUE: "変更",
    NoticeStatus.CANCELLATION_DUE: "取消",
}


@dataclass
class Municipality:
    code: str
    name: str = ""
    donors: list[notification_pdf.DonorLine] = field(default_factory=list)
    application_ids: list[int] = field(default_factory=list)

    @property
    def total_yen(self) -> int:
        return sum(d.total_yen for d in self.donors)

    @property
    def donations(self) -> int:
        return sum(d.donations for d in self.donors)


def pending_rows(session: Session, tax_year: int) -> list[tuple[OnestopApplication, int]]:
    """The applications with a notice to send, with their donation's amount."""
    return [
        (app, amount)
        for app, amount in session.execute(
            select(OnestopApplication, Donation.amount_yen)
            .join(Donation, Donation.id == OnestopApplication.donation_id)
            .where(
                OnestopApplication.tax_year == tax_year,
                OnestopApplication.notice_status.in_(NOTICE_PENDING),
            )
            .order_by(OnestopApplication.id)
        ).all()
    ]


def person_key(app: OnestopApplication) -> tuple[str, str]:
    """Who the donor is: their My Number (decrypted here, never returned to a page), or, for
    an application whose number is gone, the application itself."""
    if app.my_number_encrypted is not None:
        return ("number", mynumber_vault.decrypt(app.my_number_encrypted))
    return ("application", str(app.id))


def _group(tax_year: int, *, with_numbers: bool) -> list[Municipality]:
    with UnitOfWork() as uow:
        people: dict[str, dict[tuple[str, str, str], list[tuple[OnestopApplication, int]]]]
        people = defaultdict(lambda: defaultdict(list))
        for app, amount in pending_rows(uow.session, tax_year):
            key = (*person_key(app), str(app.notice_status))
            people[notice_code(app.residence_municipality_code)][key].append((app, amount))
        result = []
        for code in sorted(people):
            muni = Municipality(code=code, name=addresses.municipality_name(code))
            for (kind, who, status), items in people[code].items():
                first = items[0][0]
                muni.donors.append(
                    notification_pdf.DonorLine(
                        name=first.name,
                        name_kana=first.name_kana,
                        postal_code=first.postal_code,
                        address=first.address,
                        birth_date=first.birth_date,
                        gender=first.gender,
                        my_number=who if with_numbers and kind == "number" else "",
                        donations=len(items),
                        total_yen=sum(amount for _, amount in items),
                        kind=KIND[NoticeStatus(status)],
                    )
                )
                muni.application_ids.extend(app.id for app, _ in items)
            result.append(muni)
        return result


def listing(tax_year: int) -> list[dict[str, Any]]:
    """What the export would contain, without My Numbers."""
    return [
        {
            "municipality_code": m.code,
            "municipality_name": m.name,
            "donors": len(m.donors),
            "donations": m.donations,
            "total_yen": m.total_yen,
            "people": [
                {
                    "name": d.name,
                    "kind": d.kind,
                    "donations": d.donations,
                    "total_yen": d.total_yen,
                }
                for d in m.donors
            ],
        }
        for m in _group(tax_year, with_numbers=False)
    ]


def _csv(muni: Municipality) -> bytes:
    rows: list[list[csv_file.Cell]] = [
        [
            muni.code,
            muni.name,
            d.kind,
            d.name,
            d.name_kana,
            d.postal_code,
            d.address,
            d.birth_date.isoformat() if d.birth_date else "",
            notification_pdf.GENDER.get(d.gender or "", ""),
            d.my_number,
            d.donations,
            d.total_yen,
        ]
        for d in muni.donors
    ]
    blank: list[csv_file.Cell] = ["", "", "", "", "", "", ""]
    rows.append([muni.code, muni.name, "合計", *blank, muni.donations, muni.total_yen])
    return csv_file.write(CSV_HEADER, rows)


def check_password(password: str) -> None:
    """The export's password: long enough, and typed the same way in any archiver (ASCII)."""
    if not (
        MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH
        and password.isascii()
        and password.isprintable()
    ):
        message = N_(
            "個人番号を含むため、ZIPは暗号化して出力します。%(n)s文字以上の半角英数字・記号で"
            "パスワードを入力してください。",
            n=MIN_PASSWORD_LENGTH,
        )
        raise ValidationFailed(message, code="password_required", fields={"password": message})


def export_zip(actor: User, tax_year: int, *, password: str, ip_address: str = "") -> bytes:
    """The notices of `tax_year` still to be sent as an AES-256 encrypted zip; audited, and
    marks them exported (staff then record the day they posted them: onestop_notices.py).
    Refused (Forbidden) to staff who are not 個人番号事務取扱担当者, and (ValidationFailed)
    without a usable password."""
    onestop.require_officer(actor)
    check_password(password)
    city = get_settings().city
    started = utcnow()
    made_on: date = to_jst(started).date()
    groups = _group(tax_year, with_numbers=True)
    buffer = io.BytesIO()
    with pyzipper.AESZipFile(
        buffer, "w", compression=pyzipper.ZIP_DEFLATED, encryption=pyzipper.WZ_AES
    ) as archive:
        archive.setpassword(password.encode("ascii"))
        archive.setencryption(pyzipper.WZ_AES, nbits=256)
        for muni in groups:
            stem = f"{tax_year}_{muni.code}{'_' + muni.name if muni.name else ''}_申告特例通知書"
            archive.writestr(f"{stem}.csv", _csv(muni))
            archive.writestr(
                f"{stem}.pdf",
                notification_pdf.render(
                    tax_year=tax_year,
                    municipality_code=muni.code,
                    municipality_name=muni.name,
                    city_name=city.name,
                    mayor=city.mayor,
                    city_address=city.address,
                    donors=muni.donors,
                    made_on=made_on,
                ),
            )
    ids = [i for muni in groups for i in muni.application_ids]
    with UnitOfWork() as uow:
        for application_id in ids:
            audit.record(
                uow.session,
                actor,
                "mynumber.reveal",
                "onestop_application",
                application_id,
                note="申告特例通知書の出力",
                ip_address=ip_address,
            )
        audit.record(
            uow.session,
            actor,
            "onestop.export",
            "onestop_year",
            tax_year,
            after={
                "tax_year": tax_year,
                "municipalities": [muni.code for muni in groups],
                "donors": sum(len(muni.donors) for muni in groups),
                "applications": len(ids),
                "application_ids": ids,
                "encryption": ENCRYPTION,
            },
            ip_address=ip_address,
        )
        if ids:
            uow.session.execute(
                update(OnestopApplication)
                # Not those changed while the zip was made: their notice is not in it as now.
                .where(OnestopApplication.id.in_(ids), OnestopApplication.updated_at <= started)
                .values(exported_at=started)
            )
        uow.commit()
    return buffer.getvalue()
