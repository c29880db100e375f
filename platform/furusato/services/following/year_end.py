"""The year-end summary (domain/reminders.py): from December 20 (JST), once a year, to each
donor who asked for it, what they gave this tax year against their estimated deduction cap.

The sweep asks the database who is due (asked for it, active, not yet sent for this year) and
sends each on their own (services/per_item.py). Sending re-reads the donor's switch in the
transaction that claims the reminder, so a donor who turns it off is not mailed after that.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, select

from furusato.domain import reminders
from furusato.domain.deduction import Estimate, estimate
from furusato.domain.money import utcnow
from furusato.domain.reminders import ReminderKind
from furusato.domain.states import DonationStatus, Role
from furusato.domain.tax_tables import SUPPORTED_YEARS
from furusato.models import Donation, ReminderSend, User
from furusato.services import mail_texts, per_item
from furusato.services.following.once import claim, queue_mail
from furusato.services.following.reminder_settings import view_of
from furusato.services.uow import UnitOfWork

KIND = ReminderKind.YEAR_END


def due_donors(year: int) -> list[int]:
    """Donors who asked for the summary and have not had this year's."""
    sent = ReminderSend.__table__
    with UnitOfWork() as uow:
        return list(
            uow.session.scalars(
                select(User.id)
                .outerjoin(
                    sent,
                    and_(
                        sent.c.user_id == User.id,
                        sent.c.kind == str(KIND),
                        sent.c.subject_key == reminders.year_key(year),
                    ),
                )
                .where(
                    User.role == Role.DONOR,
                    User.is_active.is_(True),
                    User.remind_year_end.is_(True),
                    sent.c.id.is_(None),
                )
                .order_by(User.id)
            )
        )


def _estimate(user: User, year: int) -> Estimate | None:
    settings = view_of(user)
    if settings.estimate_salary_yen is None or settings.estimate_family is None:
        return None
    table_year = year if year in SUPPORTED_YEARS else SUPPORTED_YEARS[-1]
    return estimate(settings.estimate_salary_yen, settings.estimate_family, table_year)


def send(user_id: int, year: int) -> str:
    """Queue the donor's summary of `year` once; the outcome names what happened."""
    with UnitOfWork() as uow:
        user = uow.session.get(User, user_id)
        if user is None or not user.is_active or not user.remind_year_end:
            return "turned_off"
        key = reminders.year_key(year)
        if not claim(uow, user_id, KIND, key):
            return "already_sent"
        given_yen, given_count = uow.session.execute(
            select(func.coalesce(func.sum(Donation.amount_yen), 0), func.count(Donation.id)).where(
                Donation.user_id == user_id,
                Donation.status == DonationStatus.PAID,
                Donation.tax_year == year,
            )
        ).one()
        cap = _estimate(user, year)
        text = mail_texts.render(
            "reminder_year_end",
            donor_name=user.display_name,
            year=year,
            given_yen=int(given_yen),
            given_count=int(given_count),
            estimate=cap,
            room_yen=reminders.room_below_cap(int(given_yen), cap.cap_yen) if cap else 0,
            last_day=datetime(year, 12, 31).date(),
        )
        queue_mail(uow, user_id, KIND, key, user.email, text)
        uow.commit()
    return "sent"


def sweep(now: datetime | None = None) -> int:
    """Send the summaries due now (none outside the December window); the number sent."""
    year = reminders.year_end_due(now or utcnow())
    if year is None:
        return 0
    tally = per_item.each(
        "reminders: year-end summary", due_donors(year), lambda user_id: send(user_id, year)
    )
    return tally.outcomes["sent"]
