"""After the pledge, in a real browser against the app under gunicorn: a funded campaign's
business proposes a next goal with a 定期便 tier and staff approve it, then a donor sends that
定期便 to someone else, wrapped and with のし, in a delivery window."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from furusato.domain.deliveries import GiftOffer
from furusato.models import Donation, NextGoal
from furusato.services.fulfilment import gift_options
from tests.e2e.conftest import PageOpener, Served, Shots, log_in, make_staff, needs_chromium
from tests.factories import PASSWORD, make_project, make_user
from tests.support.localstripe import TEST_CARDS

pytestmark = [pytest.mark.e2e, needs_chromium]


def _funded(engine: Engine) -> tuple[int, str]:
    """A live campaign at its target (1,250,000 of 2,500,000) whose business offers wrapping,
    のし and two ヤマト windows; its id and the business's login."""
    with Session(engine, expire_on_commit=False) as s:
        owner = make_user(s, "business")
        project = make_project(s, owner.business, title="泉州タオルの新しい定番をつくる")
        project.paid_total_yen = project.reserved_total_yen = project.target_yen
        project.target_reached_at = datetime.now(UTC)
        s.commit()
    gift_options.update(owner, GiftOffer("yamato", ("am", "19-21"), wrapping=True, noshi=True))
    return project.id, owner.email


def _propose(page: Any, url: str, project_id: int) -> None:
    page.goto(f"{url}/business/projects/{project_id}")
    page.get_by_role("link", name="ネクストゴール（目標達成後の追加の目標）").click()
    page.get_by_label("ネクストゴールの金額（円）").fill("2000000")
    page.get_by_label("ネクストゴールに挑戦する理由（寄附者に表示されます）").fill(
        "織機をもう1台入れて、冬のあいだも織り続けます。"
    )
    page.get_by_label("新しいコースも一緒に追加する").check()
    page.get_by_label("寄附額（円）").fill("30000")
    page.get_by_label("返礼品名（空欄なら返礼品なしの応援コース）").fill("季節のタオル定期便")
    page.get_by_label("返礼品の説明").fill("春・夏・秋に1枚ずつお届けします。")
    page.get_by_label("返礼品の調達費（円）").fill("2500")
    page.get_by_label("送料（円）").fill("800")
    page.get_by_label("定期便のお届け月（2回以上お届けする場合）").fill("2027-04, 2027-08, 2027-12")
    page.get_by_label("地場産品基準の該当区分").select_option("3")
    page.get_by_label("地場産品である根拠（産地・製造工程など）").fill("市内の自社工場で製織")
    page.get_by_label("一般販売価格（円）").fill("3000")  # one delivery, at most 30 % of 30,000
    page.get_by_label("区域内で生じる付加価値（円、3号の場合）").fill("1800")
    page.get_by_role("button", name="市に提案する").click()
    page.get_by_text("ネクストゴールを提案しました").wait_for()


def test_next_goal_proposed_approved_and_given_to_as_a_present(
    served: Served, open_page: PageOpener, shots: Shots, committed: Engine
) -> None:
    """The business proposes a next goal with a 定期便 tier; staff approve it; the project page
    shows both targets; a donor chooses the 定期便, sends it to someone else (the recipient's
    fields appear, their address filled from the postal code) with wrapping, のし and a window,
    pays, and the confirmation and the donation say so."""
    project_id, business_email = _funded(committed)
    make_staff("goal-staff@city.example.jp", "審査 三郎")
    url = served.url

    business = open_page()
    log_in(business, url, business_email, PASSWORD)
    _propose(business, url, project_id)
    shots.take(business, "proposed")

    staff = open_page()
    log_in(staff, url, "goal-staff@city.example.jp")
    staff.goto(f"{url}/staff/next-goals")
    staff.get_by_role("link", name="泉州タオルの新しい定番をつくる").click()
    expect(staff.get_by_text("定期便 全3回")).to_be_visible()
    shots.take(staff, "staff-review")
    staff.get_by_role("button", name="承認する").click()
    staff.get_by_text("ネクストゴールを承認しました").wait_for()

    visitor = open_page()
    visitor.goto(f"{url}/projects/{project_id}")
    expect(visitor.get_by_role("progressbar", name="ネクストゴールに対する達成率")).to_be_visible()
    expect(visitor.get_by_text("ネクストゴール ¥2,000,000 の 62%")).to_be_visible()
    expect(visitor.get_by_text("織機をもう1台入れて")).to_be_visible()
    shots.take(visitor, "project-with-next-goal")

    visitor.get_by_role("link", name=re.compile("このコースで寄附する.*30,000")).click()
    recipient = visitor.get_by_label("お届け先のお名前")
    expect(recipient).to_be_hidden()
    visitor.get_by_label("別の方に贈る（ギフト）").check()
    expect(recipient).to_be_visible()
    visitor.get_by_label("お名前（漢字）").fill("寄附 花子")
    visitor.get_by_label("お名前（フリガナ）").fill("キフ ハナコ")
    visitor.get_by_label("メールアドレス").fill("present@example.jp")
    visitor.get_by_label("電話番号", exact=True).fill("090-1234-5678")
    visitor.get_by_label("郵便番号", exact=True).fill("1000001")
    expect(visitor.get_by_label("住所（番地・建物名まで）")).to_have_value(re.compile("^東京都"))
    recipient.fill("贈答 太郎")
    visitor.get_by_label("お届け先の郵便番号").fill("598-0005")
    expect(visitor.get_by_label("お届け先の住所")).to_have_value(re.compile("^大阪府泉佐野市"))
    visitor.get_by_label("お届け先の住所").fill("大阪府泉佐野市市場東1-1")
    visitor.get_by_label("お届け先の電話番号").fill("072-463-1212")
    visitor.get_by_label("贈答包装を希望する").check()
    visitor.get_by_label("のし（表書き）").select_option("oseibo")
    visitor.get_by_label("のしの名入れ（任意）").fill("寄附")
    visitor.get_by_label("配達時間帯").select_option("19-21")
    visitor.get_by_label("目標に届かなかった場合の扱いと、税控除の年の決まり方を確認しました").check()
    shots.take(visitor, "give-to-someone-else")
    visitor.get_by_role("button", name="お支払いへ進む").click()
    visitor.wait_for_selector("#card-element input")
    expect(visitor.get_by_text("お届け先: 贈答 太郎 様")).to_be_visible()
    visitor.get_by_placeholder("number").fill(TEST_CARDS["visa"])
    visitor.get_by_placeholder("exp_month").fill("12")
    visitor.get_by_placeholder("exp_year").fill("34")
    visitor.get_by_placeholder("cvc").fill("123")
    visitor.get_by_placeholder("postal_code").fill("10000")
    visitor.get_by_role("button", name="寄附する").click()
    visitor.get_by_role("heading", name="ご寄附ありがとうございました").wait_for()
    expect(visitor.get_by_text(re.compile("定期便で全3回"))).to_be_visible()
    expect(visitor.get_by_text("配達時間帯: 19時〜21時")).to_be_visible()
    shots.take(visitor, "confirmation")

    with Session(committed) as s:
        goal = s.scalar(select(NextGoal).where(NextGoal.project_id == project_id))
        assert goal is not None and goal.status == "approved"
        donation = s.scalar(select(Donation).where(Donation.email == "present@example.jp"))
        assert donation is not None and donation.status == "paid" and donation.gift
        assert (donation.recipient_name, donation.noshi, donation.delivery_window) == (
            "贈答 太郎",
            "oseibo",
            "19-21",
        )
        assert donation.tier_id in goal.added_tier_ids
