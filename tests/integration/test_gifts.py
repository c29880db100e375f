"""Gifts as people want them, through the services on PostgreSQL: a 定期便's deliveries, a gift
sent to someone else, wrapping, のし and delivery windows, and all of it in the carrier's CSV
and back."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from furusato.domain.deliveries import GiftChoice, GiftOffer, Recipient
from furusato.domain.money import cap_yen, target_yen
from furusato.models import Donation, OutboundEmail, Project, Shipment, Tier, User
from furusato.services.campaigns import tiers
from furusato.services.errors import Forbidden, ValidationFailed
from furusato.services.fulfilment import gift_options, shipments, shipping_csv
from furusato.services.giving import donation_views
from furusato.services.settlement import closing, ledger, work
from tests.conftest import TaskRecorder
from tests.factories import make_donation, make_project, make_tier, make_user
from tests.integration.test_settlement import run_sent_chunks
from tests.support.giving import OUTSIDE_POSTAL_CODE, RESIDENT_POSTAL_CODE, donor, pledge

NOW = datetime.now(UTC)
TEIKIBIN = [date(2027, 6, 1), date(2027, 8, 1), date(2027, 10, 1)]
SOMEONE = Recipient("贈答 太郎", "598-0005", "大阪府泉佐野市市場東1-1", "072-463-1212")
RESIDENT_DONOR = donor(postal_code=RESIDENT_POSTAL_CODE, address="大阪府泉佐野市市場東1-1")


def _fresh(db: Session, model: type, row_id: int):  # type: ignore[no-untyped-def]
    return db.get(model, row_id, populate_existing=True)


def _owner(db: Session, project: Project) -> User:
    return make_user(db, "business", business_id=project.business_id)


def _offer(db: Session, project: Project, offer: GiftOffer) -> User:
    owner = _owner(db, project)
    gift_options.update(owner, offer)
    return owner


def _settled(db: Session, sent: TaskRecorder, project: Project) -> list[Shipment]:
    """Close the campaign now, funded by its paid donations (its eligible cost set so that
    they reach the target), and run its settlement; its shipments in list order."""
    paid = db.scalars(
        select(Donation.amount_yen).where(
            Donation.project_id == project.id, Donation.status == "paid"
        )
    ).all()
    project.eligible_cost_yen = sum(paid) * project.subsidy_rate_percent // 50
    project.target_yen = target_yen(project.eligible_cost_yen, project.subsidy_rate_percent)
    project.cap_yen = cap_yen(project.eligible_cost_yen, project.subsidy_rate_percent)
    project.paid_total_yen = project.reserved_total_yen = sum(paid)
    project.deadline = NOW - timedelta(minutes=1)
    db.flush()
    closing.settle_due(NOW)
    run_sent_chunks(sent)
    return list(
        db.scalars(
            select(Shipment)
            .where(Shipment.project_id == project.id)
            .order_by(Shipment.donation_id, Shipment.delivery_number)
        )
    )


# --- 定期便 ---------------------------------------------------------------------------------


def test_a_teikibin_donation_gets_one_shipment_per_delivery(
    db: Session, sent_tasks: TaskRecorder
) -> None:
    """Three months, three shipments (1/3, 2/3, 3/3) in their months; the ledger books the
    gift and shipping of all three."""
    project = make_project(db)
    tier = project.tiers[0]
    tier.amount_yen, tier.procurement_cost_yen, tier.shipping_cost_yen = 30_000, 3_000, 800
    tier.delivery_month, tier.delivery_months = TEIKIBIN[0], TEIKIBIN
    donation = make_donation(db, project, tier=tier)
    made = _settled(db, sent_tasks, project)
    assert [(s.delivery_number, s.delivery_count, s.scheduled_month) for s in made] == [
        (1, 3, TEIKIBIN[0]),
        (2, 3, TEIKIBIN[1]),
        (3, 3, TEIKIBIN[2]),
    ]
    assert {s.donation_id for s in made} == {donation.id}
    totals = ledger.totals(db, project.id)
    assert totals["gift_cost"] == -9_000 and totals["shipping_cost"] == -2_400


def test_a_single_delivery_is_one_shipment_of_one(db: Session, sent_tasks: TaskRecorder) -> None:
    """A tier without 定期便 months ships once, numbered 1 of 1, costed once."""
    project = make_project(db)
    make_donation(db, project)
    made = _settled(db, sent_tasks, project)
    assert [(s.delivery_number, s.delivery_count) for s in made] == [(1, 1)]
    assert ledger.totals(db, project.id)["gift_cost"] == -project.tiers[0].procurement_cost_yen


def test_settling_twice_adds_no_delivery(db: Session, sent_tasks: TaskRecorder) -> None:
    """Shipments are keyed by donation and delivery number: a chunk run again adds none."""
    project = make_project(db)
    project.tiers[0].delivery_months = TEIKIBIN
    donation = make_donation(db, project)
    _settled(db, sent_tasks, project)
    donation.settlement_state = "pending"
    db.flush()
    work.run_chunk(project.id, [donation.id])
    assert len(db.scalars(select(Shipment).where(Shipment.donation_id == donation.id)).all()) == 3


def test_a_tiers_months_are_stored_as_a_teikibin_or_a_single_month(db: Session) -> None:
    """Three months make a 定期便 promised from its first; one month is the promised month;
    months out of order are refused with the field named."""
    owner = make_user(db, "business")
    project = make_project(db, owner.business, status="draft", tiers=0)
    values = {
        "amount_yen": 30_000,
        "gift_name": "季節の定期便",
        "procurement_cost_yen": 3_000,
        "shipping_cost_yen": 800,
        "local_category": 1,
        "local_evidence": "市内の農園で収穫",
        "general_price_yen": 3_000,
    }
    three = _fresh(db, Tier, tiers.add_tier(owner, project.id, values | {"delivery_months": TEIKIBIN}))
    assert three.delivery_months == TEIKIBIN and three.delivery_month == TEIKIBIN[0]
    one = _fresh(db, Tier, tiers.add_tier(owner, project.id, values | {"delivery_months": TEIKIBIN[:1]}))
    assert one.delivery_months == [] and one.delivery_month == TEIKIBIN[0]
    with pytest.raises(ValidationFailed) as refused:
        tiers.add_tier(owner, project.id, values | {"delivery_months": TEIKIBIN[::-1]})
    assert "delivery_months" in refused.value.fields


# --- who it goes to, and how ----------------------------------------------------------------


def test_a_resident_donor_sending_to_someone_outside_gets_no_gift(db: Session) -> None:
    """The residency rule is the donor's: a donor living in the city gets no gift even for a
    recipient outside it; nothing of the recipient is kept and no unit is taken."""
    project = make_project(db)
    outside = Recipient("市外 次郎", OUTSIDE_POSTAL_CODE, "東京都千代田区千代田1-1", "03-1234-5678")
    made = pledge(
        project.id,
        tier_id=project.tiers[0].id,
        details=RESIDENT_DONOR,
        card_setup=False,
        gift=GiftChoice(outside),
    )
    assert made.resident and not made.gift
    donation = _fresh(db, Donation, made.id)
    assert donation.tier_id is None and donation.recipient_name == ""


def test_an_outside_donor_sending_to_a_resident_gets_the_gift(
    db: Session, sent_tasks: TaskRecorder
) -> None:
    """A donor outside the city may send the gift to someone living in it: the gift is kept,
    and it ships to the recipient, with the donor's name as the sender."""
    project = make_project(db)
    made = pledge(
        project.id, tier_id=project.tiers[0].id, card_setup=False, gift=GiftChoice(SOMEONE)
    )
    assert made.gift and not made.resident
    donation = _fresh(db, Donation, made.id)
    assert (donation.recipient_name, donation.recipient_postal_code) == ("贈答 太郎", "5980005")
    donation.status, donation.paid_at = "paid", NOW
    db.flush()
    (shipment,) = _settled(db, sent_tasks, project)
    assert (shipment.ship_name, shipment.ship_postal_code, shipment.ship_address) == (
        "贈答 太郎",
        "5980005",
        "大阪府泉佐野市市場東1-1",
    )
    assert shipment.ship_phone == "072-463-1212" and shipment.gift_from == donation.donor_name


