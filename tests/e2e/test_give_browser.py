"""A donor gives through a real browser: the form, localstripe's stripe.js, 3-D Secure."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from furusato.models import Donation, Project
from tests.factories import PASSWORD, make_donation, make_project, make_user
from tests.support.live_server import LiveServer
from tests.support.localstripe import TEST_CARDS, LocalStripe

CHROMIUM = "/usr/bin/chromium"
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Debian's chromium"),
]


@pytest.fixture
def page(live_stripe: LiveServer) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        context = browser.new_context(locale="ja-JP")
        context.set_default_timeout(15_000)
        yield context.new_page()
        context.close()
        browser.close()


def _give(page: Any, live: LiveServer, project_id: int, tier_id: int, email: str) -> None:
    page.goto(f"{live.url}/projects/{project_id}/give?tier={tier_id}")
    page.get_by_label("お名前（漢字）").fill("寄附 花子")
    page.get_by_label("お名前（フリガナ）").fill("キフ ハナコ")
    page.get_by_label("メールアドレス").fill(email)
    page.get_by_label("電話番号", exact=True).fill("090-1234-5678")
    page.get_by_label("郵便番号", exact=True).fill("1000001")
    # The postal-code API fills the address in; the donor adds the street number.
    address = page.get_by_label("住所（番地・建物名まで）")
    # A locator assertion, not wait_for_function: the page's CSP forbids eval, which a string
    # predicate needs.
    expect(page.locator("#address")).to_have_value(re.compile("^東京都"))
    address.fill(address.input_value() + "1-1")
    page.get_by_label("目標に届かなかった場合の扱いと、税控除の年の決まり方を確認しました").check()
    page.get_by_role("button", name="お支払いへ進む").click()
    page.wait_for_selector("#card-element input")


def _card(page: Any, number: str) -> None:
    page.get_by_placeholder("number").fill(number)
    page.get_by_placeholder("exp_month").fill("12")
    page.get_by_placeholder("exp_year").fill("34")
    page.get_by_placeholder("cvc").fill("123")
    page.get_by_placeholder("postal_code").fill("10000")


def _project(committed: Engine) -> tuple[int, int]:
    with Session(committed) as s:
        project = make_project(s)
        s.commit()
        return project.id, project.tiers[0].id


def _status(committed: Engine, email: str) -> str:
    with Session(committed) as s:
        donation = s.scalar(select(Donation).where(Donation.email == email))
        assert donation is not None
        return donation.status


def test_donor_gives_with_a_card(
    committed: Engine, live_stripe: LiveServer, localstripe: LocalStripe, page: Any
) -> None:
    """4242 through the form and stripe.js ends on the confirmation with the tax year."""
    project_id, tier_id = _project(committed)
    _give(page, live_stripe, project_id, tier_id, "browser1@example.jp")
    _card(page, TEST_CARDS["visa"])
    page.get_by_role("button", name="寄附する").click()
    page.get_by_role("heading", name="ご寄附ありがとうございました").wait_for()
    assert "年分" in page.locator("#tax-year").inner_text()
    assert _status(committed, "browser1@example.jp") == "paid"


def test_donor_completes_three_d_secure(
    committed: Engine, live_stripe: LiveServer, localstripe: LocalStripe, page: Any
) -> None:
    """4000002500003155: the fake 3-D Secure pop-ups are confirmed and the donation is paid."""
    project_id, tier_id = _project(committed)
    _give(page, live_stripe, project_id, tier_id, "browser2@example.jp")
    _card(page, TEST_CARDS["3ds"])
    page.get_by_role("button", name="寄附する").click()
    # Once when the card is saved, once when the payment itself asks for authentication.
    for _ in range(2):
        page.get_by_role("button", name="Complete authentication").click()
    page.get_by_role("heading", name="ご寄附ありがとうございました").wait_for()
    assert _status(committed, "browser2@example.jp") == "paid"


def test_declined_card_then_another(
    committed: Engine, live_stripe: LiveServer, localstripe: LocalStripe, page: Any
) -> None:
    """A declined card shows a Japanese message; the donor retries with 4242 and pays."""
    project_id, tier_id = _project(committed)
    _give(page, live_stripe, project_id, tier_id, "browser3@example.jp")
    _card(page, TEST_CARDS["declined"])
    page.get_by_role("button", name="寄附する").click()
    page.get_by_text("カードが承認されませんでした").wait_for()
    page.get_by_placeholder("number").fill(TEST_CARDS["visa"])
    page.get_by_role("button", name="寄附する").click()
    page.get_by_role("heading", name="ご寄附ありがとうございました").wait_for()


@pytest.mark.parametrize("failed_at", ["card-saved", "payment"])
def test_a_failed_three_d_secure_says_authentication_failed(
    committed: Engine,
    live_stripe: LiveServer,
    localstripe: LocalStripe,
    page: Any,
    failed_at: str,
) -> None:
    """Failing the bank's 3-D Secure, when the card is saved or when it is charged, says that
    本人認証 did not complete, never that the card was declined."""
    project_id, tier_id = _project(committed)
    email = f"browser-3ds-{failed_at}@example.jp"
    _give(page, live_stripe, project_id, tier_id, email)
    _card(page, TEST_CARDS["3ds"])
    page.get_by_role("button", name="寄附する").click()
    if failed_at == "payment":
        page.get_by_role("button", name="Complete authentication").click()
    page.get_by_role("button", name="Fail authentication").click()
    message = page.locator("#pay-message")
    expect(message).to_contain_text("本人認証（3Dセキュア）が完了しませんでした")
    assert "カードが承認されませんでした" not in message.inner_text()
    assert _status(committed, email) == "pending_payment"


def test_a_new_postal_code_replaces_the_place_in_a_returning_donors_address(
    committed: Engine, live_stripe: LiveServer, localstripe: LocalStripe, page: Any
) -> None:
    """A logged-in donor's form starts from their last address; a new postal code replaces its
    prefecture, city and town and keeps the rest they wrote (the street number)."""
    project_id, _tier_id = _project(committed)
    with Session(committed) as s:
        donor = make_user(s, "donor")
        project = s.get(Project, project_id)
        assert project is not None
        make_donation(
            s,
            project,
            user_id=donor.id,
            postal_code="1500002",
            address="東京都渋谷区渋谷2-24-12 渋谷ハイツ101",
            municipality_code="13113",
        )
        s.commit()
        email = donor.email
    page.goto(f"{live_stripe.url}/login")
    page.get_by_label("メールアドレス").fill(email)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.goto(f"{live_stripe.url}/projects/{project_id}/give")
    address = page.locator("#address")
    expect(address).to_have_value("東京都渋谷区渋谷2-24-12 渋谷ハイツ101")
    page.get_by_label("郵便番号", exact=True).fill("598-0005")
    expect(address).to_have_value("大阪府泉佐野市市場東2-24-12 渋谷ハイツ101")
    expect(page.locator("#resident-notice")).to_be_visible()
