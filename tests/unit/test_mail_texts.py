"""Every mail's template renders with the facts it is given, the city's and BASE_URL's."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any

import jinja2
import pytest

from furusato.config import get_settings, reset_settings
from furusato.domain.bank_account import BankAccount
from furusato.domain.deduction import estimate
from furusato.domain.updates import AccountLine
from furusato.models import (
    Business,
    Donation,
    NextGoal,
    OnestopApplication,
    Payout,
    Project,
    Receipt,
    Shipment,
    Tier,
)
from furusato.services import mail_texts
from furusato.services.campaigns.updates import UpdateShown

BASE = "https://furusato.example-city.jp"  # BASE_URL is set with a trailing slash below


@pytest.fixture
def city(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A city and BASE_URL of its own, set the way production sets them: in the environment."""
    monkeypatch.setenv("BASE_URL", BASE + "/")
    monkeypatch.setenv("CITY_NAME", "架空市")
    monkeypatch.setenv("CITY_ADDRESS", "架空県架空市本町1番1号")
    monkeypatch.setenv("CITY_POSTAL_CODE", "999-0001")
    monkeypatch.setenv("CITY_PHONE", "099-111-2222")
    reset_settings()
    yield
    monkeypatch.undo()
    reset_settings()


def _donation(**changes: Any) -> Donation:
    values: dict[str, Any] = {
        "id": 7,
        "donor_name": "山田 花子",
        "email": "hanako@example.jp",
        "amount_yen": 12_000,
        "paid_at": datetime(2026, 12, 31, 14, 59, 59, tzinfo=UTC),  # 23:59:59 JST
        "tax_year": 2026,
        "final_at": None,
        "resident": False,
        "gift": True,
        "onestop_requested": True,
        "access_token": "tok-Abc_123",
    }
    return Donation(**(values | changes))


def _project(**changes: Any) -> Project:
    values: dict[str, Any] = {
        "id": 3,
        "title": "泉州タオルの新作",
        "miss_policy": "keep",
        "fallback_purpose": "市の地場産業振興",
        "fallback_gift_note": "タオルハンカチ1枚",
        "starts_at": datetime(2026, 4, 1, 0, 0, tzinfo=UTC),  # 09:00 JST
    }
    return Project(**(values | changes))


def _account(number: str, holder: str) -> dict[str, str]:
    return BankAccount(
        bank_code="0179",
        bank_name_kana="ｲｽﾞﾐｻﾉｼﾝｷﾝ",
        branch_code="001",
        branch_name_kana="ﾎﾝﾃﾝ",
        account_type="1",
        account_number=number,
        account_holder_kana=holder,
    ).masked()


