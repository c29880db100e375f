"""Every role's whole story on the demo `make run` loads, clicked through (no typed URL after
the home page) at a desktop width and at a phone's, with a screenshot of every page.

Each page must fit its screen: `document.documentElement.scrollWidth` is at most the viewport's
width (a wide table scrolls inside its own box). Screenshots are saved as
`<artifacts>/screenshots/<role>-<page>-<width>.png`, where <artifacts> is $FURUSATO_ARTIFACTS or
test-artifacts/ (gitignored).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from furusato.demo import seed
from furusato.demo.content import DEMO_PASSWORD
from furusato.domain.states import PayoutStatus
from furusato.models import Payout
from tests.e2e.conftest import ARTIFACTS_ROOT, Served
from tests.support.localstripe import TEST_CARDS
from tests.support.worker import RunningWorker

pytestmark = [pytest.mark.e2e]

SCREENSHOTS = ARTIFACTS_ROOT / "screenshots"
DESKTOP, PHONE = 1280, 390
HEIGHTS = {DESKTOP: 900, PHONE: 844}

# The outermost elements reaching past the right edge (named in a failure message).
OVERFLOWING = """() => {
  const limit = document.documentElement.clientWidth + 0.5;
  const past = e => e.getBoundingClientRect().right > limit;
  const scrolls = e => ['auto', 'scroll', 'hidden'].includes(getComputedStyle(e).overflowX);
  const contained = e => { for (let a = e.parentElement; a; a = a.parentElement) {
    if (scrolls(a) && a !== document.body && a !== document.documentElement) return true; }
    return false; };
  return [...document.querySelectorAll('body *')]
    .filter(e => past(e) && !contained(e) && !(e.parentElement && past(e.parentElement)))
    .slice(0, 8)
    .map(e => e.tagName.toLowerCase() + '.' + (e.getAttribute('class') || '').split(' ')[0]
              + ' ' + Math.round(e.getBoundingClientRect().right) + 'px');
}"""


@dataclass
class Visit:
    """One person's browser at one width: it looks at each page it reaches."""

    page: Any
    role: str
    width: int
    seen: list[str]

    def look(self, name: str) -> None:
        self.page.wait_for_load_state()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{self.role}-{name}-{self.width}.png"
        self.page.screenshot(path=str(path), full_page=True)
        wide = self.page.evaluate("document.documentElement.scrollWidth")
        assert wide <= self.width, (
            f"{self.role}/{name} at {self.width}px scrolls sideways ({wide}px): "
            f"{self.page.evaluate(OVERFLOWING)} ({self.page.url})"
        )
        self.seen.append(name)

    def click(
        self, name: str | re.Pattern[str], *, within: str = "main", exact: bool = True
    ) -> None:
        self.page.locator(within).get_by_role("link", name=name, exact=exact).first.click()
        self.page.wait_for_load_state()

    def nav(self, name: str) -> None:
        self.click(name, within="header nav")


@pytest.fixture
def demo(served: Served) -> Iterator[Served]:
    """The demo, loaded through the services (and the served app's localstripe) as `make run`
    loads it."""
    seed.seed()
    yield served


@pytest.fixture
def visit(browser: Any, demo: Served) -> Iterator[Any]:
    contexts: list[Any] = []

    def start(role: str, email: str, width: int) -> Visit:
        context = browser.new_context(
            locale="ja-JP",
            viewport={"width": width, "height": HEIGHTS[width]},
            accept_downloads=True,
        )
        context.set_default_timeout(20_000)
        contexts.append(context)
        page = context.new_page()
        page.goto(demo.url)  # the one typed address: the platform's home page
        seen = Visit(page, role, width, [])
        seen.nav("ログイン")
        page.get_by_label("メールアドレス").fill(email)
        page.get_by_label("パスワード").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="ログイン").click()
        page.wait_for_load_state()
        assert "/login" not in page.url, f"{email} could not log in"
        return seen

    yield start
    for context in contexts:
        context.close()


def _pay(v: Visit) -> None:
    """From a project page: the first tier, the donor's saved details, the 4242 card."""
    page = v.page
    page.get_by_role("link", name="このコースで寄附する").first.click()
    page.get_by_label("お名前（漢字）").wait_for()
    v.look("give")
    for label, value in {
        "お名前（漢字）": "山田 花子",
        "お名前（フリガナ）": "ヤマダ ハナコ",
        "電話番号": "090-1234-5678",
    }.items():
        field = page.get_by_label(label, exact=True)
        if not field.input_value():
            field.fill(value)
    postal = page.get_by_label("郵便番号", exact=True)
    if not postal.input_value():
        postal.fill("1000001")
        address = page.get_by_label("住所（番地・建物名まで）")
        expect(address).to_have_value(re.compile("^東京都"))
        address.fill(address.input_value() + "1-1")
    page.get_by_label("目標に届かなかった場合の扱いと、税控除の年の決まり方を確認しました").check()
    page.get_by_role("button", name="お支払いへ進む").click()
    page.wait_for_selector("#card-element input")
    v.look("card")
    page.get_by_placeholder("number").fill(TEST_CARDS["visa"])
    page.get_by_placeholder("exp_month").fill("12")
    page.get_by_placeholder("exp_year").fill("34")
    page.get_by_placeholder("cvc").fill("123")
    page.get_by_placeholder("postal_code").fill("10000")
    page.get_by_role("button", name="寄附する").click()
    page.get_by_role("heading", name="ご寄附ありがとうございました").wait_for()
    v.look("confirmation")


