"""Gift shipments: the business's shipping list, marking gifts sent, late shipments for staff.

Shipment rows are created by settlement for funded campaigns, one per delivery (a 定期便's N
deliveries are N rows); here a business sees only its own projects' rows (staff see all),
marks them sent one by one or by uploading the carrier's CSV (all rows valid or none applied),
and the donor is mailed once per shipment. A row sent to someone other than the donor names
the donor in `gift_from`; its wrapping, のし and delivery window are the donor's choices.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from furusato.domain import text
from furusato.domain.money import to_jst, utcnow
from furusato.domain.states import SHIPMENT, Role, ShipmentStatus
from furusato.models import Business, Project, Shipment, Tier, User
from furusato.services import audit, mail, mail_texts
from furusato.services.errors import N_, Conflict, Forbidden, NotFound, ValidationFailed
from furusato.services.fulfilment import shipping_csv
from furusato.services.fulfilment.shipment_rows import ShipmentRow, ShippingList, row_of
from furusato.services.uow import UnitOfWork

TRACKING = re.compile(r"^[0-9A-Za-z-]{4,40}$")


def _project_for(session: Session, actor: User, project_id: int) -> Project:
    project = session.get(Project, project_id)
    if actor.role == Role.STAFF:
        if project is None:
            raise NotFound("プロジェクトが見つかりません。")
        return project
    if project is None or actor.role != Role.BUSINESS or project.business_id != actor.business_id:
        raise Forbidden("このプロジェクトの配送リストは見られません。")
    return project


def shipping_list(
    actor: User,
    project_id: int,
    *,
    tier_id: int | None = None,
    month: date | None = None,
    status: str | None = None,
) -> ShippingList:
    """The project's shipments (optionally one tier and one promised month)."""
    with UnitOfWork() as uow:
        s = uow.session
        project = _project_for(s, actor, project_id)
        query = (
            select(Shipment, Tier.gift_name)
            .join(Tier, Tier.id == Shipment.tier_id)
            .where(Shipment.project_id == project_id)
            .order_by(Shipment.scheduled_month, Shipment.tier_id, Shipment.id)
        )
        if tier_id is not None:
            query = query.where(Shipment.tier_id == tier_id)
        if month is not None:
            query = query.where(Shipment.scheduled_month == month.replace(day=1))
        if status:
            query = query.where(Shipment.status == status)
        rows = [row_of(shipment, gift) for shipment, gift in s.execute(query).all()]
        tiers = [
            (t.id, t.gift_name or N_("%(amount)s円", amount=format(t.amount_yen, ",")))
            for t in s.scalars(
                select(Tier).where(Tier.project_id == project_id).order_by(Tier.position)
            )
        ]
        months = sorted(
            set(
                s.scalars(select(Shipment.scheduled_month).where(Shipment.project_id == project_id))
            )
        )
        return ShippingList(
            project.id,
            project.title,
            project.business.name,
            rows,
            tiers,
            months,
            gift_carrier=project.business.gift_carrier,
        )


def export_csv(
    actor: User,
    project_id: int,
    *,
    encoding: str = "utf-8",
    tier_id: int | None = None,
    month: date | None = None,
) -> tuple[bytes, list[shipping_csv.Substitution]]:
    if encoding not in shipping_csv.ENCODINGS:
        raise ValidationFailed("encoding は utf-8 か cp932 です。", fields={"encoding": "unknown"})
    listing = shipping_list(actor, project_id, tier_id=tier_id, month=month)
    return shipping_csv.encode(listing.csv_rows(), encoding)


def _validate(carrier: str, tracking_number: str) -> dict[str, str]:
    errors = {}
    if not carrier or len(carrier) > 40:
        errors["carrier"] = N_("運送会社を40文字以内で入力してください。")
    if not TRACKING.fullmatch(tracking_number):
        errors["tracking_number"] = N_("伝票番号は英数字とハイフン4〜40文字です。")
    errors.update(text.problems({"carrier": carrier, "tracking_number": tracking_number}))
    return errors


def _apply_sent(
    uow: UnitOfWork, actor: User, shipment: Shipment, carrier: str, tracking: str, ip: str
) -> bool:
    """Mark one locked shipment sent; False if it already was, with the same number."""
    if shipment.status == ShipmentStatus.SENT:
        if (shipment.carrier, shipment.tracking_number) == (carrier, tracking):
            return False
        raise Conflict(N_("配送 %(id)s は既に別の伝票番号で発送済みです。", id=shipment.id))
    SHIPMENT.check(shipment.status, ShipmentStatus.SENT)
    shipment.status = ShipmentStatus.SENT
    shipment.carrier = carrier
    shipment.tracking_number = tracking
    shipment.sent_at = utcnow()
    donation = shipment.donation
    text = mail_texts.render(
        "shipment_sent",
        donation=donation,
        gift_name=shipment.tier.gift_name,
        carrier=carrier,
        tracking_number=tracking,
        shipment=shipment,
    )
    mail.queue(
        uow,
        key=f"shipment:{shipment.id}:sent",
        to=donation.email,
        subject=text.subject,
        body=text.body,
    )
    audit.record(
        uow.session,
        actor,
        "shipment.sent",
        "shipment",
        shipment.id,
        after={"carrier": carrier, "tracking_number": tracking},
        ip_address=ip,
    )
    return True


