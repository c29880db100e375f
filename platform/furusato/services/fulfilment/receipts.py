"""Receipts (寄附金受領証明書): issued once a donation is final, numbered without gaps per year.

The number comes from `receipt_counters`, incremented by an UPDATE inside the issuing
transaction: a rolled-back issue gives its numbers back, and the row lock orders concurrent
issuers. A batch takes all its numbers with one UPDATE (`last_seq + n`). Content is frozen at
issue; a correction voids the receipt and issues a new one that names it (`replaces_id`).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import exists, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, selectinload

from furusato.config import get_settings
from furusato.db import insert_or_skip
from furusato.documents import receipt_pdf
from furusato.domain.money import tax_year, to_jst, utcnow
from furusato.domain.pledge import address_problem
from furusato.domain.states import DonationStatus
from furusato.models import Donation, OutboundEmail, Receipt, User
from furusato.services import addresses, audit, dispatch, mail, mail_texts, per_item
from furusato.services.errors import (
    Conflict,
    NotFound,
    ValidationFailed,
    refuse_control_characters,
)
from furusato.services.fulfilment import onestop
from furusato.services.uow import UnitOfWork

log = logging.getLogger(__name__)

CHUNK = 500  # donations per issuing transaction (and per worker task)
SWEEP_LIMIT = 20_000
SWEEP_GRACE = timedelta(minutes=2)  # leave fresh donations to the task their flow enqueued


def format_number(year: int, seq: int) -> str:
    return f"{year}-{seq:06d}"


def take_numbers(session: Session, year: int, count: int) -> int:
    """Reserve `count` numbers of `year` in the caller's transaction; returns the first seq."""
    session.execute(
        text(
            "INSERT INTO receipt_counters (year, last_seq) VALUES (:y, 0) "
            "ON CONFLICT (year) DO NOTHING"
        ),
        {"y": year},
    )
    last = session.execute(
        text(
            "UPDATE receipt_counters SET last_seq = last_seq + :n WHERE year = :y "
            "RETURNING last_seq"
        ),
        {"y": year, "n": count},
    ).scalar_one()
    return int(last) - count + 1


def _eligible() -> Any:
    has_valid = exists().where(Receipt.donation_id == Donation.id, Receipt.voided_at.is_(None))
    return (
        Donation.status == DonationStatus.PAID,
        Donation.final_at.is_not(None),
        Donation.refunded_at.is_(None),
        ~has_valid,
    )


def _content(donation: Donation, number: str, issued_on: date) -> dict[str, Any]:
    city = get_settings().city
    assert donation.paid_at is not None
    return {
        "number": number,
        "issued_on": issued_on.isoformat(),
        "donation_id": donation.id,
        "donor_name": donation.donor_name,
        "donor_postal_code": donation.postal_code,
        "donor_address": donation.address,
        "amount_yen": donation.amount_yen,
        "received_on": to_jst(donation.paid_at).date().isoformat(),
        "project_title": donation.project.title,
        "city_name": city.name,
        "city_postal_code": city.postal_code,
        "city_address": city.address,
        "city_phone": city.phone,
        "mayor": city.mayor,
        "replaces_number": None,
        "original_number": None,
    }


def _new_receipt(
    session: Session, donation: Donation, year: int, seq: int, now: datetime
) -> Receipt:
    assert donation.paid_at is not None
    number = format_number(year, seq)
    receipt = Receipt(
        donation_id=donation.id,
        year=year,
        seq=seq,
        number=number,
        received_on=to_jst(donation.paid_at).date(),
        content=_content(donation, number, to_jst(now).date()),
        issued_at=now,
        emailed_at=now,  # its mail is queued in the outbox in this same transaction
    )
    session.add(receipt)
    return receipt


def _mail_values(receipt: Receipt, donation: Donation, now: datetime) -> dict[str, Any]:
    text = mail_texts.render("receipt_issued", receipt=receipt, donation=donation)
    return {
        "key": f"receipt:{receipt.id}:email",
        "to_address": donation.email,
        "subject": text.subject,
        "body_text": text.body,
        "attachment_ref": f"receipt:{receipt.id}",
        "status": "queued",
        "attempts": 0,
        "last_error": "",
        "created_at": now,
    }


