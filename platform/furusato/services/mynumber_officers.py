"""個人番号事務取扱担当者: the staff members a city designates to handle My Numbers (番号法第12条,
特定個人情報の適正な取扱いに関するガイドライン: 事務取扱担当者の明確化). Only they may reveal a
number or export the notices that carry them; other staff see masked values. Granting and
revoking is audited.
"""

from __future__ import annotations

from sqlalchemy import func, select

from furusato.domain.states import Role
from furusato.models import User
from furusato.services import audit
from furusato.services.errors import NotFound, ValidationFailed
from furusato.services.uow import UnitOfWork


def set_officer(email: str, officer: bool, *, by: str = "cli") -> bool:
    """Grant (or revoke) the permission of the staff member with this address; returns
    whether anything changed."""
    with UnitOfWork() as uow:
        user = uow.session.scalar(
            select(User).where(func.lower(User.email) == email.strip().lower()).with_for_update()
        )
        if user is None:
            raise NotFound("そのメールアドレスのアカウントはありません。")
        if user.role != Role.STAFF:
            raise ValidationFailed(
                "個人番号事務取扱担当者にできるのは職員のアカウントだけです。",
                fields={"email": "not staff"},
            )
        if user.mynumber_officer == officer:
            return False
        user.mynumber_officer = officer
        audit.record(
            uow.session,
            None,
            "mynumber.officer_granted" if officer else "mynumber.officer_revoked",
            "user",
            user.id,
            before={"mynumber_officer": not officer},
            after={"mynumber_officer": officer},
            note=by,
        )
        uow.commit()
        return True
