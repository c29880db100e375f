"""Who may download which donation document, and building the PDFs from the database.

A donation's documents are open to the donor who owns it (logged in), to anyone holding the
donation's secret `access_token` (the guest's link), and to staff. Anyone else gets Forbidden,
whether or not the donation exists, so ids cannot be probed.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from furusato.config import get_settings
from furusato.documents import annual_summary_pdf as summary_doc
from furusato.documents import onestop_form_pdf
from furusato.domain.money import to_jst, utcnow
from furusato.domain.onestop import application_deadline
from furusato.domain.states import DonationStatus, Role
from furusato.models import Donation, Project, Receipt, User
from furusato.services import mail
from furusato.services.errors import N_, Forbidden, NotFound
from furusato.services.fulfilment import receipts
from furusato.services.uow import UnitOfWork


def _donation_for(
    session: Session, donation_id: int, viewer: User | None, token: str | None
) -> Donation:
    donation = session.get(Donation, donation_id)
    if viewer is not None and viewer.role == Role.STAFF:
        allowed = True
    elif donation is None:
        allowed = False
    elif viewer is not None and viewer.role == Role.DONOR and donation.user_id == viewer.id:
        allowed = True
    else:
        allowed = bool(token) and hmac.compare_digest(
            (token or "").encode(), donation.access_token.encode()
        )
    if not allowed:
        raise Forbidden("この書類を見る権限がありません。")
    if donation is None:
        raise NotFound("寄附が見つかりません。")
    return donation


def receipt_pdf(donation_id: int, viewer: User | None, token: str | None = None) -> bytes:
    """The donation's valid receipt as PDF."""
    with UnitOfWork() as uow:
        _donation_for(uow.session, donation_id, viewer, token)
        receipt_id = receipts.valid_receipt_id(uow.session, donation_id)
    if receipt_id is None:
        raise NotFound("寄附金受領証明書はまだ発行されていません。")
    return receipts.render_pdf(receipt_id)


def _form_data(donation: Donation) -> onestop_form_pdf.FormData:
    if donation.status != DonationStatus.PAID or donation.paid_at is None:
        raise NotFound("決済が完了した寄附にのみ申請書を作成できます。")
    city = get_settings().city
    year = donation.tax_year or to_jst(donation.paid_at).year
    return onestop_form_pdf.FormData(
        donation_id=donation.id,
        name=donation.donor_name,
        name_kana=donation.donor_name_kana,
        postal_code=donation.postal_code,
        address=donation.address,
        phone=donation.phone,
        birth_date=donation.birth_date,
        gender=donation.gender,
        donated_on=to_jst(donation.paid_at).date(),
        amount_yen=donation.amount_yen,
        city_name=city.name,
        city_postal_code=city.postal_code,
        city_address=city.address,
        deadline=application_deadline(year),
    )


def onestop_form_pdf_for(donation_id: int, viewer: User | None, token: str | None = None) -> bytes:
    with UnitOfWork() as uow:
        donation = _donation_for(uow.session, donation_id, viewer, token)
        return onestop_form_pdf.render(_form_data(donation))


def render_onestop_form(donation_id: int) -> bytes:
    """Mail attachment renderer (`onestop_form:<donation id>`)."""
    with UnitOfWork() as uow:
        donation = uow.session.get(Donation, donation_id)
        if donation is None:
            raise NotFound("寄附が見つかりません。")
        return onestop_form_pdf.render(_form_data(donation))


@dataclass(frozen=True)
class ReceiptLine:
    donation_id: int
    receipt_id: int
    number: str
    year: int
    received_on: date
    project_title: str
    amount_yen: int


def receipts_of(user_id: int, year: int | None = None) -> list[ReceiptLine]:
    """A donor's valid receipts (newest year first), for their page and annual summary."""
    with UnitOfWork() as uow:
        query = (
            select(Receipt, Donation.amount_yen, Project.title)
            .join(Donation, Donation.id == Receipt.donation_id)
            .join(Project, Project.id == Donation.project_id)
            .where(Donation.user_id == user_id, Receipt.voided_at.is_(None))
            .order_by(Receipt.year.desc(), Receipt.received_on, Receipt.seq)
        )
        if year is not None:
            query = query.where(Receipt.year == year)
        return [
            ReceiptLine(r.donation_id, r.id, r.number, r.year, r.received_on, title, amount)
            for r, amount, title in uow.session.execute(query).all()
        ]


def annual_summary_pdf(user: User, year: int) -> bytes:
    lines = receipts_of(user.id, year)
    if not lines:
        raise NotFound(N_("%(year)s年の寄附金受領証明書はありません。", year=year))
    with UnitOfWork() as uow:
        name = uow.session.scalar(
            select(Donation.donor_name)
            .where(Donation.id == lines[-1].donation_id)
            .order_by(Donation.id.desc())
        )
    return summary_doc.render(
        year=year,
        donor_name=name or user.display_name,
        city_name=get_settings().city.name,
        lines=[
            summary_doc.Line(ln.number, ln.received_on, ln.project_title, ln.amount_yen)
            for ln in lines
        ],
        made_on=to_jst(utcnow()).date(),
    )


mail.register_attachment(
    "onestop_form", "onestop_application.pdf", "application/pdf", render_onestop_form
)
