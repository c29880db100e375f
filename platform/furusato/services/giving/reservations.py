"""A campaign's and a tier's counters: every UPDATE of them is here, and nowhere else.

The counters are a tier's `reserved_count` (units taken by pledges, for a limited tier), a
campaign's `reserved_total_yen` (pledged and paid money, against its cap), its `paid_total_yen`
and `paid_count`, and `target_reached_at`. A pledge takes a unit and cap room (`reserve`), a
payment adds to the paid totals (`add_paid`, `mark_target_reached`), a late payment on an
expired pledge takes its reservation back (`take_unit`, `take_room_back`), and a lapsed pledge
gives its reservation back (`release_lapsed`, the one rule the payments sweep and settlement
share).

Each statement runs in the caller's transaction and is built once, with bound parameters, so the
hot path (every donor of a campaign updates its row) skips the build and compile. The claim is
the conditional UPDATE itself, never a read before it: a payment confirmation racing with a
release wins or loses cleanly and nothing is released twice.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Integer, Row, Table, bindparam, case, select, text, update
from sqlalchemy.orm import Session

from furusato.domain.money import MIN_DONATION_YEN, utcnow
from furusato.domain.states import AttemptKind, AttemptStatus, DonationStatus
from furusato.models import Donation, PaymentAttempt, Project, Tier
from furusato.services.errors import N_, Conflict

# A charge in one of these states may still bring (or has brought) the money: never expire.
BLOCKING = (AttemptStatus.STARTED, AttemptStatus.UNKNOWN, AttemptStatus.SUCCEEDED)

_PROJECTS, _TIERS = cast(Table, Project.__table__), cast(Table, Tier.__table__)

# One unit of a tier, if it has one left. An unlimited tier keeps no count (none is needed to
# refuse nobody, and its row would be a lock every donor of the course waits for): its
# `reserved_count` stays 0 and this leaves it so, taking no unit.
_TAKE_UNIT = text(
    "UPDATE tiers SET reserved_count = reserved_count"
    " + CASE WHEN quantity_limit IS NULL THEN 0 ELSE 1 END WHERE id = :id"
    " AND (quantity_limit IS NULL OR reserved_count < quantity_limit)"
)
# The amount from the cap room of a campaign taking donations now.
_TAKE_ROOM = text(
    "UPDATE projects SET reserved_total_yen = reserved_total_yen + :amount"
    " WHERE id = :id AND status = 'approved' AND starts_at <= :now AND deadline > :now"
    " AND reserved_total_yen + :amount <= cap_yen"
)
# The amount back into the campaign's reserved total, stopping at the cap (or where the total
# already is, if above it): LEAST/GREATEST exist in PostgreSQL only, CASE in both databases.
_RESERVED, _CAP = _PROJECTS.c.reserved_total_yen, _PROJECTS.c.cap_yen
_AMOUNT = bindparam("amount", type_=Integer)
_TAKE_ROOM_BACK = (
    update(_PROJECTS)
    .where(_PROJECTS.c.id == bindparam("project_id"))
    .values(
        reserved_total_yen=case(
            (_RESERVED + _AMOUNT <= _CAP, _RESERVED + _AMOUNT),
            (_RESERVED >= _CAP, _RESERVED),
            else_=_CAP,
        )
    )
)
_ADD_PAID = text(
    "UPDATE projects SET paid_total_yen = paid_total_yen + :amount,"
    " paid_count = paid_count + 1 WHERE id = :id"
    " RETURNING paid_total_yen, target_yen, target_reached_at"
)
_TARGET_REACHED = text(
    "UPDATE projects SET target_reached_at = :now WHERE id = :id AND target_reached_at IS NULL"
)
# What lapsed pledges gave back. A tier without a limit counts no units (see _TAKE_UNIT).
_GIVE_UNITS_BACK = (
    update(_TIERS)
    .where(_TIERS.c.id == bindparam("tier_id"), _TIERS.c.quantity_limit.is_not(None))
    .values(reserved_count=_TIERS.c.reserved_count - bindparam("units", type_=Integer))
)
_GIVE_ROOM_BACK = (
    update(_PROJECTS)
    .where(_PROJECTS.c.id == bindparam("project_id"))
    .values(reserved_total_yen=_RESERVED - bindparam("amount", type_=Integer))
)


def take_unit(session: Session, tier_id: int) -> bool:
    """One unit of the tier (none counted for an unlimited one); False if none is left."""
    taken = session.execute(_TAKE_UNIT, {"id": tier_id})
    return bool(taken.rowcount == 1)  # type: ignore[attr-defined]


def reserve(
    session: Session, project_id: int, amount_yen: int, limited_tier_id: int | None
) -> None:
    """Take one unit of a limited tier and the amount from the cap room, or refuse.

    The tier's and the campaign's rows are the hot ones (every donor of the campaign updates
    them). They are updated before the donation is inserted: the insert's foreign-key checks
    then find the rows already locked by this transaction and add no lock of their own. In the
    other order each check takes a KEY SHARE lock beside the other donors' update locks, and
    PostgreSQL keeps such a crowd of lockers as a multixact that every locker rewrites and
    reads again (GetMultiXactIdMembers took a quarter of the database's CPU at 200 donors)."""
    if limited_tier_id is not None and not take_unit(session, limited_tier_id):
        raise Conflict(
            "申し訳ありません。このコースは受付数の上限に達しました。",
            code="sold_out",
            fields={"tier_id": N_("受付終了")},
        )
    now = utcnow()
    room = session.execute(_TAKE_ROOM, {"id": project_id, "amount": amount_yen, "now": now})
    if room.rowcount != 1:  # type: ignore[attr-defined]
        raise _refusal(session, project_id, amount_yen, now)


# What is left below the cap of a campaign that takes donations now (None if it takes none).
_ROOM_LEFT = text(
    "SELECT cap_yen - reserved_total_yen FROM projects WHERE id = :id AND status = 'approved'"
    " AND starts_at <= :now AND deadline > :now"
)


def _refusal(session: Session, project_id: int, amount_yen: int, now: datetime) -> Conflict:
    """Why no room was taken: over the cap (saying how much is left), or not taking any."""
    left = session.execute(_ROOM_LEFT, {"id": project_id, "now": now}).scalar_one_or_none()
    if left is not None and MIN_DONATION_YEN <= left < amount_yen:
        left_text = format(int(left), ",")
        return Conflict(
            N_(
                "このプロジェクトが受け付けられるのは、上限額まであと%(left)s円です。"
                "%(left)s円以下の金額でお申し込みください。",
                left=left_text,
            ),
            code="over_cap",
            fields={"amount_yen": N_("あと%(left)s円まで受け付けられます。", left=left_text)},
        )
    if left is not None and left < MIN_DONATION_YEN:
        return Conflict(
            "このプロジェクトは上限額に達したため、寄附の受付を終了しました。",
            code="cap_reached",
            fields={"amount_yen": N_("上限額に達しました。")},
        )
    return Conflict(
        "このプロジェクトは現在寄附を受け付けていないか、目標上限に達しました。"
        "金額を減らすか、別のプロジェクトをご検討ください。",
        code="not_accepting",
        fields={"amount_yen": N_("受付可能額を超えています。")},
    )


def take_room_back(session: Session, project_id: int, amount_yen: int) -> None:
    """A late success on an expired pledge: its amount back into the reserved total, without
    the campaign's status, deadline or cap conditions, stopping at the cap."""
    session.execute(_TAKE_ROOM_BACK, {"project_id": project_id, "amount": amount_yen})


def add_paid(session: Session, project_id: int, amount_yen: int) -> Row[Any]:
    """A payment into the campaign's paid total and count; returns the campaign's
    `paid_total_yen`, `target_yen` and `target_reached_at` after it. The row stays locked
    until the caller's commit: make this the last statement before it."""
    return session.execute(_ADD_PAID, {"id": project_id, "amount": amount_yen}).one()


def mark_target_reached(session: Session, project_id: int, now: datetime) -> None:
    """The moment the campaign first reached its target (kept if it had already)."""
    session.execute(_TARGET_REACHED, {"id": project_id, "now": now})


def release_lapsed(
    session: Session,
    lapsed_before: datetime,
    *,
    donation_id: int | None = None,
    project_id: int | None = None,
) -> list[int]:
    """Expire the lapsed pending donations (one, or a campaign's) in the caller's transaction
    and release what they reserved; returns the ids expired.

    A pending donation whose reservation has run out, and which has no charge whose outcome is
    open or successful, becomes `expired` and gives its tier unit and cap room back."""
    blocking_charge = (
        select(PaymentAttempt.id)
        .where(
            PaymentAttempt.donation_id == Donation.id,
            PaymentAttempt.kind == AttemptKind.CHARGE,
            PaymentAttempt.status.in_([str(s) for s in BLOCKING]),
        )
        .exists()
    )
    stmt = update(Donation).where(
        Donation.status == DonationStatus.PENDING_PAYMENT,
        Donation.reserved_until < lapsed_before,
        ~blocking_charge,
    )
    if donation_id is not None:
        stmt = stmt.where(Donation.id == donation_id)
    if project_id is not None:
        stmt = stmt.where(Donation.project_id == project_id)
    rows = session.execute(
        stmt.values(status=DonationStatus.EXPIRED)
        .returning(Donation.id, Donation.project_id, Donation.amount_yen, Donation.tier_id)
        .execution_options(synchronize_session=False)
    ).all()
    room: Counter[int] = Counter()
    units: Counter[int] = Counter()
    for row in rows:
        room[row.project_id] += row.amount_yen
        if row.tier_id is not None:
            units[row.tier_id] += 1
    # Tiers before campaigns, each by id: the order a pledge takes them in (`reserve`), so a
    # sweep and a pledge never wait for each other in a circle.
    for tier_id, n in sorted(units.items()):
        session.execute(_GIVE_UNITS_BACK, {"tier_id": tier_id, "units": n})
    for pid, amount in sorted(room.items()):
        session.execute(_GIVE_ROOM_BACK, {"project_id": pid, "amount": amount})
    return [row.id for row in rows]
