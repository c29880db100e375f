"""A business's own subsidy payouts, as it sees them: how much, where each stands, when it was
approved and is transferred, and to which account (its number masked)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from furusato.domain.states import Role
from furusato.models import Payout, PayoutBatch, User
from furusato.services.errors import Forbidden
from furusato.services.settlement import payouts
from furusato.services.uow import UnitOfWork


@dataclass(frozen=True)
class BusinessPayout:
    id: int
    project_id: int
    project_title: str
    amount_yen: int
    status: str
    approved_at: datetime | None
    transfer_date: date | None  # the transfer file's date, once staff made it
    paid_on: date | None
    account: dict[str, str]  # masked: the account number's last 3 digits only
    account_checked: bool  # the account staff checked (else the business's current one)


def for_business(actor: User) -> list[BusinessPayout]:
    """The actor's business's payouts, newest first (Forbidden for anyone but a business)."""
    if actor.role != Role.BUSINESS or actor.business_id is None:
        raise Forbidden("事業者だけが見られるページです。")
    found = payouts.views(Payout.business_id == actor.business_id)
    batch_ids = {v.batch_id for v in found if v.batch_id is not None}
    with UnitOfWork() as uow:
        dates = dict(
            uow.session.execute(
                select(PayoutBatch.id, PayoutBatch.transfer_date).where(
                    PayoutBatch.id.in_(batch_ids)
                )
            ).all()
        )
    return [
        BusinessPayout(
            id=v.id,
            project_id=v.project_id,
            project_title=v.project_title,
            amount_yen=v.amount_yen,
            status=v.status,
            approved_at=v.approved_at,
            transfer_date=dates.get(v.batch_id) if v.batch_id is not None else None,
            paid_on=v.paid_on,
            account=v.bank.masked(),
            account_checked=v.account_checked,
        )
        for v in found
    ]
