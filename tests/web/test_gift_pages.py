"""Gifts as people want them, through the pages and the JSON API: the business's offer and
定期便 tiers, the give form's recipient and options, the donation page, the donor's page, the
shipping list."""

from __future__ import annotations

from datetime import UTC, date, datetime

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from furusato.domain.deliveries import GiftOffer
from furusato.models import Business, Donation, Project, Shipment, Tier
from furusato.services.fulfilment import gift_options
from tests.conftest import login
from tests.factories import PASSWORD, make_donation, make_project, make_user
from tests.support.giving import RESIDENT_POSTAL_CODE, give_form
from tests.support.localstripe import LocalStripe

TEIKIBIN = [date(2027, 6, 1), date(2027, 8, 1), date(2027, 10, 1)]
GIFT = {
    "ship_to": "other",
    "recipient_name": "贈答 太郎",
    "recipient_postal_code": "598-0005",
    "recipient_address": "大阪府泉佐野市市場東1-1",
    "recipient_phone": "072-463-1212",
}


def _offering(db: Session, offer: GiftOffer) -> Project:
    project = make_project(db)
    owner = make_user(db, "business", business_id=project.business_id)
    gift_options.update(owner, offer)
    return project


def _donation(db: Session, project: Project) -> Donation:
    found = db.scalar(select(Donation).where(Donation.project_id == project.id))
    assert found is not None
    return found


def test_the_business_sets_what_it_offers(client: FlaskClient, db: Session) -> None:
    """The settings page stores carrier, windows, wrapping and のし; a window the carrier does
    not have is refused on the page with its field named."""
    owner = make_user(db, "business")
    login(client, owner)
    page = client.get("/business/gift-options").get_data(as_text=True)
    assert 'name="delivery_windows"' in page and "B2クラウド" in page
    refused = client.post(
        "/business/gift-options", data={"gift_carrier": "yamato", "delivery_windows": ["12-14"]}
    )
    assert refused.status_code == 200 and "この運送会社が指定できる時間帯" in refused.get_data(
        as_text=True
    )
    saved = client.post(
        "/business/gift-options",
        data={
            "gift_carrier": "yamato",
            "delivery_windows": ["am", "19-21"],
            "offers_gift_wrapping": "y",
            "offers_noshi": "y",
        },
    )
    assert saved.status_code == 302
    business = db.get(Business, owner.business_id, populate_existing=True)
    assert business is not None and business.delivery_windows == ["am", "19-21"]
    assert business.offers_gift_wrapping and business.offers_noshi


def test_a_teikibin_tier_through_the_tier_form(client: FlaskClient, db: Session) -> None:
    """Months typed as text become the tier's 定期便; the business's table shows them; bad
    months are refused on the field."""
    owner = make_user(db, "business")
    project = make_project(db, owner.business, status="draft", tiers=0)
    login(client, owner)
    form = {
        "amount_yen": "30000",
        "gift_name": "季節の定期便",
        "procurement_cost_yen": "3000",
        "shipping_cost_yen": "800",
        "delivery_months": "2027-06, 2027-08, 2027-10",
        "local_category": "1",
        "local_evidence": "市内の農園で収穫",
        "general_price_yen": "3000",
    }
    bad = client.post(f"/business/projects/{project.id}/tiers/new", data=form | {"delivery_months": "六月"})
    assert "2027-06" in bad.get_data(as_text=True) and not project.tiers
    assert client.post(f"/business/projects/{project.id}/tiers/new", data=form).status_code == 302
    tier = db.scalar(select(Tier).where(Tier.project_id == project.id))
    assert tier is not None and tier.delivery_months == TEIKIBIN
    page = client.get(f"/business/projects/{project.id}").get_data(as_text=True)
    assert "定期便 全3回" in page and "× 3回" in page
    edit = client.get(f"/business/projects/{project.id}/tiers/{tier.id}/edit").get_data(as_text=True)
    assert 'value="2027-06, 2027-08, 2027-10"' in edit


def test_the_project_page_shows_a_teikibin_and_the_offer(client: FlaskClient, db: Session) -> None:
    """The public tier lists its deliveries, the give form's course says it is a 定期便; the
    page says what the business offers."""
    project = _offering(db, GiftOffer("yamato", ("am",), wrapping=True, noshi=False))
    project.tiers[0].delivery_months = TEIKIBIN
    db.flush()
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "定期便（全3回）" in page and "2027年10月" in page
    assert "贈答包装を承ります" in page and "のしを承ります" not in page
    give = client.get(f"/projects/{project.id}/give").get_data(as_text=True)
    assert "（定期便 全3回）" in give


