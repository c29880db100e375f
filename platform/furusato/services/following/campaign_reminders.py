"""Mails to the followers of a campaign: it ends within 48 hours, or it reached its target.

A sweep, not a hook in the payment path: the payment that reaches the target stays as lean as it
is (services/giving/reservations.py only sets `target_reached_at`), and the sweep finds the
campaigns whose deadline is near or whose target was newly reached (domain/reminders.py), then
their followers who want these mails and have not had this one. Each (follower, campaign) is
sent on its own, once (services/following/once.py), after re-reading the follow, the donor's
switch and the campaign in the claiming transaction: unfollowing or turning the mails off
stops them, and a campaign paused, at its cap or past its deadline gets no "ending" mail.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, Select, String, and_, cast, literal, or_, select

from furusato.domain import reminders
from furusato.domain.campaign import Phase, clock_of
from furusato.domain.money import utcnow
from furusato.domain.reminders import ReminderKind
from furusato.domain.states import CampaignStatus
from furusato.models import Follow, Project, ReminderSend, User
from furusato.services import mail_texts, per_item
from furusato.services.campaigns.catalog import PUBLIC_STATUSES
from furusato.services.following.once import claim, queue_mail
from furusato.services.uow import UnitOfWork

Pair = tuple[int, int]  # (user_id, project_id)


def _followers_not_yet_sent(kind: ReminderKind, *where: ColumnElement[bool]) -> Select[int, int]:
    sent = ReminderSend.__table__
    subject = literal("project:", String) + cast(Project.id, String)
    return (
        select(Follow.user_id, Follow.project_id)
        .join(Project, Project.id == Follow.project_id)
        .join(User, User.id == Follow.user_id)
        .outerjoin(
            sent,
            and_(
                sent.c.user_id == Follow.user_id,
                sent.c.kind == str(kind),
                sent.c.subject_key == subject,
            ),
        )
        .where(
            User.is_active.is_(True), User.remind_followed.is_(True), sent.c.id.is_(None), *where
        )
        .order_by(Follow.project_id, Follow.user_id)
    )


def ending_due(now: datetime) -> list[Pair]:
    """Followers of live campaigns whose deadline is within ENDING_WITHIN, not yet mailed."""
    stmt = _followers_not_yet_sent(
        ReminderKind.ENDING,
        Project.status == CampaignStatus.APPROVED,
        or_(Project.starts_at.is_(None), Project.starts_at <= now),
        Project.deadline > now,
        Project.deadline <= now + reminders.ENDING_WITHIN,
        or_(Project.cap_yen == 0, Project.reserved_total_yen < Project.cap_yen),
    )
    with UnitOfWork() as uow:
        return [(int(u), int(p)) for u, p in uow.session.execute(stmt).all()]


def target_due(now: datetime) -> list[Pair]:
    """Followers (since before it happened) of campaigns that newly reached their target."""
    stmt = _followers_not_yet_sent(
        ReminderKind.TARGET,
        Project.status.in_(PUBLIC_STATUSES),
        Project.target_reached_at >= now - reminders.TARGET_NEWS_FOR,
        Project.target_reached_at <= now,
        Follow.created_at < Project.target_reached_at,
    )
    with UnitOfWork() as uow:
        return [(int(u), int(p)) for u, p in uow.session.execute(stmt).all()]


def _still_due(kind: ReminderKind, project: Project, follow: Follow, now: datetime) -> bool:
    phase = clock_of(project).phase(now)
    if kind == ReminderKind.ENDING:
        return phase == Phase.LIVE and reminders.ending_soon(project.deadline, now)
    reached = project.target_reached_at
    return (
        project.status in PUBLIC_STATUSES
        and reminders.target_is_news(reached, now)
        and reached is not None
        and follow.created_at < reached
    )


def send(kind: ReminderKind, user_id: int, project_id: int, now: datetime | None = None) -> str:
    """Queue one follower's mail about one campaign, once; the outcome names what happened."""
    now = now or utcnow()
    with UnitOfWork() as uow:
        found = uow.session.execute(
            select(Follow, User, Project)
            .join(User, User.id == Follow.user_id)
            .join(Project, Project.id == Follow.project_id)
            .where(Follow.user_id == user_id, Follow.project_id == project_id)
        ).one_or_none()
        if found is None:
            return "not_following"
        follow, user, project = found
        if not user.is_active or not user.remind_followed:
            return "turned_off"
        if not _still_due(kind, project, follow, now):
            return "not_due"
        subject_key = reminders.project_key(project_id)
        if not claim(uow, user_id, kind, subject_key):
            return "already_sent"
        percent = project.paid_total_yen * 100 // project.target_yen if project.target_yen else 100
        text = mail_texts.render(
            "reminder_followed",
            kind=str(kind),
            donor_name=user.display_name,
            project=project,
            percent=percent,
            open=clock_of(project).phase(now) == Phase.LIVE,
        )
        queue_mail(uow, user_id, kind, subject_key, user.email, text)
        uow.commit()
    return "sent"


def sweep(now: datetime | None = None) -> int:
    """Send the followers' mails due now (ending soon, then target reached); the number sent."""
    now = now or utcnow()
    sent = 0
    for kind, due in ((ReminderKind.ENDING, ending_due), (ReminderKind.TARGET, target_due)):
        tally = per_item.each(
            f"reminders: followed campaigns ({kind})",
            due(now),
            lambda pair, kind=kind: send(kind, pair[0], pair[1], now),  # type: ignore[misc]
        )
        sent += tally.outcomes["sent"]
    return sent
