"""Gift shipments: the shipping list per business, carrier CSVs both ways, marking sent."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from furusato.models import OutboundEmail, Project, Shipment
from furusato.services.errors import Conflict, Forbidden
from furusato.services.fulfilment import shipments, shipping_csv
from tests.factories import make_donation, make_project, make_user


def make_shipment(session: Session, project: Project, **kw) -> Shipment:  # type: ignore[no-untyped-def]
    tier = project.tiers[0]
    donation = make_donation(session, project, tier=tier)
    values = {
        "donation_id": donation.id,
        "project_id": project.id,
        "tier_id": tier.id,
        "scheduled_month": date(2027, 3, 1),
        "ship_name": donation.donor_name,
        "ship_postal_code": donation.postal_code,
        "ship_address": donation.address,
        "ship_phone": donation.phone,
    }
    values.update(kw)
    shipment = Shipment(**values)
    session.add(shipment)
    session.flush()
    return shipment


@pytest.fixture
def owner_and_project(db: Session):  # type: ignore[no-untyped-def]
    owner = make_user(db, "business")
    return owner, make_project(db, owner.business)


def test_business_sees_only_its_own_list(db: Session, owner_and_project) -> None:  # type: ignore[no-untyped-def]
    """The owner gets the rows; another business gets Forbidden; staff see it too."""
    owner, project = owner_and_project
    shipment = make_shipment(db, project, ship_name="配送 一郎")
    listing = shipments.shipping_list(owner, project.id)
    assert [(r.id, r.name, r.quantity) for r in listing.rows] == [(shipment.id, "配送 一郎", 1)]
    assert listing.rows[0].gift_name == project.tiers[0].gift_name
    with pytest.raises(Forbidden):
        shipments.shipping_list(make_user(db, "business"), project.id)
    with pytest.raises(Forbidden):
        shipments.shipping_list(make_user(db, "donor"), project.id)
    assert len(shipments.shipping_list(make_user(db, "staff"), project.id).rows) == 1


def test_filters_by_tier_and_month(db: Session, owner_and_project) -> None:  # type: ignore[no-untyped-def]
    """A list per tier and promised month."""
    owner, project = owner_and_project
    march = make_shipment(db, project)
    make_shipment(db, project, scheduled_month=date(2027, 4, 1))
    rows = shipments.shipping_list(owner, project.id, month=date(2027, 3, 1)).rows
    assert [r.id for r in rows] == [march.id]
    assert shipments.shipping_list(owner, project.id, tier_id=project.tiers[0].id).rows


@pytest.mark.parametrize("encoding", ["utf-8", "cp932"])
def test_csv_decodes_back_in_both_encodings(db: Session, owner_and_project, encoding: str) -> None:  # type: ignore[no-untyped-def]
    """UTF-8 (with BOM) and CP932 files decode back to the same Japanese values."""
    owner, project = owner_and_project
    shipment = make_shipment(
        db, project, ship_name="髙橋 〜 花子", ship_address="大阪府泉佐野市1−2"
    )
    data, substitutions = shipments.export_csv(owner, project.id, encoding=encoding)
    if encoding == "utf-8":
        assert data.startswith(b"\xef\xbb\xbf")
        text = data.decode("utf-8-sig")
    else:
        text = data.decode("cp932")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == shipping_csv.HEADER
    assert rows[1][0] == str(shipment.id)
    assert rows[1][1].replace("～", "〜") == "髙橋 〜 花子"  # 髙 exists in CP932
    assert rows[1][3].replace("－", "−") == "大阪府泉佐野市1−2"
    assert substitutions == []


def test_cp932_unencodable_characters_are_replaced_and_reported(
    db: Session, owner_and_project
) -> None:  # type: ignore[no-untyped-def]
    """𠮷 is not in CP932: it becomes 〓 in that file and the row is reported, no crash."""
    owner, project = owner_and_project
    shipment = make_shipment(db, project, ship_name="𠮷田 太郎")
    data, substitutions = shipments.export_csv(owner, project.id, encoding="cp932")
    assert "〓田 太郎" in data.decode("cp932")
    assert substitutions == [shipping_csv.Substitution(str(shipment.id), "お届け先名", "𠮷")]
    utf8, none = shipments.export_csv(owner, project.id, encoding="utf-8")
    assert "𠮷田 太郎" in utf8.decode("utf-8-sig") and none == []


def test_mark_sent_mails_the_donor_once(db: Session, owner_and_project) -> None:  # type: ignore[no-untyped-def]
    """Marking sent records carrier and tracking and queues `shipment:{id}:sent`; repeat is a no-op."""
    owner, project = owner_and_project
    shipment = make_shipment(db, project)
    row = shipments.mark_sent(
        owner, shipment.id, carrier="ヤマト運輸", tracking_number="1234-5678-9012"
    )
    assert row.status == "sent" and row.tracking_number == "1234-5678-9012"
    shipments.mark_sent(owner, shipment.id, carrier="ヤマト運輸", tracking_number="1234-5678-9012")
    mails = list(
        db.scalars(select(OutboundEmail).where(OutboundEmail.key == f"shipment:{shipment.id}:sent"))
    )
    assert len(mails) == 1 and "1234-5678-9012" in mails[0].body_text
    with pytest.raises(Conflict):
        shipments.mark_sent(owner, shipment.id, carrier="佐川急便", tracking_number="999999999")
    with pytest.raises(Forbidden):
        shipments.mark_sent(
            make_user(db, "business"), shipment.id, carrier="x", tracking_number="12345"
        )


def _upload(rows: list[list[str]], encoding: str = "cp932") -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(
        [["お客様管理番号", "運送会社", "伝票番号"], *rows]
    )
    return out.getvalue().encode(encoding)


def test_upload_with_a_bad_row_applies_nothing(db: Session, owner_and_project) -> None:  # type: ignore[no-untyped-def]
    """One unknown id and one bad tracking number: both reported by line, no row changed."""
    owner, project = owner_and_project
    good = make_shipment(db, project)
    bad = make_shipment(db, project)
    other = make_shipment(db, make_project(db))
    report = shipments.import_sent(
        owner,
        project.id,
        _upload(
            [
                [str(good.id), "ヤマト運輸", "111122223333"],
                [str(bad.id), "ヤマト運輸", "x"],
                [str(other.id), "ヤマト運輸", "444455556666"],
            ]
        ),
    )
    assert not report.ok and report.applied == []
    assert [(line, sid) for line, sid, _ in report.failures] == [
        (3, str(bad.id)),
        (4, str(other.id)),
    ]
    db.expire_all()
    assert db.get(Shipment, good.id).status == "scheduled"  # type: ignore[union-attr]


def test_upload_marks_all_sent(db: Session, owner_and_project) -> None:  # type: ignore[no-untyped-def]
    """The exported file with tracking numbers filled in, uploaded back, marks each one sent."""
    owner, project = owner_and_project
    a, b = make_shipment(db, project), make_shipment(db, project)
    data, _ = shipments.export_csv(owner, project.id, encoding="utf-8")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    for row in rows[1:]:
        row[9], row[10] = "日本郵便", f"{row[0]:0>12}"
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    report = shipments.import_sent(owner, project.id, out.getvalue().encode("utf-8-sig"))
    assert report.ok and sorted(report.applied) == sorted([a.id, b.id])
    again = shipments.import_sent(owner, project.id, out.getvalue().encode("utf-8-sig"))
    assert again.ok and again.applied == [] and sorted(again.unchanged) == sorted([a.id, b.id])


def test_late_shipments_across_businesses(db: Session) -> None:
    """Scheduled past the end of the promised month (JST) is late; the current month is not."""
    p1, p2 = make_project(db), make_project(db)
    late = make_shipment(db, p1, scheduled_month=date(2027, 2, 1))
    make_shipment(db, p2, scheduled_month=date(2027, 3, 1))
    sent = make_shipment(db, p2, scheduled_month=date(2027, 1, 1), status="sent")
    # 2027-02-28 15:00 UTC is already March 1 in Japan.
    found = shipments.late(now=datetime(2027, 2, 28, 15, 0, tzinfo=UTC))
    assert [s.id for s in found] == [late.id] and found[0].months_late == 1
    assert sent.id not in [s.id for s in found]
    assert shipments.late(now=datetime(2027, 2, 28, 14, 59, tzinfo=UTC)) == []
