"""Reminders to donors whose one-stop application is still incomplete before the deadline.

Two kinds per tax year: `first` from December 20 and `final` from five days before the
deadline (January 10 moved past holidays: domain/onestop.py, the date every page, mail and PDF
shows). A donor is one mail address; each gets each kind at most once a year: the mail is
queued in the transaction that inserts the (address, year, kind) row, so a restarted beat or a
second worker finds the row and sends nothing. Donors with an account can turn them off
(`User.remind_onestop`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, or_, select

from furusato.db import insert_or_skip
from furusato.domain.money import to_jst, utcnow
from furusato.domain.onestop import application_deadline
from furusato.domain.states import OnestopStatus
from furusato.models import Donation, OnestopApplication, OnestopReminder, User
from furusato.services import mail, mail_texts, per_item
from furusato.services.uow import UnitOfWork

FIRST_FROM = (12, 20)
FINAL_DAYS_BEFORE = 5
# What an application still waiting for its form lacks (the donor sends all three together).
MISSING = ("記入した申請書", "個人番号確認書類の写し", "本人確認書類の写し")


@dataclass(frozen=True)
class Line:
    donation_id: int
    paid_on: date
    amount_yen: int
    missing: tuple[str, ...]


def kind_due(tax_year: int, today: date) -> str | None:
    """Which reminder is due on `today` for applications of `tax_year` (None: none)."""
    deadline = application_deadline(tax_year)
    if today >= deadline or today < date(tax_year, *FIRST_FROM):
        return None
    return "final" if today >= deadline - timedelta(days=FINAL_DAYS_BEFORE) else "first"


def send_due(*, today: date | None = None) -> int:
    """Queue the reminders due today; returns how many donors were reminded."""
    today = today or to_jst(utcnow()).date()
    tax_year = today.year - 1 if today.month == 1 else today.year
    kind = kind_due(tax_year, today)
    if kind is None:
        return 0
    with UnitOfWork() as uow:
        emails = sorted(
            set(
                uow.session.scalars(
                    select(func.lower(Donation.email))
                    .join(OnestopApplication, OnestopApplication.donation_id == Donation.id)
                    .outerjoin(User, User.id == Donation.user_id)
                    .where(
                        OnestopApplication.tax_year == tax_year,
                        OnestopApplication.status == OnestopStatus.REQUESTED,
                        or_(Donation.user_id.is_(None), User.remind_onestop.is_(True)),
                    )
                )
            )
        )
    tally = per_item.each(
        "onestop: reminders", emails, lambda email: _remind(email, tax_year, kind)
    )
    return tally.outcomes["sent"]


def _remind(email: str, tax_year: int, kind: str) -> str:
    with UnitOfWork() as uow:
        rows = uow.session.execute(
            select(OnestopApplication, Donation)
            .join(Donation, Donation.id == OnestopApplication.donation_id)
            .outerjoin(User, User.id == Donation.user_id)
            .where(
                func.lower(Donation.email) == email,
                OnestopApplication.tax_year == tax_year,
                OnestopApplication.status == OnestopStatus.REQUESTED,
                or_(Donation.user_id.is_(None), User.remind_onestop.is_(True)),
            )
            .order_by(Donation.paid_at, Donation.id)
        ).all()
        if not rows:
            return "none"
        table = OnestopReminder.__table__
        claimed = uow.session.execute(
            insert_or_skip(uow.session, table, ["email", "tax_year", "kind"]).returning(table.c.id),
            {
                "email": email,
                "tax_year": tax_year,
                "kind": kind,
                "application_ids": [app.id for app, _ in rows],
                "sent_at": utcnow(),
            },
        ).scalar_one_or_none()
        if claimed is None:
            return "already"
        lines = [
            Line(d.id, to_jst(d.paid_at).date(), d.amount_yen, MISSING)
            for _app, d in rows
            if d.paid_at is not None
        ]
        text = mail_texts.render(
            "onestop_reminder",
            donor_name=rows[0][0].name,
            tax_year=tax_year,
            kind=kind,
            lines=lines,
            deadline=application_deadline(tax_year),
        )
        mail.queue(
            uow,
            key=f"onestop_reminder:{claimed}",
            to=rows[0][1].email,
            subject=text.subject,
            body=text.body,
        )
        uow.commit()
        return "sent"


@dataclass(frozen=True)
class DonorOnestop:
    """The donor's one-stop page: each application with what it still lacks, per year the
    deadline, and whether reminders are on."""

    remind: bool
    years: dict[int, date]
    applications: list[tuple[OnestopApplication, Donation, tuple[str, ...]]]


def for_donor(user_id: int) -> DonorOnestop:
    with UnitOfWork() as uow:
        user = uow.session.get(User, user_id)
        assert user is not None
        rows = uow.session.execute(
            select(OnestopApplication, Donation)
            .join(Donation, Donation.id == OnestopApplication.donation_id)
            .where(Donation.user_id == user_id)
            .order_by(OnestopApplication.tax_year.desc(), Donation.paid_at.desc())
        ).all()
        years: dict[int, date] = {}
        apps: list[tuple[OnestopApplication, Donation, tuple[str, ...]]] = []
        for app, donation in rows:
            if app.tax_year is not None:
                years[app.tax_year] = application_deadline(app.tax_year)
            missing: tuple[str, ...] = MISSING if app.status == OnestopStatus.REQUESTED else ()
            apps.append((app, donation, missing))
        uow.session.expunge_all()
        return DonorOnestop(user.remind_onestop, years, apps)
