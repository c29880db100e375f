"""Subsidy payouts: draft → prepared (one staff member checks) → approved (a different one) →
exported in a Zengin transfer batch → paid. Every step is a conditional UPDATE and audited.

The four-eyes rule is enforced here with a clear message and backed by the payouts table's
CHECK (approved_by_id <> prepared_by_id). What the two staff members check includes the bank
account: preparing keeps the business's account on the payout, and the transfer file is made
from that copy only (an account edit before the export sends the payout back to draft, see
`payout_account`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session, aliased

from furusato.config import get_settings
from furusato.domain import bank_days, zengin
from furusato.domain.money import to_jst, utcnow
from furusato.domain.states import CampaignOutcome, PayoutStatus
from furusato.models import Business, Payout, PayoutBatch, Project, User
from furusato.services import audit
from furusato.services.campaigns import updates
from furusato.services.errors import N_, Conflict, Forbidden, NotFound, ValidationFailed
from furusato.services.settlement import bank, payout_account
from furusato.services.uow import UnitOfWork


@dataclass(frozen=True)
class PayoutView:
    id: int
    project_id: int
    project_title: str
    business_id: int
    business_name: str
    amount_yen: int
    status: str
    # A draft shows the business's account as it is now; from prepared on, the checked copy.
    bank: bank.BankAccount
    account_checked: bool
    prepared_by: str | None
    prepared_by_id: int | None
    prepared_at: datetime | None
    approved_by: str | None
    approved_by_id: int | None
    approved_at: datetime | None
    batch_id: int | None
    exported_at: datetime | None
    paid_on: date | None
    returned_to_draft_at: datetime | None = None

    @property
    def account_digest(self) -> str:
        return self.bank.fingerprint()

    @property
    def returned_for_account_change(self) -> bool:
        return self.status == PayoutStatus.DRAFT and self.returned_to_draft_at is not None


def views(where: object | None = None) -> list[PayoutView]:
    preparer, approver = aliased(User), aliased(User)
    stmt = (
        select(Payout, Project.title, Business, preparer.email, approver.email)
        .join(Project, Project.id == Payout.project_id)
        .join(Business, Business.id == Payout.business_id)
        .outerjoin(preparer, preparer.id == Payout.prepared_by_id)
        .outerjoin(approver, approver.id == Payout.approved_by_id)
        .order_by(Payout.id.desc())
    )
    if where is not None:
        stmt = stmt.where(where)  # type: ignore[arg-type]
    with UnitOfWork() as uow:
        rows = uow.session.execute(stmt).all()
        return [
            PayoutView(
                id=p.id,
                project_id=p.project_id,
                project_title=title,
                business_id=b.id,
                business_name=b.name,
                amount_yen=p.amount_yen,
                status=p.status,
                bank=_account_shown(p, b),
                account_checked=payout_account.checked_account(p) is not None,
                prepared_by=prep,
                prepared_by_id=p.prepared_by_id,
                prepared_at=p.prepared_at,
                approved_by=appr,
                approved_by_id=p.approved_by_id,
                approved_at=p.approved_at,
                batch_id=p.batch_id,
                exported_at=p.exported_at,
                paid_on=p.paid_on,
                returned_to_draft_at=p.returned_to_draft_at,
            )
            for p, title, b, prep, appr in rows
        ]


def _account_shown(payout: Payout, business: Business) -> bank.BankAccount:
    if payout.status == PayoutStatus.DRAFT:
        return bank.of_business(business)
    # Past draft the CHECK constraint guarantees the copy; an empty account fails validation.
    return payout_account.checked_account(payout) or bank.BankAccount(*[""] * 7)


def list_payouts(status: str | None = None) -> list[PayoutView]:
    return views(Payout.status == status if status else None)


def get(payout_id: int) -> PayoutView:
    found = views(Payout.id == payout_id)
    if not found:
        raise NotFound("支払いが見つかりません。")
    return found[0]


def prepare(
    payout_id: int,
    actor: User,
    *,
    confirmed_amount_yen: int | None,
    account_checked: bool,
    account_digest: str | None = None,
    ip_address: str = "",
) -> PayoutView:
    """A staff member has checked the amount and the business's bank account: that account
    is kept on the payout, and it is the one the transfer pays. `account_digest` is the
    fingerprint of the account the staff member was shown (the page sends it): if the account
    changed since, nothing is prepared."""
    view = get(payout_id)
    if view.status != PayoutStatus.DRAFT:
        raise Conflict("下書きの支払いだけを準備できます。")
    errors = {}
    if confirmed_amount_yen != view.amount_yen:
        errors["confirmed_amount_yen"] = N_("確認した金額が支払額と一致しません。")
    if not account_checked:
        errors["account_checked"] = N_("振込先口座を確認してください。")
    if errors:
        raise ValidationFailed("支払額と振込先口座を確認してください。", fields=errors)
    with UnitOfWork() as uow:
        s = uow.session
        # Locked: an account edit waits for this, then finds the payout prepared (→ draft).
        business = s.scalar(
            select(Business).where(Business.id == view.business_id).with_for_update()
        )
        if business is None:
            raise NotFound("事業者が見つかりません。")
        current = bank.of_business(business)
        if account_digest is not None and account_digest != current.fingerprint():
            raise Conflict(
                "確認した後に振込先口座が変更されました。新しい口座を確認してください。",
                code="account_changed",
            )
        account = _checked(view, current)
        result = s.execute(
            update(Payout)
            .where(Payout.id == payout_id, Payout.status == PayoutStatus.DRAFT)
            .values(
                status=PayoutStatus.PREPARED,
                prepared_by_id=actor.id,
                prepared_at=utcnow(),
                **payout_account.snapshot_values(account),
            )
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict("この支払いは既に準備されています。")
        audit.record(
            s,
            actor,
            "payout.prepared",
            "payout",
            payout_id,
            before={"status": "draft"},
            after={"status": "prepared", "amount_yen": view.amount_yen, "bank": account.masked()},
            ip_address=ip_address,
        )
        uow.commit()
    return get(payout_id)


def _checked(view: PayoutView, current: bank.BankAccount) -> bank.BankAccount:
    """The business's account, normalised, or a refusal naming what the bank would refuse."""
    try:
        account = bank.validate(current)
        _transfer(view, account)
    except (ValidationFailed, zengin.ZenginError) as exc:
        if isinstance(exc, ValidationFailed):
            message, fields = exc.message, exc.fields
        else:
            message, fields = str(exc), {"bank": str(exc)}
        raise ValidationFailed(
            N_("事業者の振込先口座が不完全です: %(problem)s", problem=message), fields=fields
        ) from exc
    return account


