"""Fixed text the code writes, not what people entered, reaches a page in the page's language;
a Japanese page keeps the Japanese, and project content stays as its business wrote it."""

from __future__ import annotations

import html
import io
import json
import re
from datetime import date
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from furusato.config import PROJECT_ROOT, get_settings
from furusato.services.campaigns import projects, tiers
from tests.conftest import login
from tests.factories import make_donation, make_project, make_user
from tests.integration.test_shipments import make_shipment
from tests.test_translations import JAPANESE, region
from tests.web.test_staff_review import submitted

MESSAGES = re.compile(
    r'<script type="application/json" id="giving-messages">(.*?)</script>', re.DOTALL
)
GIVING_JS = PROJECT_ROOT / "platform" / "furusato" / "web" / "static" / "giving.js"


def _page(client: FlaskClient, url: str, status: int = 200, **kw: Any) -> str:
    response = client.post(url, **kw) if kw else client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


def _upload(client: FlaskClient, project_id: int, body: bytes) -> str:
    return _page(
        client,
        f"/business/projects/{project_id}/shipments/upload",
        422,
        data={"file": (io.BytesIO(body), "b2.csv")},
        content_type="multipart/form-data",
    )


# --- the shipping CSV ---------------------------------------------------------------------------


def test_shipping_upload_row_failures_follow_the_language(client: FlaskClient, db: Session) -> None:
    """Each failing row's reason is a message: a tracking number and a carrier both wrong on one
    row are two reasons, each in the page's language, like an id that is not a number."""
    owner = make_user(db, "business")
    project = make_project(db, owner.business)
    shipment = make_shipment(db, project)
    body = f"お客様管理番号,運送会社,伝票番号\r\n{shipment.id},,x\r\nABC,ヤマト運輸,1111-2222\r\n"
    login(client, owner)
    japanese = region(_upload(client, project.id, body.encode("cp932")), "div", role="alert")
    assert (
        f"2行目（お客様管理番号 {shipment.id}）: 運送会社を40文字以内で入力してください。"
        in japanese
    )
    assert (
        f"2行目（お客様管理番号 {shipment.id}）: 伝票番号は英数字とハイフン4〜40文字です。"
        in japanese
    )
    assert "3行目（お客様管理番号 ABC）: お客様管理番号が数字ではありません。" in japanese
    client.set_cookie("lang", "en")
    english = region(_upload(client, project.id, body.encode("cp932")), "div", role="alert")
    assert f"Line 2 (customer reference {shipment.id}): Please enter the carrier" in english
    assert "Line 3 (customer reference ABC): The customer reference number is not a number." in (
        english
    )
    assert not JAPANESE.search(english), english


def test_unreadable_shipping_file_follows_the_language(client: FlaskClient, db: Session) -> None:
    """A file without the needed columns, or one that is empty, is refused as a whole: line 1
    and the reason, in the page's language."""
    owner = make_user(db, "business")
    project = make_project(db, owner.business)
    login(client, owner)
    no_columns = "品名,数量\r\nタオル,1\r\n".encode("cp932")
    japanese = region(_upload(client, project.id, no_columns), "div", role="alert")
    assert "1行目: 見出し行に「お客様管理番号」と「伝票番号」の列が必要です。" in japanese
    client.set_cookie("lang", "en")
    english = region(_upload(client, project.id, no_columns), "div", role="alert")
    assert "Line 1: The header row needs a customer reference number column" in english
    assert not JAPANESE.search(english), english
    unreadable = b"\x81\xff\xfe" * 10  # neither UTF-8 nor CP932
    english = region(_upload(client, project.id, unreadable), "div", role="alert")
    assert "The file's character encoding could not be recognized" in english
    assert not JAPANESE.search(english), english