def samples() -> dict[str, tuple[dict[str, Any], list[str]]]:
    """Per template: the values a service gives it, and the facts its subject or body must
    carry. A new template needs its line here."""
    donation, project = _donation(), _project()
    return {
        "donation_confirmation": (
            {
                "donation": donation,
                "project": project,
                "tier": Tier(gift_name="厚手バスタオル", delivery_month=date(2027, 3, 1)),
                "miss_policy": "寄附は返金されず、次の目的に使われます: 市の地場産業振興。",
                "onestop_url": f"{BASE}/donations/7/onestop-form.pdf?t=tok-Abc_123",
            },
            [
                "【架空市】ご寄附ありがとうございました（12,000円）",
                "山田 花子 様",
                "寄附金額: 12,000円",
                "決済完了日時: 2026年12月31日 23:59:59（日本時間）",
                "税控除の対象年: 2026年分",
                "返礼品「厚手バスタオル」は2027年3月ごろ",
                "次の目的に使われます: 市の地場産業振興",
                f"{BASE}/donations/7/onestop-form.pdf?t=tok-Abc_123",
                f"{BASE}/donations/tok-Abc_123\n",
                "架空市 架空県架空市本町1番1号 電話 099-111-2222",
            ],
        ),
        "receipt_issued": (
            {"donation": donation, "receipt": Receipt(id=15, number="2026-000123")},
            [
                "【架空市】寄附金受領証明書（2026-000123）",
                "山田 花子 様",
                "証明書番号 2026-000123",
                f"{BASE}/donations/7/receipt.pdf?t=tok-Abc_123",
            ],
        ),
        "onestop_form": (
            {"donation": donation, "deadline": date(2027, 1, 12)},
            [
                "【架空市】ワンストップ特例申請書のご案内",
                "山田 花子 様",
                "送付先: 〒999-0001 架空県架空市本町1番1号 架空市",
                "必着期限: 2027年1月12日",
                "5を超えた場合",
                "確定申告（または住民税の申告）をした場合",
            ],
        ),
        "onestop_reminder": (
            {
                "donor_name": "山田 花子",
                "tax_year": 2026,
                "kind": "final",
                "lines": [
                    SimpleNamespace(
                        donation_id=7,
                        paid_on=date(2026, 12, 24),
                        amount_yen=12000,
                        missing=("記入した申請書", "本人確認書類の写し"),
                    )
                ],
                "deadline": date(2027, 1, 12),
            },
            [
                "【架空市】まもなく期限：ワンストップ特例申請書が届いていません",
                "山田 花子 様",
                "必着期限: 2027年1月12日",
                "寄附番号 7（2026年12月24日、12,000円）",
                "届いていないもの: 記入した申請書、本人確認書類の写し",
                f"{BASE}/me/onestop",
            ],
        ),
        "onestop_late": (
            {
                "application": OnestopApplication(name="山田 花子", tax_year=2026),
                "deadline": date(2027, 1, 12),
            },
            ["【架空市】", "山田 花子 様", "2026年分", "期限（2027年1月12日必着）"],
        ),
        "shipment_sent": (
            {
                "donation": donation,
                "gift_name": "厚手バスタオル",
                "carrier": "ヤマト運輸",
                "tracking_number": "1234-5678-9012",
                "shipment": Shipment(
                    delivery_number=2,
                    delivery_count=3,
                    ship_name="佐藤 次郎",
                    gift_from="山田 花子",
                ),
            },
            [
                "【架空市】お礼の品を発送しました（定期便2/3回目）",
                "山田 花子 様",
                "お礼の品（厚手バスタオル）",
                "定期便: 全3回のうち2回目",
                "お届け先: 佐藤 次郎 様（ご指定の贈り先）",
                "運送会社: ヤマト運輸",
                "伝票番号: 1234-5678-9012",
            ],
        ),
        "campaign_update": (
            {
                "project": project,
                "update": UpdateShown(
                    id=4, project_id=3, title="最終報告", body_markdown="## 完成しました\n\n本文",
                    body_html="", is_final=True, status="published",
                    published_at=datetime(2027, 5, 1, 3, tzinfo=UTC),
                    accounts=(AccountLine("織機", 400_000), AccountLine("広告", 100_000)),
                    accounts_total_yen=500_000, image_ids=(), mailed_count=0, held_at=None,
                    hold_reason="",
                ),
                "subsidy_yen": 533_333,
                "unsubscribe_token": "tok.sig",
            },
            [
                "[架空市] 最終報告：泉州タオルの新作「最終報告」",
                "■ 最終報告（2027年5月1日）\n\n## 完成しました\n\n本文\n",
                "■ 補助金の使途（補助金 533,333円のうち）\n・織機：400,000円\n・広告：100,000円\n合計：500,000円",
                f"{BASE}/projects/3#updates\n",
                f"{BASE}/updates/unsubscribe/tok.sig\n",
            ],
        ),
        "next_goal_approved": (
            {
                "project": project,
                "goal": NextGoal(
                    amount_yen=2_500_000, added_tier_ids=[8], decision_note="期待しています。"
                ),
            },
            [
                "[架空市] ネクストゴールが承認されました",
                "「泉州タオルの新作」のネクストゴール（2,500,000円）が承認されました。",
                "一緒に提案されたコース（1件）を追加しました。",
                "市からのメモ:\n期待しています。\n",
                "届かなくても寄附の返金はなく、返礼品もお届けします。",
                f"{BASE}/projects/3\n",
            ],
        ),
        "next_goal_rejected": (
            {
                "project": project,
                "goal": NextGoal(amount_yen=2_500_000),
                "reason": "上限額の根拠を添えてください。",
            },
            [
                "[架空市] ネクストゴールの提案が却下されました",
                "（2,500,000円）の提案は却下されました。",
                "理由:\n上限額の根拠を添えてください。\n",
                f"{BASE}/business/projects/3\n",
            ],
        ),
        "missed_kept": (
            {"project": project, "amount_yen": 1_234_567},
            [
                "【泉州タオルの新作】目標に届きませんでした",
                "ご寄附（1,234,567円）",
                "\n市の地場産業振興\n",
                "返礼品: タオルハンカチ1枚",
            ],
        ),
        "missed_refunded": (
            {"donation": donation, "project": project},
            [
                "【泉州タオルの新作】目標に届かなかったため返金しました",
                "山田 花子 様",
                "ご寄附 12,000円 を全額返金しました",
            ],
        ),
        "payout_returned": (
            {
                "payout": Payout(id=42, amount_yen=700_000),
                "business": Business(name="泉州タオル株式会社"),
                "title": "泉州タオルの新作",
                "was": "approved",
                "before": _account("1234111", "ｲｽﾞﾐﾀｵﾙ"),
                "after": _account("7654321", "ｲｽﾞﾐﾀｵﾙ"),
            },
            [
                "[架空市] 支払い 42 を下書きに戻しました（口座変更）",
                "事業者「泉州タオル株式会社」",
                "（泉州タオルの新作、700,000円）を「承認済み」から下書きに戻しました",
                "変更前: 0179 ｲｽﾞﾐｻﾉｼﾝｷﾝ / 001 ﾎﾝﾃﾝ / ****111 ｲｽﾞﾐﾀｵﾙ",
                "変更後: 0179 ｲｽﾞﾐｻﾉｼﾝｷﾝ / 001 ﾎﾝﾃﾝ / ****321 ｲｽﾞﾐﾀｵﾙ",
                f"{BASE}/staff/payouts/42",
            ],
        ),
        "reminder_year_end": (
            {
                "donor_name": "山田 花子",
                "year": 2026,
                "given_yen": 45_000,
                "given_count": 3,
                "estimate": estimate(5_000_000, "couple", 2026),
                "room_yen": estimate(5_000_000, "couple", 2026).cap_yen - 45_000,
                "last_day": date(2026, 12, 31),
            },
            [
                "[架空市] 2026年のふるさと納税のまとめ",
                "山田 花子 様",
                "3件 45,000円",
                "給与収入 5,000,000円、夫婦（配偶者に収入なし）",
                "2026年12月31日 23:59:59 までに決済が完了したご寄附が2026年分です",
                f"{BASE}/me/reminders",
            ],
        ),
        "reminder_followed": (
            {
                "kind": "ending",
                "open": True,
                "donor_name": "",
                "project": _project(
                    deadline=datetime(2026, 12, 31, 14, 59, tzinfo=UTC),
                    paid_total_yen=600_000,
                    target_yen=1_250_000,
                    paid_count=42,
                ),
                "percent": 48,
            },
            [
                "まもなく終了:「泉州タオルの新作」",
                "2026年12月31日 23:59 に終了します",
                "600,000円（目標 1,250,000円の48%、支援者 42人）",
                f"{BASE}/projects/3\n",
                f"{BASE}/me/reminders",
            ],
        ),
        "project_approved": (
            {"project": project},
            [
                "[架空市] プロジェクトが採択されました",
                "「泉州タオルの新作」は採択されました。2026年4月1日 09:00に公開されます。",
            ],
        ),
        "project_rejected": (
            {"project": project, "reason": "送料の根拠を示してください。"},
            [
                "[架空市] プロジェクトが差し戻されました",
                "「泉州タオルの新作」は差し戻されました。",
                "理由:\n送料の根拠を示してください。\n",
            ],
        ),
    }


