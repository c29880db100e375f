"""The confirmation mail a donor receives once the payment is recorded."""

from __future__ import annotations

from sqlalchemy.orm import load_only

from furusato.config import get_settings
from furusato.domain.messages import N_
from furusato.domain.money import to_jst
from furusato.domain.states import MissPolicy
from furusato.models import Donation, Project, Tier
from furusato.services import mail
from furusato.services.uow import UnitOfWork


def onestop_form_url(donation: Donation) -> str:
    """Where the donor prints the one-stop application (the receipts area serves it)."""
    base = get_settings().base_url.rstrip("/")
    return f"{base}/donations/{donation.id}/onestop-form.pdf?t={donation.access_token}"


def donation_page_url(donation: Donation) -> str:
    return f"{get_settings().base_url.rstrip('/')}/donations/{donation.access_token}"


def miss_policy_text(project: Project) -> str:
    """What happens if the campaign misses its target. Callers put it under a heading or label
    saying 「目標に届かなかった場合」, and state finality on their own line. A message (N_): the
    mail writes it in Japanese, a page translates it; the business's own words stay as written."""
    if project.miss_policy == MissPolicy.KEEP:
        gift = project.fallback_gift_note or N_(
            "返礼品の扱いはプロジェクトページに記載のとおりです。"
        )
        # The purpose is the business's own words: a phrase or sentences, with or without a
        # closing 。 (never doubled).
        purpose = (project.fallback_purpose or "").strip().rstrip("。") or N_("市の事業")
        return N_(
            "寄附は返金されず、次の目的に使われます: %(purpose)s。受領証明書は発行されます。%(gift)s",
            purpose=purpose,
            gift=gift,
        )
    return N_("寄附は全額返金され、受領証明書と返礼品はありません。")


def confirmation_body(donation: Donation, project: Project, tier: Tier | None) -> str:
    city = get_settings().city
    paid = to_jst(donation.paid_at) if donation.paid_at else None
    lines = [
        f"{donation.donor_name} 様",
        "",
        f"{city.name}へのご寄附をありがとうございました。決済が完了しました。",
        "",
        f"プロジェクト: {project.title}",
        f"寄附金額: {donation.amount_yen:,}円",
        f"決済完了日時: {paid:%Y年%m月%d日 %H:%M:%S}（日本時間）" if paid else "",
        f"税控除の対象年: {donation.tax_year}年分（決済が完了した日の日本時間で決まります）",
        "",
        "【今後の流れ】",
    ]
    if donation.final_at is not None:
        lines.append("・寄附は確定しました。寄附金受領証明書を発行し、メールでお送りします。")
    else:
        lines.append(
            "・プロジェクトが目標に届いた時点で寄附が確定し、寄附金受領証明書をお送りします。"
        )
    if donation.resident:
        lines.append(
            f"・{city.name}にお住まいの方には返礼品をお送りできません（寄附は控除の対象です）。"
        )
    elif donation.gift and tier is not None:
        month = (
            f"{tier.delivery_month.year}年{tier.delivery_month.month}月"
            if tier.delivery_month
            else "プロジェクトページ記載の時期"
        )
        lines.append(f"・返礼品「{tier.gift_name}」は{month}ごろお届けの予定です。")
    lines += ["", "【目標に届かなかった場合】", miss_policy_text(project)]
    if donation.onestop_requested:
        lines += [
            "",
            "【ワンストップ特例の申請】",
            "下記から申請書を印刷し、必要事項（マイナンバー等）を記入のうえ、本人確認書類の写しを添えて",
            f"寄附の翌年1月10日（必着）までに{city.name}へお送りください。",
            onestop_form_url(donation),
        ]
    lines += [
        "",
        "ご寄附の状況はこちらから確認できます:",
        donation_page_url(donation),
        "",
        f"{city.name} {city.address} 電話 {city.phone}",
    ]
    return "\n".join(line for line in lines if line is not None)


def queue_confirmation(uow: UnitOfWork, donation: Donation) -> None:
    """Queue the mail in the payment's unit of work; it is written when sent (`render`), so
    the request that records the payment reads nothing more for it."""
    mail.queue(
        uow,
        key=f"donation:{donation.id}:confirmation",
        to=donation.email,
        message_ref=f"donation_confirmation:{donation.id}",
    )


def render_confirmation(donation_id: int) -> tuple[str, str]:
    """The confirmation's subject and body, as the donation stands now."""
    with UnitOfWork() as uow:
        donation = uow.session.get(Donation, donation_id)
        assert donation is not None  # the mail row names a donation that exists
        # Only the columns the mail shows (a project row carries its whole story).
        project = uow.session.get(
            Project,
            donation.project_id,
            options=[
                load_only(
                    Project.title,
                    Project.miss_policy,
                    Project.fallback_purpose,
                    Project.fallback_gift_note,
                )
            ],
        )
        assert project is not None  # a foreign key
        tier = (
            uow.session.get(
                Tier, donation.tier_id, options=[load_only(Tier.gift_name, Tier.delivery_month)]
            )
            if donation.tier_id is not None and donation.gift
            else None
        )
        subject = (
            f"【{get_settings().city.name}】ご寄附ありがとうございました"
            f"（{donation.amount_yen:,}円）"
        )
        return subject, confirmation_body(donation, project, tier)


mail.register_message("donation_confirmation", render_confirmation)