def _queue_mails(uow: UnitOfWork, issued: list[tuple[Receipt, Donation]], now: datetime) -> None:
    """The outbox rows of a whole batch in one INSERT (same rules as `mail.queue`: the key
    makes a repeat a no-op, and each new row is sent by the worker after commit)."""
    if not issued:
        return
    rows = [_mail_values(receipt, donation, now) for receipt, donation in issued]
    stmt = insert_or_skip(uow.session, OutboundEmail, ["key"]).values(rows)
    for email_id in uow.session.scalars(stmt.returning(OutboundEmail.id)):
        uow.enqueue("furusato.send_email", email_id)


def issue_receipts(donation_ids: Sequence[int], *, now: datetime | None = None) -> list[int]:
    """Issue receipts for those of `donation_ids` that are due; returns the new receipt ids.

    Idempotent: a donation with a valid receipt, or locked by another issuer, is skipped.
    """
    if not donation_ids:
        return []
    now = now or utcnow()
    with UnitOfWork() as uow:
        s = uow.session
        locked = list(
            s.scalars(
                select(Donation)
                .where(
                    Donation.id.in_(list(donation_ids)),
                    Donation.status == DonationStatus.PAID,
                    Donation.final_at.is_not(None),
                    Donation.refunded_at.is_(None),
                )
                .order_by(Donation.id)
                .options(selectinload(Donation.project))
                .with_for_update(skip_locked=True, of=Donation)
            )
        )
        if not locked:
            return []
        # A new statement sees receipts committed while we waited for the locks.
        done = set(
            s.scalars(
                select(Receipt.donation_id).where(
                    Receipt.donation_id.in_([d.id for d in locked]), Receipt.voided_at.is_(None)
                )
            )
        )
        by_year: dict[int, list[Donation]] = defaultdict(list)
        for donation in locked:
            if donation.id not in done:
                assert donation.paid_at is not None
                by_year[donation.tax_year or tax_year(donation.paid_at)].append(donation)
        issued: list[tuple[Receipt, Donation]] = []
        for year in sorted(by_year):
            first = take_numbers(s, year, len(by_year[year]))
            for offset, donation in enumerate(by_year[year]):
                issued.append((_new_receipt(s, donation, year, first + offset, now), donation))
        s.flush()
        _queue_mails(uow, issued, now)
        for _receipt, donation in issued:
            if donation.onestop_requested:
                onestop.open_for_donation(uow, donation)
        uow.commit()
        return [receipt.id for receipt, _ in issued]


def issue_chunk(donation_ids: Sequence[int]) -> int:
    """A worker's chunk (from the sweep, a settlement or a campaign reaching its target): in
    one transaction; if that fails for anything but a database outage, one donation at a time
    (services/per_item.py), so one bad donation is logged and left for the next sweep instead
    of holding back the others. Returns how many receipts were issued."""
    try:
        return len(issue_receipts(donation_ids))
    except OperationalError:
        raise  # every donation would fail alike: the sweep sends the chunk again later
    except Exception:
        if len(donation_ids) <= 1:
            raise
        log.exception("receipts: a chunk of %d failed; issuing one at a time", len(donation_ids))
    tally = per_item.each(
        "receipts: issue",
        donation_ids,
        lambda donation_id: "issued" if issue_receipt(donation_id) else "not_due",
    )
    return tally.outcomes["issued"]


def issue_receipt(donation_id: int) -> int | None:
    """Issue the receipt of one final donation (None if not due or already issued)."""
    ids = issue_receipts([donation_id])
    return ids[0] if ids else None


def _dispatch_chunks(ids: list[int]) -> int:
    for start in range(0, len(ids), CHUNK):
        dispatch.send("furusato.issue_receipt_chunk", ids[start : start + CHUNK])
    return len(ids)


def issue_for_project(project_id: int) -> int:
    """Send the project's due donations to the worker in chunks; returns how many are due."""
    with UnitOfWork() as uow:
        ids = list(
            uow.session.scalars(
                select(Donation.id)
                .where(Donation.project_id == project_id, *_eligible())
                .order_by(Donation.id)
            )
        )
    return _dispatch_chunks(ids)


