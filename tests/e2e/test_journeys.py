"""The platform's three journeys in a real browser, against the app served by gunicorn:
a business's project through review, a donor's gifts to its receipt, staff paying the subsidy."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from furusato.domain.money import JST
from furusato.domain.zengin import RECORD_BYTES
from furusato.models import Donation, Payout, Project, ProjectRevision, Receipt, User
from furusato.services.settlement import closing
from tests.e2e.conftest import (
    PASSWORD,
    PageOpener,
    Served,
    Shots,
    log_in,
    make_staff,
    needs_chromium,
)
from tests.factories import make_project
from tests.support.localstripe import TEST_CARDS
from tests.support.settlement import seed_campaign
from tests.support.worker import RunningWorker

pytestmark = [pytest.mark.e2e, needs_chromium]


def _local(moment: datetime) -> str:
    """A value for <input type=datetime-local> (Japan time, to the minute)."""
    return moment.astimezone(JST).strftime("%Y-%m-%dT%H:%M")


def _nav(page: Any, name: str) -> None:
    """Click an entry of the header's menu (the journeys reach pages as people do)."""
    page.locator("header nav").get_by_role("link", name=name, exact=True).click()
    page.wait_for_load_state()


def _fill_tier(page: Any, amount: int, gift: str, description: str, limit: str = "") -> None:
    page.get_by_label("寄附額（円）").fill(str(amount))
    page.get_by_label("返礼品名（空欄なら返礼品なしの応援コース）").fill(gift)
    page.get_by_label("返礼品の説明").fill(description)
    page.get_by_label("返礼品の調達費（円）").fill(str(amount * 25 // 100))
    page.get_by_label("送料（円）").fill("800")
    page.get_by_label("数量限定（空欄なら制限なし）").fill(limit)
    page.get_by_label("お届け予定月").fill("2027-03")
    page.get_by_label("地場産品基準の該当区分").select_option(index=3)
    page.get_by_label("地場産品である根拠（産地・製造工程など）").fill("市内の自社工房で染色・縫製")
    general_price = amount * 30 // 100  # 一般販売価格: at most 30 % of the donation
    page.get_by_label("一般販売価格（円）").fill(str(general_price))
    page.get_by_label("区域内で生じる付加価値（円、3号の場合）").fill(str(general_price * 6 // 10))
    page.get_by_role("button", name="保存", exact=True).click()


def test_business_project_through_review(
    served: Served, open_page: PageOpener, shots: Shots, committed: Engine
) -> None:
    """A business signs up, writes a two-tier project and submits it; one staff member sends it
    back with a reason, the business sees it, fixes and resubmits, and another staff member adopts it."""
    make_staff("review1@city.example.jp", "審査 一郎")
    make_staff("review2@city.example.jp", "審査 二郎")
    url = served.url
    biz = open_page()
    biz.goto(url)  # the one typed address: from here on, people click
    _nav(biz, "新規登録")
    biz.get_by_label("事業者", exact=True).check()
    biz.get_by_label("お名前").fill("染谷 藍子")
    biz.get_by_label("事業者名（事業者のみ）").fill("泉州藍染工房")
    biz.get_by_label("メールアドレス").fill("aizome@example.jp")
    biz.get_by_label("パスワード（10文字以上）").fill(PASSWORD)
    shots.take(biz, "signup")
    biz.get_by_role("button", name="登録する").click()
    biz.get_by_role("heading", name="事業者ページ").wait_for()
    shots.take(biz, "business-dashboard")

    biz.get_by_role("link", name="補助金の振込口座").click()
    for label, value in {
        "金融機関コード（4桁）": "0179",
        "金融機関名（カナ）": "イズミサノシンキン",
        "支店コード（3桁）": "001",
        "支店名（カナ）": "ホンテン",
        "口座番号（7桁）": "7654321",
        "口座名義（カナ）": "カ）センシュウアイゾメコウボウ",
    }.items():
        biz.get_by_label(label).fill(value)
    biz.get_by_role("button", name="保存", exact=True).click()
    biz.get_by_text("振込口座を保存しました。").wait_for()

    biz.get_by_role("link", name="新しいプロジェクトを作る").click()
    now = datetime.now(UTC)
    biz.get_by_label("タイトル").fill("泉州の藍染めストールをつくる")
    biz.get_by_label("概要（400文字まで）").fill(
        "泉州の木綿を地元の藍で染めたストールを開発します。"
    )
    biz.get_by_label("本文（Markdown）").fill(
        "## 藍染めの工房から\n\n染め場を直し、新しい商品をつくります。"
    )
    biz.get_by_label("分野").select_option("craft")
    biz.get_by_label("補助対象経費（円）").fill("800000")
    biz.get_by_label("開始日時").fill(_local(now - timedelta(hours=1)))
    biz.get_by_label("締切日時").fill(_local(now + timedelta(days=30)))
    shots.take(biz, "project-form")
    biz.get_by_role("button", name="下書きを保存").click()
    biz.get_by_text("下書きを保存しました").wait_for()
    project_url = biz.url
    for amount, gift in ((10_000, "藍染めハンカチ"), (30_000, "藍染めストール")):
        biz.get_by_role("link", name="コースを追加").click()
        _fill_tier(biz, amount, gift, "泉州木綿を藍で染めました。")
        biz.get_by_text("コースを追加しました。").wait_for()
    biz.get_by_role("button", name="審査に提出する").click()
    biz.get_by_text("審査に提出しました").wait_for()
    shots.take(biz, "submitted")

    staff1 = open_page()
    log_in(staff1, url, "review1@city.example.jp")
    _nav(staff1, "職員ページ")
    staff1.get_by_role("link", name="審査待ちのプロジェクト").click()
    staff1.get_by_role("link", name="泉州の藍染めストールをつくる").click()
    shots.take(staff1, "staff-review")
    reason = "返礼品の説明に、木綿と藍の産地を明記してください。"
    staff1.get_by_label("理由").fill(reason)
    staff1.get_by_role("button", name="差し戻す").click()
    staff1.get_by_text("差し戻しました").wait_for()

    _nav(biz, "事業者ページ")
    biz.get_by_role("link", name="泉州の藍染めストールをつくる").first.click()
    assert biz.url == project_url
    notice = biz.get_by_role("alert").filter(has_text="市からの差し戻し理由")
    assert reason in notice.inner_text()
    shots.take(biz, "rejected-with-reason")
    biz.get_by_role("link", name="編集", exact=True).first.click()
    biz.get_by_label("返礼品の説明").fill("泉州木綿（泉佐野市産）を市内で育てた藍で染めました。")
    biz.get_by_role("button", name="保存", exact=True).click()
    biz.get_by_text("コースを保存しました。").wait_for()
    biz.get_by_role("button", name="審査に提出する").click()
    biz.get_by_text("審査に提出しました").wait_for()

    staff2 = open_page()
    log_in(staff2, url, "review2@city.example.jp")
    _nav(staff2, "職員ページ")
    staff2.get_by_role("link", name="審査待ちのプロジェクト").click()
    staff2.get_by_role("link", name="泉州の藍染めストールをつくる").click()
    assert reason in staff2.get_by_text("前回の差し戻し理由").locator("..").inner_text()
    staff2.get_by_text("泉佐野市産").first.wait_for()  # the change since the last submission
    shots.take(staff2, "second-review-with-changes")
    staff2.get_by_label("メモ（任意）").fill("産地の記載を確認しました。")
    staff2.get_by_role("button", name="採択する").click()
    staff2.get_by_text("採択しました").wait_for()
    shots.take(staff2, "approved")

    with Session(committed) as s:
        project = s.scalars(select(Project)).one()
        approver = s.get(User, project.approved_by_id)
        revisions = s.scalars(
            select(ProjectRevision).where(ProjectRevision.project_id == project.id)
        ).all()
        deciders = {r.decision: s.get(User, r.decided_by_id).email for r in revisions}  # type: ignore[union-attr]
        assert project.status == "approved" and len(project.tiers) == 2
        assert approver is not None and approver.email == "review2@city.example.jp"
        assert deciders == {
            "rejected": "review1@city.example.jp",
            "approved": "review2@city.example.jp",
        }
    _nav(biz, "事業者ページ")
    shots.take(biz, "dashboard-approved")


def _give(page: Any, tier_button: int, card: str) -> None:
    """From the project page: choose a tier, fill the form, save the card and pay."""
    page.get_by_role("link", name="このコースで寄附する").nth(tier_button).click()
    page.get_by_label("お名前（漢字）").fill("寄附 花子")
    page.get_by_label("お名前（フリガナ）").fill("キフ ハナコ")
    page.get_by_label("電話番号", exact=True).fill("090-1234-5678")
    page.get_by_label("郵便番号", exact=True).fill("1000001")
    address = page.get_by_label("住所（番地・建物名まで）")
    expect(address).to_have_value(re.compile("^東京都"))  # filled in from the postal code
    if not address.input_value().endswith("1-1"):
        address.fill(address.input_value() + "1-1")
    page.get_by_label("目標に届かなかった場合の扱いと、税控除の年の決まり方を確認しました").check()
    page.get_by_role("button", name="お支払いへ進む").click()
    page.wait_for_selector("#card-element input")
    page.get_by_placeholder("number").fill(card)
    page.get_by_placeholder("exp_month").fill("12")
    page.get_by_placeholder("exp_year").fill("34")
    page.get_by_placeholder("cvc").fill("123")
    page.get_by_placeholder("postal_code").fill("10000")
    page.get_by_role("button", name="寄附する").click()


def _state(engine: Engine) -> str:
    """Where the donations and the campaign stand (for a failure message)."""
    with engine.connect() as conn:
        donations = conn.execute(
            text("SELECT id, status, final_at, settlement_state, settlement_error FROM donations")
        ).all()
        projects = conn.execute(text("SELECT id, status, outcome FROM projects")).all()
        receipts = conn.execute(text("SELECT donation_id, number FROM receipts")).all()
    return f"donations={donations} projects={projects} receipts={receipts}"


def test_donor_gives_and_downloads_the_receipt(
    served: Served,
    open_page: PageOpener,
    shots: Shots,
    committed: Engine,
    worker: RunningWorker,
) -> None:
    """A donor finds the project by search, gives with 4242 and with a 3-D Secure card, sees the
    tax year, and after settlement downloads a receipt PDF bearing their name and its number."""
    with Session(committed) as s:
        project = make_project(
            s, title="泉州の藍染めストールをつくる", eligible_cost_yen=24_000, tiers=2
        )
        s.commit()
        project_id = project.id  # target 30,000 yen: the two gifts below reach it
    url = served.url
    page = open_page()
    page.goto(url)
    _nav(page, "新規登録")
    page.get_by_label("お名前").fill("寄附 花子")
    page.get_by_label("メールアドレス").fill("hanako@example.jp")
    page.get_by_label("パスワード（10文字以上）").fill(PASSWORD)
    page.get_by_role("button", name="登録する").click()
    page.get_by_role("heading", name="マイページ").wait_for()

    _nav(page, "プロジェクト")
    page.get_by_role("link", name="すべてのプロジェクトを見る").click()
    page.get_by_label("キーワード").fill("藍染め")
    page.get_by_role("button", name="検索").click()
    page.get_by_text("1件中").wait_for()
    shots.take(page, "search")
    page.get_by_role("link", name="泉州の藍染めストールをつくる").click()
    shots.take(page, "project-page")

    _give(page, 1, TEST_CARDS["visa"])
    page.get_by_role("heading", name="ご寄附ありがとうございました").wait_for()
    year = datetime.now(UTC).astimezone(JST).year
    assert page.locator("#tax-year").inner_text() in (f"{year}年分", f"{year + 1}年分")
    shots.take(page, "confirmation-card")

    _nav(page, "プロジェクト")
    page.get_by_role("link", name="泉州の藍染めストールをつくる").first.click()
    assert page.url.endswith(f"/projects/{project_id}")
    _give(page, 0, TEST_CARDS["3ds"])
    for step in ("card-saved", "payment"):  # the fake 3-D Secure pop-up, twice
        authenticate = page.get_by_role("button", name="Complete authentication")
        authenticate.wait_for()
        shots.take(page, f"3ds-{step}")
        authenticate.click()
    page.get_by_role("heading", name="ご寄附ありがとうございました").wait_for()
    shots.take(page, "confirmation-3ds")

    with committed.begin() as conn:  # the campaign ends
        conn.execute(
            text("UPDATE projects SET deadline = now() - interval '1 minute' WHERE id = :id"),
            {"id": project_id},
        )
    report = closing.settle_due(datetime.now(UTC))
    assert (project_id, "funded") in [(pid, outcome) for pid, outcome, _ in report.decided]

    def receipts_issued() -> bool:
        with Session(committed) as s:
            return s.scalar(select(func.count()).select_from(Receipt)) == 2

    try:
        worker.wait_for(receipts_issued, timeout=90)
    except AssertionError as exc:
        raise AssertionError(f"{_state(committed)}\n{report.describe()}\n{exc}") from None
    with Session(committed) as s:
        receipt = s.scalars(
            select(Receipt).join(Donation).where(Donation.amount_yen == 20_000)
        ).one()
        number = receipt.number
    _nav(page, "マイページ")
    link = page.get_by_role("link", name=re.compile(re.escape(number)))
    shots.take(page, "my-page-with-receipts")
    response = page.context.request.get(url + link.get_attribute("href"))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    pdf = response.body()
    assert pdf.startswith(b"%PDF-")
    words = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "寄附 花子" in words and number in words


def test_staff_pay_the_subsidy_with_four_eyes(
    served: Served,
    open_page: PageOpener,
    shots: Shots,
    committed: Engine,
    worker: RunningWorker,
) -> None:
    """After settlement one staff member prepares the subsidy payout, a second one approves it,
    and the exported Zengin transfer file is made of 120-byte records."""
    project_id = seed_campaign(committed, count=4, amount_yen=25_000)
    closing.settle_due(datetime.now(UTC))
    with Session(committed) as s:
        payout = s.scalars(select(Payout).where(Payout.project_id == project_id)).one()
        payout_id, amount = payout.id, payout.amount_yen
    make_staff("pay1@city.example.jp", "会計 一子")
    make_staff("pay2@city.example.jp", "会計 二子")
    url = served.url

    first = open_page()
    log_in(first, url, "pay1@city.example.jp")
    _nav(first, "職員ページ")
    first.get_by_role("link", name="補助金の支払（準備・承認・振込ファイル）").click()
    shots.take(first, "payouts")
    first.get_by_role("link", name=str(payout_id), exact=True).click()
    first.get_by_label("確認した支払額（円）").fill(str(amount))
    first.get_by_label("振込先の金融機関・支店・口座番号・名義を確認した").check()
    first.get_by_role("button", name="準備済みにする").click()
    first.get_by_text("この支払いはあなたが準備しました").wait_for()
    assert first.get_by_role("button", name="承認する").count() == 0
    shots.take(first, "prepared")

    second = open_page()
    log_in(second, url, "pay2@city.example.jp")
    _nav(second, "職員ページ")
    second.get_by_role("link", name="補助金の支払（準備・承認・振込ファイル）").click()
    second.get_by_role("link", name=str(payout_id), exact=True).click()
    second.get_by_role("button", name="承認する").click()
    second.get_by_text("支払いを承認しました。").wait_for()
    shots.take(second, "approved")
    second.get_by_role("link", name="支払い一覧へ戻る").click()
    second.get_by_role("button", name="承認済みの支払いを振込データにする").click()
    second.get_by_text("振込データ").first.wait_for()
    with second.expect_download() as download_info:
        second.get_by_role("link", name="全銀ファイル").click()
    shots.take(second, "exported")
    data = download_info.value.path().read_bytes()
    records = data.split(b"\r\n")
    assert records[-1] == b"" and len(records) - 1 == 4  # header, one transfer, trailer, end
    assert all(len(r) == RECORD_BYTES for r in records[:-1])
    assert [r[:1] for r in records[:-1]] == [b"1", b"2", b"8", b"9"]
    assert str(amount).encode() in records[1]
