"""Reminder mails that save donors' money: the year-end summary and the followed campaigns'
mails go out once each, under repeated and concurrent sweeps, and never once turned off."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from furusato.domain.money import JST
from furusato.models import OutboundEmail, Project, ReminderSend, User
from furusato.services.following import campaign_reminders, follows, reminder_settings, year_end
from furusato.services.following.reminder_settings import Change
from furusato.services.uow import UnitOfWork
from tests.factories import make_donation, make_project, make_user

DEC_21 = datetime(2026, 12, 21, 9, 0, tzinfo=JST)


def _mails(session: Session, to: str) -> list[OutboundEmail]:
    session.expire_all()
    return list(session.scalars(select(OutboundEmail).where(OutboundEmail.to_address == to)))


def test_year_end_summary_states_the_year_against_the_cap_once(db: Session) -> None:
    """Paid donations of the JST tax year are summed (not last year's, not refunded ones),
    set against the saved estimate's cap; a second sweep sends nothing more."""
    donor = make_user(db, remind_year_end=True)
    reminder_settings.update(
        donor.id, Change(estimate_salary_yen=5_000_000, estimate_family="single")
    )
    project = make_project(db)
    make_donation(
        db, project, user_id=donor.id, amount_yen=10_000, paid_at=datetime(2026, 3, 1, tzinfo=UTC)
    )
    make_donation(
        db,
        project,
        user_id=donor.id,
        amount_yen=20_000,
        paid_at=datetime(2026, 12, 31, 14, 59, 59, tzinfo=UTC),
    )  # 23:59:59 JST
    make_donation(
        db,
        project,
        user_id=donor.id,
        amount_yen=30_000,
        paid_at=datetime(2025, 12, 31, 15, 0, 1, tzinfo=UTC),
    )  # 2026-01-01 JST
    make_donation(
        db,
        project,
        user_id=donor.id,
        amount_yen=40_000,
        status="refunded",
        paid_at=datetime(2026, 6, 1, tzinfo=UTC),
    )
    make_donation(
        db, project, user_id=donor.id, amount_yen=50_000, paid_at=datetime(2025, 6, 1, tzinfo=UTC)
    )

    assert year_end.sweep(DEC_21) == 1
    assert year_end.sweep(DEC_21 + timedelta(hours=1)) == 0
    [mail] = _mails(db, donor.email)
    assert "2026年のふるさと納税のまとめ" in mail.subject
    assert "3件 60,000円" in mail.body_text
    assert "控除の年は、決済が完了した日（日本時間）" in mail.body_text
    assert "61,000円" in mail.body_text  # salary 5,000,000, single (the guide's value)
    assert "あと 1,000円" in mail.body_text
    assert "/me/reminders" in mail.body_text


def test_year_end_summary_without_an_estimate_links_the_simulator(db: Session) -> None:
    """No saved estimate: the mail says so and links the deduction estimate page."""
    donor = make_user(db, remind_year_end=True)
    assert year_end.sweep(DEC_21) == 1
    [mail] = _mails(db, donor.email)
    assert "0件 0円" in mail.body_text
    assert "まだ計算されていません" in mail.body_text
    assert "/deduction-estimate" in mail.body_text


def test_year_end_summary_only_in_its_window_and_only_when_asked(db: Session) -> None:
    """Nothing before December 20 or after December 31 21:00 JST; nothing to a donor who did
    not ask or turned it off; nothing to staff or business accounts."""
    asked = make_user(db, remind_year_end=True)
    not_asked = make_user(db)
    staff = make_user(db, role="staff", remind_year_end=True)
    assert year_end.sweep(datetime(2026, 12, 19, 23, 59, tzinfo=JST)) == 0
    assert year_end.sweep(datetime(2026, 12, 31, 21, 0, tzinfo=JST)) == 0
    reminder_settings.update(asked.id, Change(remind_year_end=False))
    assert year_end.sweep(DEC_21) == 0
    for user in (asked, not_asked, staff):
        assert _mails(db, user.email) == []
    assert year_end.send(asked.id, 2026) == "turned_off"


def _ending(db: Session) -> tuple[Project, User]:
    project = make_project(db, deadline=datetime.now(UTC) + timedelta(hours=30))
    donor = make_user(db)
    follows.follow(donor.id, project.id)
    return project, donor


def test_a_followed_campaign_about_to_end_is_mailed_once_to_its_followers(db: Session) -> None:
    """Within 48 hours of the deadline each follower gets one mail; not a non-follower, not
    a follower of a campaign ending in three days; sweeping again sends nothing more."""
    project, donor = _ending(db)
    bystander = make_user(db)
    later = make_project(db, deadline=datetime.now(UTC) + timedelta(days=3))
    follows.follow(bystander.id, later.id)

    assert campaign_reminders.sweep() == 1
    assert campaign_reminders.sweep() == 0
    [mail] = _mails(db, donor.email)
    assert f"まもなく終了:「{project.title}」" in mail.subject
    assert f"/projects/{project.id}" in mail.body_text
    assert "/me/reminders" in mail.body_text
    assert _mails(db, bystander.email) == []


def test_turning_off_or_unfollowing_stops_the_campaign_mails(db: Session) -> None:
    """A donor who turned the followed-campaign mails off, or unfollowed, gets none."""
    project, off = _ending(db)
    gone = make_user(db)
    follows.follow(gone.id, project.id)
    reminder_settings.update(off.id, Change(remind_followed=False))
    follows.unfollow(gone.id, project.id)
    assert campaign_reminders.sweep() == 0
    assert _mails(db, off.email) == [] and _mails(db, gone.email) == []
    assert campaign_reminders.send(campaign_reminders.ReminderKind.ENDING, off.id, project.id) == (
        "turned_off"
    )


def test_a_reached_target_is_news_to_those_who_followed_before(db: Session) -> None:
    """Followers from before the target was reached get one mail; one who followed after
    (and saw it reached) gets none; a target reached long ago is no news."""
    project = make_project(db)
    before, after = make_user(db), make_user(db)
    follows.follow(before.id, project.id)
    project.target_reached_at = datetime.now(UTC)
    db.flush()
    follows.follow(after.id, project.id)
    old = make_project(db, target_reached_at=datetime.now(UTC) - timedelta(days=10))
    follows.follow(before.id, old.id)

    assert campaign_reminders.sweep(datetime.now(UTC) + timedelta(minutes=1)) == 1
    assert campaign_reminders.sweep(datetime.now(UTC) + timedelta(minutes=2)) == 0
    [mail] = _mails(db, before.email)
    assert f"目標達成:「{project.title}」" in mail.subject
    assert _mails(db, after.email) == []


def test_two_sweeps_at_once_send_each_reminder_once(committed: Engine) -> None:
    """Two workers sweeping at the same moment (or a beat restarted mid-sweep): one mail and
    one reminder row per donor and subject."""
    with UnitOfWork() as uow:
        donors = [make_user(uow.session, remind_year_end=True) for _ in range(5)]
        project = make_project(uow.session, deadline=datetime.now(UTC) + timedelta(hours=5))
        uow.commit()
        ids, project_id = [d.id for d in donors], project.id
    for user_id in ids:
        follows.follow(user_id, project_id)

    start = threading.Barrier(4)
    results: list[int] = []

    def run(sweep: object) -> None:
        start.wait()
        results.append(sweep(DEC_21) if sweep is year_end.sweep else sweep())  # type: ignore[operator]

    threads = [
        threading.Thread(target=run, args=(s,))
        for s in (
            year_end.sweep,
            year_end.sweep,
            campaign_reminders.sweep,
            campaign_reminders.sweep,
        )
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sum(results) == 10
    with UnitOfWork() as uow:
        count = select(func.count()).select_from
        assert uow.session.scalar(count(OutboundEmail)) == 10
        assert uow.session.scalar(count(ReminderSend)) == 10
        keys = uow.session.scalars(select(OutboundEmail.key)).all()
        assert len(set(keys)) == 10