TEMPLATES = sorted(path.stem for path in mail_texts.TEMPLATES.glob("*.txt"))


def test_every_mail_has_its_template() -> None:
    """The sixteen mails the platform sends are the sixteen templates, each with a sample below."""
    assert TEMPLATES == sorted(samples())
    assert len(TEMPLATES) == 16


@pytest.mark.parametrize("name", TEMPLATES)
def test_a_mail_carries_its_facts_the_city_and_links_from_base_url(city: None, name: str) -> None:
    """Rendered under StrictUndefined with a sample, the mail states its key facts (amount,
    name, date in JST, link); its links start from BASE_URL (one slash), its subject is one
    line, and nothing is left unfilled."""
    values, facts = samples()[name]
    subject, body = mail_texts.render(name, **values)
    text = f"{subject}\n{body}"
    missing = [fact for fact in facts if fact not in text]
    assert not missing, f"{name}: {missing}\n{text}"
    assert subject and "\n" not in subject
    assert body.endswith("\n") and not body.startswith("\n")
    assert "None" not in text and "{{" not in text and "{%" not in text
    assert "//staff" not in text and "//donations" not in text
    assert get_settings().city.name in text or name.startswith("missed_")


def test_a_value_the_service_did_not_give_is_an_error_not_a_gap() -> None:
    """A template naming a value its service left out refuses to render (StrictUndefined)."""
    with pytest.raises(jinja2.UndefinedError):
        mail_texts.render("shipment_sent", donation=_donation(), gift_name="バスタオル")


