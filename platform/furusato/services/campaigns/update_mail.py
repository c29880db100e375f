"""An update's mails: one per donor of its campaign, queued once, and the way out of them.

`fan_out` claims the update (`mailed_at` set WHERE it is published and not yet mailed) and
queues its mails in the same transaction, each with the key `update:<id>:<donor>`, so a
redelivered task, the sweep and a release after a hold never send one twice. A held update is
not claimed: its mails wait until staff release it; one held after its mails were queued is
only taken off the page. The donors are the campaign's paid donations' addresses, each once,
less those who asked for no more of this campaign's updates.

The unsubscribe link carries a token signed with the app's secret key (itsdangerous, as Flask
signs its session): the campaign and the address, so it works without logging in and cannot be
made for someone else's address.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from furusato.config import get_settings
from furusato.db import insert_or_skip
from furusato.domain.money import utcnow
from furusato.domain.states import DonationStatus, UpdateStatus
from furusato.models import CampaignUpdate, Donation, Project, UpdateUnsubscribe
from furusato.services import mail, mail_texts
from furusato.services.campaigns import updates
from furusato.services.errors import NotFound
from furusato.services.uow import UnitOfWork

_SALT = "furusato.campaign-updates.unsubscribe"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(get_settings().secret_key, salt=_SALT)


def unsubscribe_token(project_id: int, email: str) -> str:
    return str(_serializer().dumps({"p": project_id, "e": email.strip().lower()}))


def _read(token: str) -> tuple[int, str]:
    try:
        data = _serializer().loads(token)
        return int(data["p"]), str(data["e"])
    except (BadSignature, KeyError, TypeError, ValueError):
        raise NotFound(
            "配信停止のリンクが正しくありません。メールのリンクをそのままお使いください。"
        ) from None


def _key(update_id: int, email: str) -> str:
    donor = hashlib.sha256(email.encode()).hexdigest()[:32]
    return f"update:{update_id}:{donor}"


def recipients(session: Session, project_id: int) -> list[str]:
    """The campaign's paid donors' addresses (lower-cased, each once), less the unsubscribed."""
    address = func.lower(Donation.email)
    stopped = select(UpdateUnsubscribe.email).where(UpdateUnsubscribe.project_id == project_id)
    rows = session.scalars(
        select(address)
        .where(
            Donation.project_id == project_id,
            Donation.status == DonationStatus.PAID,
            address.not_in(stopped),
        )
        .distinct()
        .order_by(address)
    )
    return list(rows)


def fan_out(update_id: int) -> int:
    """Queue the update's mails if it is published and not mailed yet; how many were queued."""
    with UnitOfWork() as uow:
        session = uow.session
        claimed = session.execute(
            update(CampaignUpdate)
            .where(
                CampaignUpdate.id == update_id,
                CampaignUpdate.status == UpdateStatus.PUBLISHED,
                CampaignUpdate.mailed_at.is_(None),
            )
            .values(mailed_at=utcnow())
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            return 0  # held, or mailed already
        row = session.get(CampaignUpdate, update_id)
        assert row is not None
        project = session.get(Project, row.project_id)
        assert project is not None
        shown = updates.shown(row)
        subsidy = updates.subsidy_of(session, project) or 0
        addresses = recipients(session, project.id)
        for email in addresses:
            token = unsubscribe_token(project.id, email)
            text = mail_texts.render(
                "campaign_update",
                project=project,
                update=shown,
                subsidy_yen=subsidy,
                unsubscribe_token=token,
            )
            mail.queue(
                uow, key=_key(update_id, email), to=email, subject=text.subject, body=text.body
            )
        row.mailed_count = len(addresses)
        uow.commit()
        return len(addresses)


def due_ids() -> list[int]:
    """Published updates whose mails were never queued (the sweep's work, if a task was lost)."""
    with UnitOfWork() as uow:
        return list(
            uow.session.scalars(
                select(CampaignUpdate.id).where(
                    CampaignUpdate.status == UpdateStatus.PUBLISHED,
                    CampaignUpdate.mailed_at.is_(None),
                )
            )
        )


@dataclass(frozen=True)
class UnsubscribePage:
    project_id: int
    project_title: str
    email: str
    stopped: bool  # already asked for no more


def unsubscribe_page(token: str) -> UnsubscribePage:
    project_id, email = _read(token)
    with UnitOfWork() as uow:
        title = uow.session.scalar(select(Project.title).where(Project.id == project_id))
        if title is None:
            raise NotFound("プロジェクトが見つかりません。")
        stopped = uow.session.scalar(
            select(UpdateUnsubscribe.id).where(
                UpdateUnsubscribe.project_id == project_id, UpdateUnsubscribe.email == email
            )
        )
        return UnsubscribePage(project_id, title, email, stopped is not None)


def unsubscribe(token: str) -> UnsubscribePage:
    """No more update mails of that campaign to that address (asking twice is the same)."""
    page = unsubscribe_page(token)
    with UnitOfWork() as uow:
        table = UpdateUnsubscribe.__table__
        uow.session.execute(
            insert_or_skip(uow.session, table, ["project_id", "email"]),
            {"project_id": page.project_id, "email": page.email, "created_at": utcnow()},
        )
        uow.commit()
    return UnsubscribePage(page.project_id, page.project_title, page.email, True)
