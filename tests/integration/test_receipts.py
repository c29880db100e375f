"""Receipts: gapless per-year numbers, frozen content, printable PDF, corrections, sweeps."""

from __future__ import annotations

import io
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from furusato.config import get_settings
from furusato.models import AuditLog, OnestopApplication, OutboundEmail, Receipt
from furusato.services import mail
from furusato.services.errors import Conflict
from furusato.services.fulfilment import receipts
from furusato.services.uow import UnitOfWork
from tests.conftest import TaskRecorder
from tests.factories import make_donation, make_project, make_user

NOW = datetime.now(UTC)


def _final(session: Session, project=None, **kw):  # type: ignore[no-untyped-def]
    project = project or make_project(session)
    kw.setdefault("final_at", NOW - timedelta(minutes=10))
    return make_donation(session, project, **kw)


def test_issue_numbers_by_tax_year_and_freezes_content(db: Session) -> None:
    """A payment at 00:30 JST on Jan 1 is numbered in the new year and dated in JST."""
    paid = datetime(2026, 12, 31, 15, 30, tzinfo=UTC)  # 2027-01-01 00:30 JST
    donation = _final(db, paid_at=paid, tax_year=2027, address="大阪府泉佐野市りんくう往来北1")
    receipt_id = receipts.issue_receipt(donation.id)
    receipt = db.get(Receipt, receipt_id)
    assert receipt is not None
    assert (receipt.year, receipt.number) == (2027, f"2027-{receipt.seq:06d}")
    assert receipt.received_on.isoformat() == "2027-01-01"
    city = get_settings().city
    content = receipt.content
    assert content["donor_address"] == "大阪府泉佐野市りんくう往来北1"
    assert content["amount_yen"] == donation.amount_yen
    assert (content["city_name"], content["city_address"], content["mayor"]) == (
        city.name,
        city.address,
        city.mayor,
    )
    assert content["project_title"] == donation.project.title
    assert content["received_on"] == "2027-01-01"


def test_issuing_twice_is_a_no_op(db: Session) -> None:
    """The second call finds a valid receipt and issues nothing (and mails once)."""
    donation = _final(db)
    first = receipts.issue_receipt(donation.id)
    assert first is not None
    assert receipts.issue_receipt(donation.id) is None
    mails = db.scalars(select(OutboundEmail).where(OutboundEmail.to_address == donation.email))
    assert [m.attachment_ref for m in mails] == [f"receipt:{first}"]


@pytest.mark.parametrize(
    "kw",
    [
        {"final_at": None},
        {"status": "pending_payment", "paid_at": None, "tax_year": None},
        {"status": "refunded", "refunded_at": NOW},
    ],
    ids=["not-final", "unpaid", "refunded"],
)
def test_no_receipt_unless_paid_final_and_not_refunded(db: Session, kw: dict) -> None:  # type: ignore[type-arg]
    """Only a paid, final, unrefunded donation gets a receipt."""
    donation = _final(db, **kw)
    assert receipts.issue_receipt(donation.id) is None


def test_batch_spans_two_years_with_separate_sequences(db: Session) -> None:
    """One batch across New Year takes numbers from each year's own counter, in order."""
    project = make_project(db)
    late = [
        _final(db, project, paid_at=datetime(2031, 12, 31, 14, 59, 59, tzinfo=UTC))
        for _ in range(2)
    ]
    early = _final(db, project, paid_at=datetime(2031, 12, 31, 15, 0, 1, tzinfo=UTC))
    ids = receipts.issue_receipts([d.id for d in [*late, early]])
    numbers = [db.get(Receipt, i).number for i in ids]  # type: ignore[union-attr]
    assert numbers == ["2031-000001", "2031-000002", "2032-000001"]


def test_pdf_text_carries_every_required_field(db: Session) -> None:
    """pypdf extracts name, address, amount, date, city, mayor, number and title from the PDF."""
    donation = _final(
        db,
        paid_at=datetime(2026, 5, 1, 3, 0, tzinfo=UTC),
        donor_name="泉 佐野子",
        address="東京都千代田区千代田1-1",
        amount_yen=12_345,
    )
    receipt = db.get(Receipt, receipts.issue_receipt(donation.id))
    assert receipt is not None
    text = "".join(
        page.extract_text() for page in PdfReader(io.BytesIO(receipts.render_pdf(receipt.id))).pages
    )
    city = get_settings().city
    for needed in (
        "寄附金受領証明書",
        "泉 佐野子",
        "東京都千代田区千代田1-1",
        "12,345円",
        "2026年5月1日",
        city.name,
        city.address,
        city.mayor,
        receipt.number,
        donation.project.title,
    ):
        assert needed in text, needed


def test_mail_attachment_renderer_is_registered(db: Session) -> None:
    """The outbox can render `receipt:<id>` into a PDF at send time."""
    donation = _final(db)
    receipt_id = receipts.issue_receipt(donation.id)
    filename, content_type, render = mail._renderers["receipt"]
    assert (filename, content_type) == ("receipt.pdf", "application/pdf")
    assert render(receipt_id).startswith(b"%PDF")  # type: ignore[arg-type]