def test_the_give_form_offers_only_what_the_business_offers(
    client: FlaskClient, db: Session
) -> None:
    """Recipient fields always; wrapping, のし and windows only when offered (its windows
    only); each course says whether it has a gift."""
    bare = make_project(db)
    page = client.get(f"/projects/{bare.id}/give").get_data(as_text=True)
    assert 'name="recipient_name"' in page and 'data-gift="1"' in page
    assert 'name="gift_wrapping"' not in page and 'name="noshi"' not in page
    assert 'name="delivery_window"' not in page
    offering = _offering(db, GiftOffer("yamato", ("am", "19-21"), wrapping=True, noshi=True))
    page = client.get(f"/projects/{offering.id}/give").get_data(as_text=True)
    assert 'name="gift_wrapping"' in page and "御歳暮" in page
    assert 'value="19-21"' in page and 'value="14-16"' not in page


def test_giving_to_someone_else_with_options(
    client: FlaskClient, db: Session, stripe_clean: LocalStripe
) -> None:
    """The posted recipient and options are kept and shown on the payment page."""
    project = _offering(db, GiftOffer("yamato", ("am",), wrapping=True, noshi=True))
    tier = project.tiers[0]
    form = give_form(
        tier=str(tier.id),
        amount_yen=str(tier.amount_yen),
        gift_wrapping="y",
        noshi="oseibo",
        noshi_name="山田",
        delivery_window="am",
        **GIFT,
    )
    response = client.post(f"/projects/{project.id}/give", data=form)
    assert response.status_code == 303
    donation = _donation(db, project)
    assert (donation.recipient_name, donation.recipient_postal_code) == ("贈答 太郎", "5980005")
    assert (donation.noshi, donation.delivery_window, donation.gift_wrapping) == ("oseibo", "am", True)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "お届け先: 贈答 太郎 様" in page and "のし: 御歳暮" in page and "配達時間帯: 午前中" in page


def test_a_bad_recipient_is_named_on_its_field(
    client: FlaskClient, db: Session, stripe_clean: LocalStripe
) -> None:
    """An unknown recipient postal code and a missing phone: 422 with each field's message;
    no donation is made."""
    project = make_project(db)
    tier = project.tiers[0]
    form = give_form(
        tier=str(tier.id),
        amount_yen=str(tier.amount_yen),
        **(GIFT | {"recipient_postal_code": "999-9999", "recipient_phone": ""}),
    )
    response = client.post(f"/projects/{project.id}/give", data=form)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "見つからない郵便番号です。" in page and "入力してください。" in page
    assert db.scalar(select(Donation).where(Donation.project_id == project.id)) is None


def test_a_resident_donor_gives_without_a_gift_even_to_someone_outside(
    client: FlaskClient, db: Session, stripe_clean: LocalStripe
) -> None:
    """The page states the donor's rule; a resident's pledge with a recipient keeps neither."""
    project = make_project(db)
    tier = project.tiers[0]
    page = client.get(f"/projects/{project.id}/give").get_data(as_text=True)
    assert "お届け先が市外でも返礼品をお送りできません" in page
    outside = GIFT | {"recipient_postal_code": "100-0001", "recipient_address": "東京都千代田区千代田1-1"}
    form = give_form(
        tier=str(tier.id),
        amount_yen=str(tier.amount_yen),
        postal_code=RESIDENT_POSTAL_CODE,
        address="大阪府泉佐野市市場東1-1",
        **outside,
    )
    assert client.post(f"/projects/{project.id}/give", data=form).status_code == 303
    donation = _donation(db, project)
    assert donation.resident and not donation.gift and donation.recipient_name == ""


def test_the_donor_and_the_business_see_each_delivery(client: FlaskClient, db: Session) -> None:
    """A 定期便 to someone else: the donor's page lists 1/3, 2/3, 3/3; the shipping list shows
    the deliveries, the sender and the options."""
    project = make_project(db)
    owner = make_user(db, "business", business_id=project.business_id)
    donor_user = make_user(db, "donor")
    donation = make_donation(
        db, project, user_id=donor_user.id, recipient_name="贈答 太郎", noshi="orei", delivery_window="am"
    )
    for n, month in enumerate(TEIKIBIN, start=1):
        db.add(
            Shipment(
                donation_id=donation.id,
                delivery_number=n,
                delivery_count=3,
                project_id=project.id,
                tier_id=project.tiers[0].id,
                scheduled_month=month,
                ship_name="贈答 太郎",
                ship_postal_code="5980005",
                ship_address="大阪府泉佐野市市場東1-1",
                ship_phone="072-463-1212",
                gift_from=donation.donor_name,
                noshi="orei",
                delivery_window="am",
            )
        )
    db.flush()
    login(client, donor_user)
    mine = client.get("/me").get_data(as_text=True)
    assert "1/3回目" in mine and "3/3回目" in mine and "お届け先: 贈答 太郎 様" in mine
    login(client, owner)
    listing = client.get(f"/business/projects/{project.id}/shipments").get_data(as_text=True)
    assert "定期便 2/3回目" in listing and f"{donation.donor_name} 様より（ギフト）" in listing
    assert "のし: 御礼" in listing and "時間帯: 午前中" in listing


