"""A donor follows a campaign (お気に入り) from its page or the API, and マイページ lists them.

Only a campaign the public can see (past review: catalog.PUBLIC_STATUSES) may be followed.
Following twice is one follow (the unique pair), unfollowing what is not followed does nothing:
both answer the state the donor asked for, so a double click or an API retry is harmless.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select

from furusato.db import insert_or_skip
from furusato.domain.money import utcnow
from furusato.models import Follow, Project
from furusato.services.campaigns.catalog import PUBLIC_STATUSES, cards_for
from furusato.services.campaigns.catalog_types import ProjectCard
from furusato.services.errors import N_, NotFound
from furusato.services.uow import UnitOfWork

NOT_FOUND = N_("プロジェクトが見つかりません。")


@dataclass(frozen=True)
class Followed:
    """A followed campaign with its progress, as the public catalog shows it."""

    card: ProjectCard
    followed_at: datetime


def follow(user_id: int, project_id: int) -> bool:
    """Follow the campaign; True if this call started following it (False: already did)."""
    with UnitOfWork() as uow:
        public = uow.session.scalar(
            select(Project.id).where(Project.id == project_id, Project.status.in_(PUBLIC_STATUSES))
        )
        if public is None:
            raise NotFound(NOT_FOUND)
        table = Follow.__table__
        stmt = insert_or_skip(uow.session, table, ["user_id", "project_id"]).returning(table.c.id)
        row = {"user_id": user_id, "project_id": project_id, "created_at": utcnow()}
        started = uow.session.execute(stmt, row).scalar_one_or_none() is not None
        uow.commit()
    return started


def unfollow(user_id: int, project_id: int) -> bool:
    """Stop following; True if the donor was following it."""
    with UnitOfWork() as uow:
        result = uow.session.execute(
            delete(Follow).where(Follow.user_id == user_id, Follow.project_id == project_id)
        )
        uow.commit()
    return bool(result.rowcount)  # type: ignore[attr-defined]


def is_following(user_id: int, project_id: int) -> bool:
    """Whether the donor follows the campaign (the project page's button, per visitor)."""
    with UnitOfWork() as uow:
        found = uow.session.scalar(
            select(Follow.id).where(Follow.user_id == user_id, Follow.project_id == project_id)
        )
    return found is not None


def followed(user_id: int, now: datetime | None = None) -> list[Followed]:
    """The donor's followed campaigns, most recently followed first, with their progress."""
    now = now or utcnow()
    with UnitOfWork() as uow:
        rows = uow.session.execute(
            select(Follow.project_id, Follow.created_at)
            .where(Follow.user_id == user_id)
            .order_by(Follow.created_at.desc(), Follow.id.desc())
        ).all()
        cards = cards_for(uow.session, [project_id for project_id, _ in rows], now)
    return [
        Followed(card=cards[project_id], followed_at=at)
        for project_id, at in rows
        if project_id in cards
    ]