def _donor(v: Visit) -> None:
    page = v.page
    page.get_by_role("heading", name="マイページ").wait_for()
    v.look("mypage")
    v.nav("プロジェクト")
    v.look("home")
    v.click("後晒しの泉州タオルを、ホテル仕様の厚手で")
    expect(page.locator(".meter svg[role=img]")).to_have_attribute("aria-label", re.compile("目標"))
    v.look("project")
    _pay(v)
    v.nav("マイページ")
    v.look("mypage-after-giving")
    v.click("寄附金受領証明書の一覧")
    page.get_by_role("heading", name="寄附金受領証明書").wait_for()
    v.look("receipts")
    summary = page.get_by_role("link", name=re.compile("年間まとめ")).first
    answer = page.context.request.get(page.url.split("/me")[0] + summary.get_attribute("href"))
    assert answer.ok and answer.body().startswith(b"%PDF-")


def _business(v: Visit) -> None:
    page = v.page
    page.get_by_role("heading", name="事業者ページ").wait_for()
    v.look("dashboard")
    v.click("泉州タオルで、部活の子どもたちにスポーツタオルを")
    shown = "chart-narrow" if v.width == PHONE else "chart-wide"
    chart = page.locator("figure.chart svg[role=img]:visible")
    expect(chart).to_have_count(1)
    expect(chart).to_have_class(re.compile(shown))
    assert chart.locator("polyline.curve").get_attribute("points")
    assert page.locator("figure.chart table caption").inner_text().startswith("寄附の累計")
    v.look("project-settled")
    v.click("返礼品の配送リスト")
    page.get_by_role("heading", name=re.compile("^配送リスト")).wait_for()
    v.look("shipments")
    v.click("事業者ページへ戻る")
    v.click("後晒しの泉州タオルを、ホテル仕様の厚手で")
    v.look("project-live")
    v.click("補助金の支払")
    page.get_by_role("heading", name="補助金の支払").wait_for()
    v.look("payouts")


def _staff(v: Visit, engine: Engine, first_pass: bool) -> None:
    page = v.page
    page.get_by_role("heading", name="職員ページ").wait_for()
    chart = page.locator("figure.chart svg[role=img]:visible")
    expect(chart).to_have_count(1)
    expect(chart).to_have_class(re.compile("chart-narrow" if v.width == PHONE else "chart-wide"))
    assert chart.locator("rect.bar").count() > 0, "the year's donations per day draw no bar"
    assert page.locator("figure.chart .visually-hidden table caption").count() == 1
    v.look("dashboard")
    for link, heading, name in (
        ("審査待ちのプロジェクト", "審査待ちのプロジェクト", "review-queue"),
        ("精算の状況と決済代行との照合", "精算の状況", "settlements"),
        ("ワンストップ特例の申請", re.compile("^ワンストップ特例"), "onestop"),
        ("集計・レポート", re.compile("^報告"), "reports"),
        ("監査ログ", "監査ログ", "audit"),
        ("補助金の支払（準備・承認・振込ファイル）", "補助金の支払い", "payouts"),
    ):
        if name != "review-queue":
            v.nav("職員ページ")
        v.click(link)
        page.get_by_role("heading", name=heading).first.wait_for()
        v.look(name)
    with Session(engine) as s:
        payout = s.scalars(select(Payout)).one()
        payout_id, status = payout.id, payout.status
    v.click(str(payout_id))
    if first_pass:
        assert status == PayoutStatus.PREPARED, "the demo's payout waits for a second approver"
        page.get_by_role("button", name="承認する").click()
        page.get_by_text("支払いを承認しました。").wait_for()
    v.look("payout")


@pytest.mark.parametrize("role", ["donor", "business", "staff"])
def test_each_role_story_fits_a_desktop_and_a_phone(
    role: str, visit: Any, committed: Engine, worker: RunningWorker
) -> None:
    """The role's main pages, reached by clicking from the home page, at 1280 and 390 px: each
    fits the screen's width and is saved as a screenshot."""
    email = {
        "donor": "donor@example.jp",
        "business": "towel@business.example.jp",
        "staff": "staff2@izumisano.example.jp",
    }[role]
    for width in (DESKTOP, PHONE):
        v = visit(role, email, width)
        if role == "donor":
            _donor(v)
        elif role == "business":
            _business(v)
        else:
            _staff(v, committed, first_pass=width == DESKTOP)
        assert len(v.seen) >= 5, v.seen
        for name in v.seen:
            assert (SCREENSHOTS / f"{role}-{name}-{width}.png").stat().st_size > 0