def test_a_recipients_postal_code_is_checked_like_the_donors(db: Session) -> None:
    """An unknown or malformed postal code is refused on the recipient's field."""
    project = make_project(db)
    for code in ("999-9999", "12-34"):
        person = Recipient("贈答 太郎", code, "どこか1-1", "072-463-1212")
        with pytest.raises(ValidationFailed) as refused:
            pledge(project.id, tier_id=project.tiers[0].id, card_setup=False, gift=GiftChoice(person))
        assert "recipient.postal_code" in refused.value.fields


def test_only_what_the_business_offers_may_be_asked_for(db: Session) -> None:
    """Wrapping, のし and a window are refused until the business offers them, then kept."""
    project = make_project(db)
    tier_id = project.tiers[0].id
    asked = GiftChoice(wrapping=True, noshi="oseibo", noshi_name="山田", delivery_window="am")
    with pytest.raises(ValidationFailed) as refused:
        pledge(project.id, tier_id=tier_id, card_setup=False, gift=asked)
    assert set(refused.value.fields) == {"gift_wrapping", "noshi", "delivery_window"}
    _offer(db, project, GiftOffer("yamato", ("am", "19-21"), wrapping=True, noshi=True))
    made = pledge(project.id, tier_id=tier_id, card_setup=False, gift=asked)
    donation = _fresh(db, Donation, made.id)
    assert (donation.gift_wrapping, donation.noshi, donation.noshi_name) == (True, "oseibo", "山田")
    assert donation.delivery_window == "am" and donation.recipient_name == ""


