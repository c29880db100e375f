"""The bank account a payout pays: the one its preparer checked, kept on the payout.

`snapshot_values` is what `prepare` writes; `checked_account` is what the transfer file and
the staff pages read. `account_changed` runs inside the business's account edit (its row is
locked): a prepared or approved payout checked for another account goes back to draft, audited
with the account before and after, and every staff member is told by mail (the payouts page
shows it too). An exported or paid payout is left as it is: its transfer has gone out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, update

from furusato.domain.bank_account import FIELDS, BankAccount, must_recheck
from furusato.domain.money import utcnow
from furusato.domain.states import PAYOUT, PayoutStatus, Role
from furusato.models import Business, Payout, Project, User
from furusato.services import audit, mail, mail_texts
from furusato.services.uow import UnitOfWork

_CLEARED = {name: None for name in FIELDS}


@dataclass
class AccountChange:
    returned: list[int] = field(default_factory=list)
    in_transfer: list[int] = field(default_factory=list)


def snapshot_values(account: BankAccount) -> dict[str, str]:
    return dict(account.__dict__)


def checked_account(payout: Payout) -> BankAccount | None:
    """The account the preparer checked (None while the payout is a draft)."""
    values = {name: getattr(payout, name) for name in FIELDS}
    if any(v is None for v in values.values()):
        return None
    return BankAccount(**values)


def account_changed(
    uow: UnitOfWork, actor: User, business: Business, account: BankAccount
) -> AccountChange:
    """Send back to draft what was checked for another account; in the edit's transaction."""
    s = uow.session
    change = AccountChange()
    now = utcnow()
    rows = s.scalars(
        select(Payout)
        .where(
            Payout.business_id == business.id,
            Payout.status.in_([*PAYOUT.sources(PayoutStatus.DRAFT), PayoutStatus.EXPORTED]),
        )
        .order_by(Payout.id)
        .with_for_update()
    ).all()
    for payout in rows:
        checked = checked_account(payout)
        if payout.status == PayoutStatus.EXPORTED:
            if checked != account:
                change.in_transfer.append(payout.id)
            continue
        was = payout.status
        if not must_recheck(was, checked, account):
            continue
        before = {
            "status": was,
            "prepared_by_id": payout.prepared_by_id,
            "approved_by_id": payout.approved_by_id,
            "bank": checked.masked() if checked else None,
        }
        result = s.execute(
            update(Payout)
            .where(Payout.id == payout.id, Payout.status == was)
            .values(
                status=PayoutStatus.DRAFT,
                prepared_by_id=None,
                prepared_at=None,
                approved_by_id=None,
                approved_at=None,
                returned_to_draft_at=now,
                **_CLEARED,
            )
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]  # (locked above: not expected)
            continue
        audit.record(
            s,
            actor,
            "payout.returned_to_draft",
            "payout",
            payout.id,
            before=before,
            after={"status": PayoutStatus.DRAFT, "bank": account.masked()},
            note="振込先口座の変更",
        )
        _tell_staff(uow, payout, business, was, checked, account, now)
        change.returned.append(payout.id)
    return change


def _tell_staff(
    uow: UnitOfWork,
    payout: Payout,
    business: Business,
    was: str,
    old: BankAccount | None,
    new: BankAccount,
    when: datetime,
) -> None:
    title = uow.session.scalar(select(Project.title).where(Project.id == payout.project_id))
    staff = uow.session.scalars(
        select(User).where(User.role == Role.STAFF, User.is_active.is_(True)).order_by(User.id)
    ).all()
    text = mail_texts.render(
        "payout_returned",
        payout=payout,
        business=business,
        title=title,
        was=was,
        before=old.masked() if old else None,
        after=new.masked(),
    )
    stamp = int(when.timestamp() * 1_000_000)
    for user in staff:
        mail.queue(
            uow,
            key=f"payout:{payout.id}:returned:{stamp}:{user.id}",
            to=user.email,
            subject=text.subject,
            body=text.body,
        )