def due_donation_ids(*, now: datetime | None = None, limit: int = SWEEP_LIMIT) -> list[int]:
    cutoff = (now or utcnow()) - SWEEP_GRACE
    with UnitOfWork() as uow:
        return list(
            uow.session.scalars(
                select(Donation.id)
                .where(*_eligible(), Donation.final_at <= cutoff)
                .order_by(Donation.id)
                .limit(limit)
            )
        )


def sweep(*, now: datetime | None = None) -> int:
    """Beat: final paid donations still without a valid receipt (a lost task, a broker outage)."""
    return _dispatch_chunks(due_donation_ids(now=now))


def correct(
    actor: User,
    receipt_id: int,
    *,
    reason: str,
    donor_name: str | None = None,
    postal_code: str | None = None,
    address: str | None = None,
    ip_address: str = "",
) -> int:
    """Staff: void a receipt and issue its replacement with corrected donor details."""
    reason = reason.strip()
    if not reason:
        raise ValidationFailed("訂正の理由を入力してください。", fields={"reason": "required"})
    changes = {
        k: v.strip()
        for k, v in {
            "donor_name": donor_name,
            "postal_code": postal_code,
            "address": address,
        }.items()
        if v is not None and v.strip()
    }
    refuse_control_characters({"reason": reason, **changes}, multi_line=("reason",))
    now = utcnow()
    with UnitOfWork() as uow:
        s = uow.session
        old = s.scalar(select(Receipt).where(Receipt.id == receipt_id).with_for_update())
        if old is None:
            raise NotFound("証明書が見つかりません。")
        if old.voided_at is not None:
            raise Conflict("この証明書は既に無効です。最新の証明書を訂正してください。")
        donation = old.donation
        if "postal_code" in changes or "address" in changes:
            _check_place(
                changes.get("postal_code", donation.postal_code),
                changes.get("address", donation.address),
            )
        before = {k: getattr(donation, k) for k in changes}
        for key, value in changes.items():
            setattr(donation, key, value)
        old.voided_at = now
        old.void_reason = reason
        s.flush()  # the old one stops being the valid receipt before the new one exists
        seq = take_numbers(s, old.year, 1)
        new = _new_receipt(s, donation, old.year, seq, now)
        new.replaces_id = old.id
        new.content = {
            **new.content,
            "replaces_number": old.number,
            "original_number": receipt_pdf.original_number(old.content) or old.number,
        }
        s.flush()
        audit.record(
            s,
            actor,
            "receipt.correct",
            "receipt",
            old.id,
            before={"number": old.number, **before},
            after={"number": new.number, "receipt_id": new.id, **changes},
            note=reason,
            ip_address=ip_address,
        )
        _queue_mails(uow, [(new, donation)], now)
        uow.commit()
        return new.id


def _check_place(postal_code: str, address: str) -> None:
    """A receipt never carries a postal code and an address of different places."""
    place = addresses.lookup(postal_code)
    problem = address_problem(address, place.prefecture, place.city)
    if problem:
        raise ValidationFailed(problem, fields={"address": problem})


def render_pdf(receipt_id: int) -> bytes:
    """The receipt's PDF from its frozen content (a voided one is stamped 無効)."""
    with UnitOfWork() as uow:
        receipt = uow.session.get(Receipt, receipt_id)
        if receipt is None:
            raise NotFound("証明書が見つかりません。")
        void = (receipt.void_reason or "訂正") if receipt.voided_at else None
        return receipt_pdf.render(receipt.content, void_reason=void)


@dataclass(frozen=True)
class ReceiptView:
    """A receipt as staff look at it: its frozen content, and whether and why it was voided."""

    id: int
    donation_id: int
    number: str
    received_on: date
    content: dict[str, Any]
    voided_at: datetime | None
    void_reason: str


def view(receipt_id: int) -> ReceiptView:
    with UnitOfWork() as uow:
        receipt = uow.session.get(Receipt, receipt_id)
        if receipt is None:
            raise NotFound("証明書が見つかりません。")
        return ReceiptView(*(getattr(receipt, f.name) for f in fields(ReceiptView)))


def valid_receipt_id(session: Session, donation_id: int) -> int | None:
    return session.scalar(
        select(Receipt.id).where(Receipt.donation_id == donation_id, Receipt.voided_at.is_(None))
    )


mail.register_attachment("receipt", "receipt.pdf", "application/pdf", render_pdf)