def test_shift_jis_warning_names_the_column_in_the_page_language(
    client: FlaskClient, db: Session
) -> None:
    """A character Shift_JIS lacks is reported with its column: the CSV's own Japanese name on
    a Japanese page, its English name on an English one (the character itself is data)."""
    owner = make_user(db, "business")
    project = make_project(db, owner.business)
    shipment = make_shipment(db, project, ship_name="𠮷田 花子")
    login(client, owner)
    url = f"/business/projects/{project.id}/shipments"
    assert f"配送 {shipment.id} の お届け先名: 𠮷" in _page(client, url)
    client.set_cookie("lang", "en")
    assert f"Shipment {shipment.id}, Recipient name: 𠮷" in _page(client, url)


# --- the giving script's sentences --------------------------------------------------------------


def _script_messages(page: str) -> dict[str, str]:
    found = MESSAGES.search(page)
    assert found, "the page carries no #giving-messages element"
    messages: dict[str, str] = json.loads(found.group(1))
    return messages


def test_giving_script_has_no_text_of_its_own() -> None:
    """giving.js holds no Japanese: every sentence it shows is a key it reads from the page."""
    script = GIVING_JS.read_text(encoding="utf-8")
    assert not JAPANESE.search(script), JAPANESE.findall(script)
    assert 't("network")' in script and 'getElementById("giving-messages")' in script


def test_giving_pages_carry_the_script_sentences_in_the_page_language(
    client: FlaskClient, db: Session
) -> None:
    """The give form and the payment page write the script's sentences into the JSON element it
    reads: Japanese by default, English with the cookie, a value for every key it uses."""
    project = make_project(db)
    pending = make_donation(db, project, status="pending_payment")
    keys = set(re.findall(r'\bt\("(\w+)"\)', GIVING_JS.read_text(encoding="utf-8")))
    assert {"network", "postalNotFound", "cardDeclined"} <= keys
    urls = (f"/projects/{project.id}/give", f"/donations/{pending.access_token}")
    for url in urls:
        japanese = _script_messages(_page(client, url))
        assert keys <= japanese.keys(), (url, keys - japanese.keys())
        assert japanese["network"].startswith("通信に失敗しました。")
        assert japanese["postalNotFound"] == "郵便番号が見つかりませんでした。"
    client.set_cookie("lang", "en")
    for url in urls:
        english = _script_messages(_page(client, url))
        assert keys <= english.keys(), (url, keys - english.keys())
        assert english["network"] == (
            "The connection failed. Please try again (you will not be charged twice)."
        )
        assert english["postalNotFound"] == "Postal code not found."
        assert english["address"] == "Address"
        leftovers = {k: v for k, v in english.items() if JAPANESE.search(v)}
        assert not leftovers, (url, leftovers)


# --- settlement failures ------------------------------------------------------------------------


def test_settlement_failures_show_their_meaning_in_the_page_language(
    client: FlaskClient, db: Session
) -> None:
    """A failed donation's code is explained in the staff member's language; what was stored
    after the code (an exception's text, values) is shown as it was recorded."""
    project = make_project(db, status="settling")
    make_donation(db, project, settlement_state="failed", settlement_error="no_payment_intent")
    make_donation(
        db, project, settlement_state="failed", settlement_error="error: ValueError: bad row 7"
    )
    make_donation(
        db,
        project,
        settlement_state="failed",
        settlement_error="partial_refund: refunded_yen=3000 amount_yen=10000",
    )
    login(client, make_user(db, "staff"))
    japanese = _page(client, "/staff/settlements")
    assert "決済の記録がないため返金できません。" in japanese
    assert "決済代行で一部だけ返金済みです。" in japanese and "refunded_yen=3000" in japanese
    login(client, make_user(db, "staff", locale="en"))
    page = _page(client, "/staff/settlements")
    assert "It cannot be refunded: there is no record of the payment." in page
    assert "An error occurred while settling." in page and "ValueError: bad row 7" in page
    assert "Only part of it has been refunded at the payment provider." in page
    assert "Details (as recorded)" in page and "refunded_yen=3000 amount_yen=10000" in page
    main = region(page, "main").replace(project.title, "")
    assert not JAPANESE.search(main), main
    report = _page(client, "/staff/reports?fy=2026")
    assert "FY2026 total" in report and "2026年度" not in report


