"""The confirmation mail a donor receives once the payment is recorded.

Its words are templates/mail/donation_confirmation.txt; the worker writes it when it sends it.
The miss-policy sentence and the one-stop form's link are the give page's too.
"""

from __future__ import annotations

from sqlalchemy.orm import load_only

from furusato.domain.messages import N_
from furusato.domain.states import MissPolicy
from furusato.models import Donation, Project, Tier
from furusato.services import mail, mail_texts
from furusato.services.uow import UnitOfWork


def onestop_form_url(donation: Donation) -> str:
    """Where the donor prints the one-stop application (the receipts area serves it)."""
    base = mail_texts.base_url()
    return f"{base}/donations/{donation.id}/onestop-form.pdf?t={donation.access_token}"


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


def queue_confirmation(uow: UnitOfWork, donation_id: int, email: str) -> None:
    """Queue the mail in the payment's unit of work; it is written when sent (`render`), and
    sent by the worker's outbox relay (no task is published from the donor's request), so the
    request that records the payment only inserts the row."""
    mail.queue(
        uow,
        key=f"donation:{donation_id}:confirmation",
        to=email,
        message_ref=f"donation_confirmation:{donation_id}",
        publish=False,
    )


def render_confirmation(donation_id: int) -> mail_texts.MailText:
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
                Tier,
                donation.tier_id,
                options=[
                    load_only(Tier.gift_name, Tier.delivery_month, Tier.delivery_months)
                ],
            )
            if donation.tier_id is not None and donation.gift
            else None
        )
        return mail_texts.render(
            "donation_confirmation",
            donation=donation,
            project=project,
            tier=tier,
            miss_policy=miss_policy_text(project),
            onestop_url=onestop_form_url(donation),
        )


mail.register_message("donation_confirmation", render_confirmation)