def test_a_tier_without_a_gift_keeps_no_choice(db: Session) -> None:
    """A support-only tier sends nothing: a recipient given with it is not kept."""
    project = make_project(db)
    support = make_tier(db, project, position=1, amount_yen=5_000, gift_name="")
    made = pledge(project.id, tier_id=support.id, amount_yen=5_000, card_setup=False, gift=GiftChoice(SOMEONE))
    assert not made.gift and _fresh(db, Donation, made.id).recipient_name == ""


def test_a_business_sets_only_what_its_carrier_has(db: Session) -> None:
    """ヤマト has no 12–14 window: refused; 佐川 has it. Only a business sets its offer."""
    project = make_project(db)
    owner = _owner(db, project)
    with pytest.raises(ValidationFailed):
        gift_options.update(owner, GiftOffer("yamato", ("12-14",)))
    saved = gift_options.update(owner, GiftOffer("sagawa", ("19-21", "12-14"), noshi=True))
    assert saved.windows == ("12-14", "19-21") and gift_options.current(owner) == saved
    with pytest.raises(Forbidden):
        gift_options.update(make_user(db, "donor"), GiftOffer())


# --- the shipping CSV and its upload --------------------------------------------------------


def _gift_shipments(db: Session, sent: TaskRecorder, carrier: str) -> tuple[User, Project, list[Shipment]]:
    project = make_project(db)
    owner = _offer(db, project, GiftOffer(carrier, ("am",), wrapping=True, noshi=True))
    tier = project.tiers[0]
    tier.delivery_month, tier.delivery_months = TEIKIBIN[0], TEIKIBIN
    make_donation(
        db,
        project,
        donor_name="山田 花子",
        recipient_name="贈答 太郎",
        recipient_postal_code="5980005",
        recipient_address="大阪府泉佐野市市場東1-1",
        recipient_phone="072-463-1212",
        gift_wrapping=True,
        noshi="oseibo",
        noshi_name="山田",
        delivery_window="am",
    )
    return owner, project, _settled(db, sent, project)