# --- the city, the miss policy ------------------------------------------------------------------


def test_city_name_and_miss_policy_follow_the_language(client: FlaskClient, db: Session) -> None:
    """The city is named in the page's language in sentences and the footer; the miss policy
    is a message, with the business's own purpose (none here: the city's projects) filled in."""
    city = get_settings().city
    keep = make_project(db, miss_policy="keep", fallback_purpose="")
    refund = make_project(db)
    pending = make_donation(db, keep, status="pending_payment")
    japanese = _page(client, f"/projects/{refund.id}/give")
    assert f"{city.name}にお住まいの方もご寄附いただけますが" in japanese
    assert city.address in region(japanese, "footer")
    assert "寄附は全額返金され、受領証明書と返礼品はありません。" in japanese
    assert "次の目的に使われます: 市の事業。" in _page(client, f"/donations/{pending.access_token}")
    client.set_cookie("lang", "en")
    english = _page(client, f"/projects/{refund.id}/give")
    assert f"Residents of {city.name_en} may also donate" in english
    footer = region(english, "footer")
    assert city.name_en in footer and city.address_en in footer and not JAPANESE.search(footer)
    assert "Donations are refunded in full; no donation receipt is issued" in english
    assert city.name not in english
    payment = html.unescape(_page(client, f"/donations/{pending.access_token}"))
    assert "Donations are not refunded and are used for: the city's projects." in payment
    assert "Return gifts are handled as described on the project page." in payment


# --- forms and tables of the business and staff -------------------------------------------------


def test_local_categories_and_account_types_follow_the_language(
    client: FlaskClient, db: Session
) -> None:
    """The local-product items (in the words of 告示第5条) and the account types are messages:
    the tier form, the tier table and the bank form show them translated."""
    owner = make_user(db, "business")
    project = make_project(db, owner.business, status="draft")
    login(client, owner)
    tier_form = f"/business/projects/{project.id}/tiers/new"
    assert "3号: 当該地方団体の区域内において返礼品等の製造、加工その他の工程" in _page(
        client, tier_form
    )
    assert ">普通</option>" in _page(client, "/business/bank")
    client.set_cookie("lang", "en")
    assert "Item 3: The main part of its manufacturing, processing or other work" in _page(
        client, tier_form
    )
    table = _page(client, f"/business/projects/{project.id}")
    assert "Item 3: The main part of its manufacturing, processing or other work" in table
    assert "区域内" not in table
    bank = region(_page(client, "/business/bank"), "select", id="account_type")
    assert "Ordinary" in bank and "Savings" in bank and not JAPANESE.search(bank), bank


def test_review_changes_follow_the_language(client: FlaskClient, db: Session) -> None:
    """What changed since the last submission is named in the staff member's language: a tier
    by its number and amount, its field by its label, an added tier by its summary."""
    project, owner = submitted(db)
    login(client, make_user(db, "staff"))
    _page(client, f"/staff/review/{project.id}/reject", 302, data={"reason": "送料"})
    tiers.update_tier(owner, project.id, project.tiers[0].id, {"shipping_cost_yen": 650})
    tiers.add_tier(owner, project.id, {"amount_yen": 20_000, "delivery_month": date(2027, 5, 1)})
    projects.submit(owner, project.id)
    url = f"/staff/review/{project.id}"
    japanese = _page(client, url)
    assert "コース1（10,000円）: 送料" in japanese and "20,000円 / 返礼品なし" in japanese
    login(client, make_user(db, "staff", locale="en"))
    changes = region(_page(client, url), "table")
    assert "Tier 1 (¥10,000): Shipping" in changes
    assert "Tier 2 (¥20,000)" in changes and "¥20,000 / No return gift" in changes
    assert not JAPANESE.search(changes), changes