def test_the_confirmation_follows_the_donation_as_it_stands() -> None:
    """Final or not, resident or not, with or without one-stop: the lines that apply, and
    the empty lines between sections where they were."""
    values, _ = samples()["donation_confirmation"]
    pending = mail_texts.render("donation_confirmation", **values).body
    assert "・プロジェクトが目標に届いた時点で寄附が確定し" in pending
    assert "【目標に届かなかった場合】\n寄附は返金されず" in pending
    assert "。\n\n【ワンストップ特例の申請】\n" in pending
    resident = _donation(
        final_at=datetime(2027, 1, 5, tzinfo=UTC), resident=True, onestop_requested=False
    )
    body = mail_texts.render("donation_confirmation", **(values | {"donation": resident})).body
    assert "【今後の流れ】\n・寄附は確定しました。" in body
    assert f"・{get_settings().city.name}にお住まいの方には返礼品をお送りできません" in body
    assert "返礼品「" not in body and "ワンストップ特例" not in body
    assert "。\n\nご寄附の状況はこちらから確認できます:\n" in body


def test_the_confirmation_names_the_recipient_and_every_delivery() -> None:
    """A 定期便 sent to someone else: the three months, and the recipient with their address
    (the receipt staying the donor's)."""
    values, _ = samples()["donation_confirmation"]
    tier = Tier(
        gift_name="季節のタオル",
        delivery_month=date(2027, 6, 1),
        delivery_months=[date(2027, 6, 1), date(2027, 8, 1), date(2027, 10, 1)],
    )
    present = _donation(
        recipient_name="贈答 太郎",
        recipient_postal_code="5980005",
        recipient_address="大阪府泉佐野市市場東1-1",
    )
    body = mail_texts.render(
        "donation_confirmation", **(values | {"donation": present, "tier": tier})
    ).body
    assert "定期便で、全3回（2027年6月、2027年8月、2027年10月）ごろお届けの予定です。" in body
    assert "・お届け先: 贈答 太郎 様（〒5980005 大阪府泉佐野市市場東1-1）へ贈り物として" in body
    assert "受領証明書はご寄附者様あてです。" in body


def test_a_followed_campaign_reaching_its_target_says_so_and_until_when(city: None) -> None:
    """The followers' mail for a reached target names the target, and the cap and deadline
    while the campaign still takes donations."""
    project = _project(
        deadline=datetime(2026, 12, 31, 14, 59, tzinfo=UTC),
        paid_total_yen=1_260_000,
        target_yen=1_250_000,
        cap_yen=2_500_000,
    )
    facts = {"kind": "target", "donor_name": "山田 花子", "project": project, "percent": 100}
    subject, body = mail_texts.render("reminder_followed", open=True, **facts)
    assert subject == "[架空市] 目標達成:「泉州タオルの新作」"
    assert "目標の 1,250,000円 に達しました" in body
    assert "上限の 2,500,000円、または 2026年12月31日 23:59 の締切まで" in body
    assert f"{BASE}/me/reminders" in body
    _, closed = mail_texts.render("reminder_followed", open=False, **facts)
    assert "上限の" not in closed and "まもなく終了" not in closed