def test_correction_voids_and_reissues_with_audit(db: Session) -> None:
    """A wrong address: the old receipt is voided, a new number replaces it, staff audited."""
    staff = make_user(db, "staff")
    donation = _final(db, address="東京都千代田区まちがい1")
    old_id = receipts.issue_receipt(donation.id)
    assert old_id is not None
    new_id = receipts.correct(staff, old_id, reason="住所の誤り", address="東京都千代田区正しい2")
    old, new = db.get(Receipt, old_id), db.get(Receipt, new_id)
    assert old is not None and new is not None
    db.refresh(old)
    assert old.voided_at is not None and old.void_reason == "住所の誤り"
    assert old.content["donor_address"] == "東京都千代田区まちがい1"  # frozen
    assert new.replaces_id == old.id and new.number != old.number
    assert new.content["donor_address"] == "東京都千代田区正しい2"
    assert new.content["replaces_number"] == old.number
    entry = db.scalar(select(AuditLog).where(AuditLog.action == "receipt.correct"))
    assert entry is not None and entry.actor_id == staff.id
    assert entry.after is not None and entry.after["number"] == new.number
    with pytest.raises(Conflict):
        receipts.correct(staff, old_id, reason="もう一度", address="x")
    assert receipts.issue_receipt(donation.id) is None  # the new one is the valid receipt


def _pdf_text(receipt_id: int) -> str:
    reader = PdfReader(io.BytesIO(receipts.render_pdf(receipt_id)))
    return "".join(page.extract_text() for page in reader.pages).replace("\n", "")


def test_a_reissued_receipt_says_so_and_names_the_original(db: Session) -> None:
    """Corrected twice: the latest PDF says 再発行, names the first receipt and the one it
    replaces; a first issue says neither; both state the legal basis of the deduction."""
    staff = make_user(db, "staff")
    donation = _final(db, address="東京都千代田区まちがい1")
    first_id = receipts.issue_receipt(donation.id)
    assert first_id is not None
    first_text = _pdf_text(first_id)
    assert "再発行" not in first_text and "原証明書番号" not in first_text
    second_id = receipts.correct(staff, first_id, reason="住所の誤り", address="東京都千代田区正しい2")
    third_id = receipts.correct(staff, second_id, reason="氏名の誤り", donor_name="泉 正子")
    first, second, third = (db.get(Receipt, i) for i in (first_id, second_id, third_id))
    assert first is not None and second is not None and third is not None
    assert third.content["original_number"] == first.number
    assert third.content["replaces_number"] == second.number
    text = _pdf_text(third_id)
    assert "再発行" in text
    assert f"原証明書番号 {first.number}" in text
    assert f"証明書番号 {second.number} を訂正のため再発行" in text
    for basis in ("所得税法第78条第2項第1号", "地方税法第37条の2第1項第1号", "第314条の7第1項第1号"):
        assert basis in text and basis in first_text, basis
    # A download of the voided second receipt still says it was itself a reissue.
    assert f"原証明書番号 {first.number}" in _pdf_text(second_id) and "無効" in _pdf_text(second_id)


def test_onestop_application_opened_with_the_receipt(db: Session) -> None:
    """A donation asking for one-stop gets an application and the pre-filled form by mail."""
    donation = _final(db, onestop_requested=True, gender="female")
    receipts.issue_receipt(donation.id)
    application = db.scalar(
        select(OnestopApplication).where(OnestopApplication.donation_id == donation.id)
    )
    assert application is not None and application.status == "requested"
    assert application.residence_municipality_code == donation.municipality_code
    form_mail = db.scalar(
        select(OutboundEmail).where(OutboundEmail.key == f"donation:{donation.id}:onestop_form")
    )
    assert form_mail is not None and form_mail.attachment_ref == f"onestop_form:{donation.id}"


def test_project_and_sweep_send_chunks(db: Session, sent_tasks: TaskRecorder) -> None:
    """The project task and the sweep hand due donations to the worker in chunks."""
    project = make_project(db)
    due = [_final(db, project) for _ in range(3)]
    _final(db, project, final_at=None)
    assert receipts.issue_for_project(project.id) == 3
    assert sent_tasks.sent[-1] == ("furusato.issue_receipt_chunk", ([d.id for d in due],))
    receipts.issue_receipts([due[0].id])
    assert receipts.sweep(now=NOW) >= 2
    swept = [ids for name, (ids,) in sent_tasks.sent if name == "furusato.issue_receipt_chunk"]
    assert due[0].id not in swept[-1] and {due[1].id, due[2].id} <= set(swept[-1])


def test_gapless_under_concurrency_with_a_rollback(committed: Engine) -> None:
    """Eight threads issue while a ninth takes a number and rolls back: numbers stay 1..N."""
    year = 2040
    with Session(committed) as s:
        project = make_project(s)
        paid = datetime(year, 6, 1, 3, 0, tzinfo=UTC)
        ids = [_final(s, project, paid_at=paid, tax_year=year).id for _ in range(24)]
        s.commit()
    errors: list[BaseException] = []
    rolled_back = threading.Event()

    def doomed() -> None:
        try:
            with UnitOfWork() as uow:
                receipts.take_numbers(uow.session, year, 3)
                time.sleep(0.3)  # the others queue on the counter row meanwhile
                raise RuntimeError("forced rollback")
        except RuntimeError:
            rolled_back.set()

    def worker(chunk: list[int]) -> None:
        try:
            for donation_id in chunk:
                receipts.issue_receipt(donation_id)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=doomed)]
    threads += [threading.Thread(target=worker, args=(ids[i::8],)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors and rolled_back.is_set()
    with Session(committed) as s:
        seqs = sorted(s.scalars(select(Receipt.seq).where(Receipt.year == year)))
        last = s.scalar(
            select(Receipt.seq).where(Receipt.year == year).order_by(Receipt.seq.desc()).limit(1)
        )
    assert seqs == list(range(1, 25)) and last == 24
