"""Receipt, one-stop form and annual summary downloads: who may see which PDF."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy.orm import Session

from furusato.models import Receipt
from furusato.services import accounts
from furusato.services.fulfilment import receipts
from tests.conftest import login
from tests.factories import PASSWORD, make_donation, make_project, make_user

PAID = datetime(2026, 5, 1, 3, 0, tzinfo=UTC)


def _text(data: bytes) -> str:
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


def _donation(db: Session, **kw):  # type: ignore[no-untyped-def]
    kw.setdefault("final_at", PAID + timedelta(days=1))
    return make_donation(db, make_project(db), paid_at=PAID, **kw)


def test_guest_link_owner_and_staff_get_the_receipt(client: FlaskClient, db: Session) -> None:
    """The `?t=` link, the owning donor and staff get the PDF; a wrong token or other donor gets 403."""
    owner = make_user(db, "donor")
    donation = _donation(db, user_id=owner.id)
    receipt_id = receipts.issue_receipt(donation.id)
    url = f"/donations/{donation.id}/receipt.pdf"
    guest = client.get(f"{url}?t={donation.access_token}")
    assert guest.status_code == 200 and guest.mimetype == "application/pdf"
    receipt = db.get(Receipt, receipt_id)
    assert receipt is not None and receipt.number in _text(guest.data)
    assert client.get(url).status_code == 403
    assert client.get(f"{url}?t=wrong").status_code == 403
    assert client.get("/donations/999999/receipt.pdf?t=x").status_code == 403  # no probing ids
    login(client, make_user(db, "donor"))
    assert client.get(url).status_code == 403
    login(client, owner)
    assert client.get(url).status_code == 200
    login(client, make_user(db, "staff"))
    assert client.get(url).status_code == 200


def test_receipt_not_yet_issued_is_404_for_the_owner(client: FlaskClient, db: Session) -> None:
    """Before the donation is final there is nothing to download."""
    donation = _donation(db, final_at=None)
    response = client.get(f"/donations/{donation.id}/receipt.pdf?t={donation.access_token}")
    assert response.status_code == 404


def test_onestop_form_is_prefilled_except_my_number(client: FlaskClient, db: Session) -> None:
    """The form carries name, kana, address, birth date, phone, date, amount and the city."""
    donation = _donation(
        db,
        birth_date=date(1985, 7, 7),
        gender="male",
        donor_name_kana="キフ タロウ",
        amount_yen=23_456,
    )
    response = client.get(f"/donations/{donation.id}/onestop-form.pdf?t={donation.access_token}")
    assert response.status_code == 200
    text = _text(response.data)
    for needed in (
        "寄附金税額控除に係る申告特例申請書",
        donation.donor_name,
        "キフ タロウ",
        donation.address,
        donation.phone,
        "1985年7月7日",
        "2026年5月1日",
        "23,456円",
        "泉佐野市長",
        "個人番号",
        "2027年1月12日",  # the moved deadline for tax year 2026
    ):
        assert needed in text, needed


def test_annual_summary_lists_the_years_receipts(client: FlaskClient, db: Session) -> None:
    """/me/receipts/<year>.pdf lists every receipt of that year and says it is not a certificate."""
    owner = make_user(db, "donor")
    numbers = []
    for amount in (10_000, 20_000):
        donation = _donation(db, user_id=owner.id, amount_yen=amount)
        numbers.append(receipts.issue_receipt(donation.id))
    login(client, owner)
    page = client.get("/me/receipts")
    assert page.status_code == 200
    response = client.get("/me/receipts/2026.pdf")
    assert response.status_code == 200
    text = _text(response.data)
    assert "寄附金受領証明書ではありません" in text and "30,000円" in text
    assert client.get("/me/receipts/2019.pdf").status_code == 404


def test_api_receipt_for_donor_and_staff_only(client: FlaskClient, db: Session) -> None:
    """GET /api/v1/donations/<id>/receipt.pdf: the owning donor and staff; others 403."""
    owner = make_user(db, "donor")
    donation = _donation(db, user_id=owner.id)
    receipts.issue_receipt(donation.id)
    url = f"/api/v1/donations/{donation.id}/receipt.pdf"

    def bearer(user) -> dict[str, str]:  # type: ignore[no-untyped-def]
        issued = accounts.issue_token(user.email, PASSWORD)
        assert issued is not None
        return {"Authorization": f"Bearer {issued[0]}"}

    ok = client.get(url, headers=bearer(owner))
    assert ok.status_code == 200 and ok.content_type == "application/pdf"
    assert client.get(url, headers=bearer(make_user(db, "staff"))).status_code == 200
    assert client.get(url, headers=bearer(make_user(db, "donor"))).status_code == 403
    assert client.get(url, headers=bearer(make_user(db, "business"))).status_code == 403
    assert client.get(url).status_code == 401


def test_staff_see_a_receipt_and_correct_it(client: FlaskClient, db: Session) -> None:
    """Staff see a receipt's number and frozen content; correcting it leads to the new receipt,
    and the old one's page says it is void and offers no second correction; an unknown id is
    a 404."""
    staff = login(client, make_user(db, "staff"))
    donation = _donation(db, donor_name="受領 花子", address="東京都千代田区まちがい1")
    old_id = receipts.issue_receipt(donation.id)
    old = db.get(Receipt, old_id)
    assert staff is client and old is not None
    page = client.get(f"/staff/receipts/{old_id}").get_data(as_text=True)
    assert old.number in page and "受領 花子" in page and "/correct" in page
    corrected = client.post(
        f"/staff/receipts/{old_id}/correct",
        data={"reason": "住所の誤り", "address": "東京都千代田区正しい2"},
    )
    assert corrected.status_code == 302
    new_page = client.get(corrected.headers["Location"]).get_data(as_text=True)
    assert "東京都千代田区正しい2" in new_page and old.number in new_page  # replaces the old
    voided = client.get(f"/staff/receipts/{old_id}").get_data(as_text=True)
    assert "住所の誤り" in voided and "/correct" not in voided
    assert client.get("/staff/receipts/2147483647").status_code == 404