def _csv(data: bytes, encoding: str) -> list[dict[str, str]]:
    text = data.decode("utf-8-sig" if encoding == "utf-8" else encoding)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == shipping_csv.HEADER
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


@pytest.mark.parametrize(("carrier", "code"), [("yamato", "0812"), ("sagawa", "01")])
def test_the_csv_carries_each_delivery_and_the_donors_choices(
    db: Session, sent_tasks: TaskRecorder, carrier: str, code: str
) -> None:
    """Shift_JIS, one row per delivery: the recipient, 定期便 n/N, the carrier's window code and
    its words, wrapping, のし and 名入れ, the donor as sender, and the label's 記事."""
    owner, project, made = _gift_shipments(db, sent_tasks, carrier)
    data, substitutions = shipments.export_csv(owner, project.id, encoding="cp932")
    rows = _csv(data, "cp932")
    assert substitutions == [] and [r["お客様管理番号"] for r in rows] == [str(s.id) for s in made]
    second = rows[1]
    assert second["お届け先名"] == "贈答 太郎" and second["お届け先郵便番号"] == "5980005"
    assert second["お届け予定月"] == "2027-08" and second["定期便"] == "2/3回目"
    assert (second["配達時間帯"], second["配達時間帯名"]) == (code, "午前中")
    assert (second["贈答包装"], second["のし"], second["のし名入れ"]) == ("あり", "御歳暮", "山田")
    assert second["贈り主名"] == "山田 花子"
    assert second["記事"] == "定期便2/3回目・山田 花子様より・贈答包装・のし：御歳暮（山田）"
    assert second["ご依頼主名"] == project.business.name


def test_a_plain_gift_leaves_the_new_columns_empty(db: Session, sent_tasks: TaskRecorder) -> None:
    """A gift to the donor, once, with nothing asked: the added columns are empty."""
    project = make_project(db)
    make_donation(db, project)
    _settled(db, sent_tasks, project)
    owner = _owner(db, project)
    (row,) = _csv(shipments.export_csv(owner, project.id, encoding="utf-8")[0], "utf-8")
    added = shipping_csv.HEADER[shipping_csv.HEADER.index("定期便") :]
    assert [row[name] for name in added] == [""] * len(added)


def test_the_carriers_export_marks_one_delivery_sent(db: Session, sent_tasks: TaskRecorder) -> None:
    """e飛伝's own column names (お客様管理ナンバー, お問合せ送り状No.) are read back: the second
    delivery alone is sent, and the donor hears which delivery of the 定期便 it is."""
    owner, project, made = _gift_shipments(db, sent_tasks, "sagawa")
    upload = "お客様管理ナンバー,お問合せ送り状No.,運送会社\r\n" f"{made[1].id},400012345678,佐川急便\r\n"
    report = shipments.import_sent(owner, project.id, upload.encode("cp932"))
    assert report.ok and report.applied == [made[1].id]
    states = [_fresh(db, Shipment, s.id).status for s in made]
    assert states == ["scheduled", "sent", "scheduled"]
    mail = db.scalar(select(OutboundEmail).where(OutboundEmail.key == f"shipment:{made[1].id}:sent"))
    assert mail is not None and "（定期便2/3回目）" in mail.subject
    assert "お届け先: 贈答 太郎 様" in mail.body_text


def test_the_donors_page_lists_every_delivery(db: Session, sent_tasks: TaskRecorder) -> None:
    """Each delivery of a 定期便 is its own line of the donor's history, in order."""
    project = make_project(db)
    project.tiers[0].delivery_months = TEIKIBIN
    donor_user = make_user(db, "donor")
    make_donation(db, project, user_id=donor_user.id)
    _settled(db, sent_tasks, project)
    (row,) = donation_views.for_donor_page(donor_user.id)
    assert [(s.delivery_number, s.scheduled_month) for s in row.shipments] == list(
        zip((1, 2, 3), TEIKIBIN, strict=True)
    )
