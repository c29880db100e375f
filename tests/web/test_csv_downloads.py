"""Each CSV download names the charset its bytes are in: Shift_JIS for the carrier's list in
Shift_JIS, UTF-8 for every other CSV."""

from __future__ import annotations

from datetime import date

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from furusato.domain.money import utcnow
from furusato.domain.settlement import fiscal_year
from furusato.models import Payout
from furusato.services.settlement import payouts
from tests.conftest import login
from tests.factories import make_project, make_user
from tests.integration.test_shipments import make_shipment


def test_the_shipping_list_names_its_encoding(client: FlaskClient, db: Session) -> None:
    """Shift_JIS bytes come as `text/csv; charset=Shift_JIS`, UTF-8 bytes as utf-8."""
    owner = make_user(db, "business")
    project = make_project(db, owner.business)
    make_shipment(db, project, ship_name="泉佐野 太郎")
    login(client, owner)
    page = f"/business/projects/{project.id}/shipments?format=csv"
    sjis = client.get(f"{page}&encoding=cp932")
    assert sjis.headers.getlist("Content-Type") == ["text/csv; charset=Shift_JIS"]
    assert "泉佐野 太郎" in sjis.data.decode("cp932")
    utf8 = client.get(page)
    assert utf8.headers.getlist("Content-Type") == ["text/csv; charset=utf-8"]
    assert "泉佐野 太郎" in utf8.data.decode("utf-8-sig")


def test_the_staff_csvs_are_utf8(client: FlaskClient, db: Session) -> None:
    """The year's report, a campaign's report and a transfer batch's CSV are UTF-8 and say so."""
    alice, bob = make_user(db, "staff"), make_user(db, "staff")
    project = make_project(db)
    payout = Payout(project_id=project.id, business_id=project.business_id, amount_yen=120_000)
    db.add(payout)
    db.flush()
    payouts.prepare(payout.id, alice, confirmed_amount_yen=120_000, account_checked=True)
    payouts.approve(payout.id, bob)
    batch = payouts.export(bob, date(2027, 4, 5))
    login(client, alice)
    for path in (
        f"/staff/reports/{fiscal_year(utcnow())}.csv",
        f"/staff/reports/campaigns/{project.id}.csv",
        f"/staff/payouts/batches/{batch}/csv",
    ):
        answer = client.get(path)
        assert answer.status_code == 200, path
        assert answer.headers.getlist("Content-Type") == ["text/csv; charset=utf-8"], path
        answer.data.decode("utf-8-sig")