def _auth(client: FlaskClient, email: str) -> dict[str, str]:
    response = client.post("/api/v1/tokens", json={"email": email, "password": PASSWORD})
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def test_the_api_sets_the_offer_and_a_pledge_asks_within_it(client: FlaskClient, db: Session) -> None:
    """PUT the offer; the project shows it and the 定期便's months; a pledge with a recipient
    and options is answered with them; a window not offered is a 422 naming the field."""
    project = make_project(db)
    project.tiers[0].delivery_months = TEIKIBIN
    owner = make_user(db, "business", business_id=project.business_id)
    db.flush()
    headers = _auth(client, owner.email)
    put = client.put(
        "/api/v1/business/gift-options",
        json={"carrier": "sagawa", "delivery_windows": ["am", "12-14"], "gift_wrapping": True, "noshi": True},
        headers=headers,
    )
    assert put.status_code == 200 and put.get_json()["delivery_windows"] == ["am", "12-14"]
    assert client.get("/api/v1/business/gift-options", headers=headers).get_json()["carrier"] == "sagawa"
    shown = client.get(f"/api/v1/projects/{project.id}").get_json()
    assert [w["code"] for w in shown["gift_options"]["delivery_windows"]] == ["am", "12-14"]
    assert shown["gift_options"]["gift_wrapping"] and shown["gift_options"]["noshi"]
    assert shown["tiers"][0]["delivery_months"] == ["2027-06-01", "2027-08-01", "2027-10-01"]
    pledge = {
        "tier_id": project.tiers[0].id,
        "amount_yen": project.tiers[0].amount_yen,
        "card_setup": False,
        "donor": {
            "name": "寄附 花子",
            "name_kana": "キフ ハナコ",
            "email": "hanako@example.jp",
            "phone": "090-1234-5678",
            "postal_code": "100-0001",
            "address": "東京都千代田区千代田1-1",
        },
        "gift": {
            "recipient": {
                "name": "贈答 太郎",
                "postal_code": "598-0005",
                "address": "大阪府泉佐野市市場東1-1",
                "phone": "072-463-1212",
            },
            "wrapping": True,
            "noshi": "oseibo",
            "delivery_window": "12-14",
        },
    }
    made = client.post(f"/api/v1/projects/{project.id}/donations", json=pledge)
    assert made.status_code == 201, made.get_json()
    gift = made.get_json()["gift_delivery"]
    assert gift["recipient"]["postal_code"] == "5980005" and gift["delivery_window"] == "12-14"
    refused = client.post(
        f"/api/v1/projects/{project.id}/donations",
        json=pledge | {"gift": pledge["gift"] | {"delivery_window": "19-21"}},
    )
    assert refused.status_code == 422 and "delivery_window" in refused.get_json()["errors"]


def test_the_api_lists_each_delivery(client: FlaskClient, db: Session) -> None:
    """The shipping list's API rows carry the delivery number and the donor's choices."""
    project = make_project(db)
    owner = make_user(db, "business", business_id=project.business_id)
    donation = make_donation(db, project)
    db.add(
        Shipment(
            donation_id=donation.id,
            delivery_number=2,
            delivery_count=3,
            project_id=project.id,
            tier_id=project.tiers[0].id,
            scheduled_month=TEIKIBIN[1],
            ship_name="贈答 太郎",
            ship_postal_code="5980005",
            ship_address="大阪府泉佐野市市場東1-1",
            ship_phone="072-463-1212",
            gift_from="寄附 花子",
            gift_wrapping=True,
            created_at=datetime.now(UTC),
        )
    )
    db.flush()
    rows = client.get(
        f"/api/v1/projects/{project.id}/shipments", headers=_auth(client, owner.email)
    ).get_json()["shipments"]
    assert [(r["delivery_number"], r["delivery_count"], r["gift_from"], r["gift_wrapping"]) for r in rows] == [
        (2, 3, "寄附 花子", True)
    ]


def test_the_shift_jis_csv_is_served_as_shift_jis(client: FlaskClient, db: Session) -> None:
    """The CP932 download says charset=Shift_JIS (a browser or tool decoding by the header
    reads it right); the UTF-8 one says utf-8."""
    project = make_project(db)
    login(client, make_user(db, "business", business_id=project.business_id))
    url = f"/business/projects/{project.id}/shipments?format=csv"
    sjis = client.get(url + "&encoding=cp932")
    assert sjis.headers["Content-Type"] == "text/csv; charset=Shift_JIS"
    assert client.get(url).headers["Content-Type"] == "text/csv; charset=utf-8"