def mark_sent(
    actor: User, shipment_id: int, *, carrier: str, tracking_number: str, ip_address: str = ""
) -> ShipmentRow:
    carrier, tracking_number = carrier.strip(), tracking_number.strip()
    errors = _validate(carrier, tracking_number)
    if errors:
        raise ValidationFailed(next(iter(errors.values())), fields=errors)
    with UnitOfWork() as uow:
        shipment = uow.session.scalar(
            select(Shipment).where(Shipment.id == shipment_id).with_for_update()
        )
        if shipment is None:
            if actor.role == Role.STAFF:
                raise NotFound("配送が見つかりません。")
            raise Forbidden("この配送は操作できません。")
        _project_for(uow.session, actor, shipment.project_id)
        _apply_sent(uow, actor, shipment, carrier, tracking_number, ip_address)
        uow.commit()
        return row_of(shipment, shipment.tier.gift_name)


@dataclass
class UploadReport:
    applied: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    # line, id, reason: the reason is a msgid (N_), translated where the page shows it
    failures: list[tuple[int, str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


def import_sent(
    actor: User, project_id: int, data: bytes, *, default_carrier: str = "", ip_address: str = ""
) -> UploadReport:
    """Mark shipments sent from an uploaded CSV. Every row is checked first; if any fails,
    nothing is applied and every failing row is reported with its reason."""
    report = UploadReport()
    try:
        rows = shipping_csv.parse_upload(data)
    except shipping_csv.UnreadableFile as exc:
        report.failures.append((1, "", exc.message))
        return report
    with UnitOfWork() as uow:
        s = uow.session
        _project_for(s, actor, project_id)
        ids = [int(r.shipment_id) for r in rows if r.shipment_id.isdigit()]
        found = {
            sh.id: sh
            for sh in s.scalars(
                select(Shipment).where(Shipment.id.in_(ids)).order_by(Shipment.id).with_for_update()
            )
        }
        seen: set[int] = set()
        plan: list[tuple[Shipment, str, str]] = []
        for row in rows:
            carrier = row.carrier or default_carrier.strip()
            if not row.shipment_id.isdigit():
                report.failures.append(
                    (row.line, row.shipment_id, N_("お客様管理番号が数字ではありません。"))
                )
                continue
            shipment = found.get(int(row.shipment_id))
            if shipment is None or shipment.project_id != project_id:
                report.failures.append(
                    (row.line, row.shipment_id, N_("このプロジェクトの配送ではありません。"))
                )
                continue
            if shipment.id in seen:
                report.failures.append(
                    (row.line, row.shipment_id, N_("同じ配送が複数行にあります。"))
                )
                continue
            seen.add(shipment.id)
            errors = _validate(carrier, row.tracking_number)
            if errors:  # one failure per problem: each is a message of its own
                report.failures += [(row.line, row.shipment_id, e) for e in errors.values()]
                continue
            if shipment.status == ShipmentStatus.SENT and (
                shipment.carrier,
                shipment.tracking_number,
            ) != (carrier, row.tracking_number):
                report.failures.append(
                    (row.line, row.shipment_id, N_("既に別の伝票番号で発送済みです。"))
                )
                continue
            if shipment.status == ShipmentStatus.CANCELED:
                report.failures.append((row.line, row.shipment_id, N_("取り消された配送です。")))
                continue
            plan.append((shipment, carrier, row.tracking_number))
        if report.failures:
            return report  # rolled back: nothing applied
        for shipment, carrier, tracking in plan:
            if _apply_sent(uow, actor, shipment, carrier, tracking, ip_address):
                report.applied.append(shipment.id)
            else:
                report.unchanged.append(shipment.id)
        uow.commit()
    return report


@dataclass(frozen=True)
class LateShipment:
    id: int
    business_name: str
    project_id: int
    project_title: str
    gift_name: str
    scheduled_month: date
    name: str
    months_late: int


def late(*, now: datetime | None = None) -> list[LateShipment]:
    """Scheduled shipments whose promised month has ended (JST), across all businesses."""
    today = to_jst(now or utcnow()).date()
    this_month = today.replace(day=1)
    with UnitOfWork() as uow:
        rows = uow.session.execute(
            select(Shipment, Project.title, Business.name, Tier.gift_name)
            .join(Project, Project.id == Shipment.project_id)
            .join(Business, Business.id == Project.business_id)
            .join(Tier, Tier.id == Shipment.tier_id)
            .where(
                Shipment.status == ShipmentStatus.SCHEDULED,
                Shipment.scheduled_month < this_month,
            )
            .order_by(Shipment.scheduled_month, Business.name, Shipment.id)
        ).all()
        return [
            LateShipment(
                id=sh.id,
                business_name=business,
                project_id=sh.project_id,
                project_title=title,
                gift_name=gift,
                scheduled_month=sh.scheduled_month,
                name=sh.ship_name,
                months_late=(this_month.year - sh.scheduled_month.year) * 12
                + this_month.month
                - sh.scheduled_month.month,
            )
            for sh, title, business, gift in rows
        ]