def approve(payout_id: int, actor: User, *, ip_address: str = "") -> PayoutView:
    """A second staff member approves what the first prepared (never the preparer)."""
    view = get(payout_id)
    if view.status != PayoutStatus.PREPARED:
        raise Conflict("準備済みの支払いだけを承認できます。")
    if view.prepared_by_id == actor.id:
        raise Forbidden(
            "支払いを準備した職員は承認できません。別の職員が承認してください。",
            code="four_eyes",
        )
    with UnitOfWork() as uow:
        result = uow.session.execute(
            update(Payout)
            .where(
                Payout.id == payout_id,
                Payout.status == PayoutStatus.PREPARED,
                Payout.prepared_by_id != actor.id,
            )
            .values(status=PayoutStatus.APPROVED, approved_by_id=actor.id, approved_at=utcnow())
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict("この支払いは既に承認されたか、準備が取り消されました。")
        audit.record(
            uow.session,
            actor,
            "payout.approved",
            "payout",
            payout_id,
            before={"status": "prepared", "prepared_by_id": view.prepared_by_id},
            after={"status": "approved", "amount_yen": view.amount_yen},
            ip_address=ip_address,
        )
        uow.commit()
    return get(payout_id)


def _requester() -> zengin.Requester:
    c = get_settings().city
    return zengin.Requester(
        code=c.requester_code,
        name_kana=c.requester_name_kana,
        bank_code=c.bank_code,
        bank_name_kana=c.bank_name_kana,
        branch_code=c.branch_code,
        branch_name_kana=c.branch_name_kana,
        account_type=c.account_type,
        account_number=c.account_number,
    )


def _transfer(view: PayoutView, account: bank.BankAccount) -> zengin.Transfer:
    transfer = zengin.Transfer(
        bank_code=account.bank_code,
        bank_name_kana=account.bank_name_kana,
        branch_code=account.branch_code,
        branch_name_kana=account.branch_name_kana,
        account_type=account.account_type,
        account_number=account.account_number,
        holder_kana=account.account_holder_kana,
        amount_yen=view.amount_yen,
        customer_code=str(view.id),
    )
    zengin.data_record(transfer)  # raises ZenginError for a value the bank would refuse
    return transfer


def transfer_date_problem(transfer_date: date) -> str | None:
    """Why a bank would refuse this transfer date (a message), or None."""
    if transfer_date < to_jst(utcnow()).date():
        return N_("振込指定日が過ぎています。今日以降の銀行営業日を指定してください。")
    if not bank_days.is_business_day(transfer_date):
        return N_(
            "%(date)sは銀行の休業日です。土日・祝日・12月31日〜1月3日を除く日を指定してください"
            "（次の営業日は%(next)sです）。",
            date=transfer_date,
            next=bank_days.next_business_day(transfer_date),
        )
    return None


def export(actor: User, transfer_date: date, *, ip_address: str = "") -> int:
    """Every approved payout into one Zengin batch (approved → exported), each paid to the
    account its preparer checked (kept on the payout), on a bank business day. Returns the
    batch id."""
    problem = transfer_date_problem(transfer_date)
    if problem:
        raise ValidationFailed(problem, fields={"transfer_date": problem})
    with UnitOfWork() as uow:
        s = uow.session
        locked = list(
            s.scalars(
                select(Payout.id)
                .where(Payout.status == PayoutStatus.APPROVED)
                .order_by(Payout.id)
                .with_for_update()
            )
        )
        if not locked:
            raise Conflict("承認済みの支払いがありません。")
        ready = [v for v in views(Payout.id.in_(locked)) if v.status == PayoutStatus.APPROVED]
        ready.sort(key=lambda v: v.id)
        try:
            transfers = [_transfer(v, bank.validate(v.bank)) for v in ready]
            data = zengin.build(_requester(), transfer_date, transfers)
        except (zengin.ZenginError, ValidationFailed) as exc:
            raise ValidationFailed(
                N_("振込データを作成できません: %(problem)s", problem=str(exc))
            ) from exc
        total = sum(v.amount_yen for v in ready)
        batch = PayoutBatch(
            transfer_date=transfer_date, created_by_id=actor.id, zengin_file=data, total_yen=total
        )
        s.add(batch)
        s.flush()
        result = s.execute(
            update(Payout)
            .where(Payout.id.in_([v.id for v in ready]), Payout.status == PayoutStatus.APPROVED)
            .values(status=PayoutStatus.EXPORTED, batch_id=batch.id, exported_at=utcnow())
        )
        if result.rowcount != len(ready):  # type: ignore[attr-defined]
            raise Conflict("支払いの状態が変わりました。もう一度お試しください。")
        audit.record(
            s,
            actor,
            "payout_batch.exported",
            "payout_batch",
            batch.id,
            after={
                "payout_ids": [v.id for v in ready],
                "total_yen": total,
                "transfer_date": transfer_date.isoformat(),
            },
            ip_address=ip_address,
        )
        uow.commit()
        return batch.id


def mark_paid(batch_id: int, actor: User, paid_on: date, *, ip_address: str = "") -> None:
    """The bank has carried out the batch: record the date (exported → paid)."""
    with UnitOfWork() as uow:
        s = uow.session
        result = s.execute(
            update(PayoutBatch)
            .where(PayoutBatch.id == batch_id, PayoutBatch.paid_on.is_(None))
            .values(paid_on=paid_on, paid_marked_by_id=actor.id)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            if s.get(PayoutBatch, batch_id) is None:
                raise NotFound("振込データが見つかりません。")
            raise Conflict("この振込データは既に支払済みです。")
        _refuse_without_final_reports(s, batch_id)
        s.execute(
            update(Payout)
            .where(Payout.batch_id == batch_id, Payout.status == PayoutStatus.EXPORTED)
            .values(status=PayoutStatus.PAID, paid_on=paid_on)
        )
        audit.record(
            s,
            actor,
            "payout_batch.paid",
            "payout_batch",
            batch_id,
            after={"paid_on": paid_on.isoformat()},
            ip_address=ip_address,
        )
        uow.commit()


def _refuse_without_final_reports(session: Session, batch_id: int) -> None:
    """A funded campaign's subsidy is marked paid only once its final report (最終報告, with
    the accounts of what the subsidy paid for) is published (services/campaigns/updates.py)."""
    missing = [
        title
        for project_id, title in session.execute(
            select(Project.id, Project.title)
            .join(Payout, Payout.project_id == Project.id)
            .where(Payout.batch_id == batch_id, Project.outcome == CampaignOutcome.FUNDED)
            .order_by(Project.id)
        )
        if not updates.has_final_report(session, project_id)
    ]
    if missing:
        raise Conflict(
            N_(
                "最終報告（補助金の使途）が公開されていないため、支払済みにできません：%(titles)s",
                titles="、".join(missing),
            ),
            code="final_report_missing",
        )
