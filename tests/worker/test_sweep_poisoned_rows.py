"""Every beat sweep goes on past one row it cannot write, on the real worker. The database
refuses writes to one chosen row (a trigger raising an error, as a row no code path expected
would): the sweep logs and counts that row, and does its work for all the others."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from furusato.domain.money import utcnow
from furusato.models import Donation, OnestopApplication, Project, Receipt
from furusato.services.fulfilment import mynumber_vault, receipts
from tests.factories import make_donation, make_project
from tests.support.mail import SmtpSink
from tests.support.worker import RunningWorker

pytestmark = pytest.mark.worker

Poison = Callable[[str, str], None]


@pytest.fixture
def poison(committed: Engine) -> Iterator[Poison]:
    """`poison(table, condition)`: the database refuses to insert or update the rows of
    `table` for which `condition` (on NEW) holds, until the test ends."""
    made: list[tuple[str, str]] = []
    with committed.begin() as c:
        c.execute(
            text(
                "CREATE OR REPLACE FUNCTION furusato_test_poison() RETURNS trigger"
                " LANGUAGE plpgsql AS $$ BEGIN"
                " RAISE EXCEPTION 'poisoned row of %', TG_TABLE_NAME; END $$"
            )
        )

    def add(table: str, condition: str) -> None:
        name = f"furusato_test_poison_{len(made)}"
        with committed.begin() as c:
            c.execute(
                text(
                    f"CREATE TRIGGER {name} BEFORE INSERT OR UPDATE ON {table} FOR EACH ROW"
                    f" WHEN ({condition}) EXECUTE FUNCTION furusato_test_poison()"
                )
            )
        made.append((name, table))

    try:
        yield add
    finally:
        with committed.begin() as c:
            for name, table in made:
                c.execute(text(f"DROP TRIGGER IF EXISTS {name} ON {table}"))
            c.execute(text("DROP FUNCTION IF EXISTS furusato_test_poison()"))


def _run(worker: RunningWorker, task: str) -> object:
    """Run a beat task on the worker, as beat sends it, and return its answer."""
    sent = worker.app.send_task(task, ignore_result=False)
    try:
        return sent.get(timeout=60)
    finally:
        sent.forget()


def test_settle_due_goes_on_past_a_campaign_it_cannot_close(
    committed: Engine, worker: RunningWorker, poison: Poison
) -> None:
    """Two campaigns past their deadline, the first refusing to be closed: the sweep names it
    as failed and still closes and settles the second."""
    with Session(committed) as s:
        past = datetime.now(UTC) - timedelta(minutes=5)
        stuck, fine = (make_project(s, deadline=past) for _ in range(2))
        s.commit()
        stuck_id, fine_id = stuck.id, fine.id
    poison("projects", f"NEW.id = {stuck_id} AND NEW.status = 'closing'")
    report = _run(worker, "furusato.settle_due_sweep")
    assert isinstance(report, str) and f"project {stuck_id}: close failed" in report
    with Session(committed) as s:
        assert s.get(Project, stuck_id).status == "approved"  # type: ignore[union-attr]
        assert s.get(Project, fine_id).status in ("settling", "settled")  # type: ignore[union-attr]


def test_a_receipt_chunk_goes_on_past_a_donation_it_cannot_issue(
    committed: Engine, worker: RunningWorker, poison: Poison, smtp_sink: SmtpSink
) -> None:
    """The receipts sweep's chunk of three final donations, the middle one's receipt refused:
    the other two get theirs (numbered without a gap), the middle one waits for the next."""
    with Session(committed) as s:
        project = make_project(s, miss_policy="keep")
        final = utcnow() - timedelta(hours=1)
        ids = [make_donation(s, project, final_at=final).id for _ in range(3)]
        s.commit()
    poison("receipts", f"NEW.donation_id = {ids[1]}")
    assert receipts.sweep() == 3

    def issued() -> int:
        with Session(committed) as s:
            return int(s.scalar(select(func.count()).select_from(Receipt)) or 0)

    worker.wait_for(lambda: issued() == 2, timeout=45)
    with Session(committed) as s:
        numbered = dict(s.execute(select(Receipt.donation_id, Receipt.seq)).all())
    assert set(numbered) == {ids[0], ids[2]} and sorted(numbered.values()) == [1, 2]


def _applications(engine: Engine, count: int, **values: object) -> list[int]:
    """One-stop applications with a stored number, received long ago."""
    with Session(engine) as s:
        project = make_project(s)
        ids = []
        for _ in range(count):
            donation = make_donation(s, project, onestop_requested=True)
            application = OnestopApplication(
                donation_id=donation.id,
                status="accepted",
                tax_year=donation.tax_year,
                name=donation.donor_name,
                name_kana=donation.donor_name_kana,
                postal_code=donation.postal_code,
                address=donation.address,
                residence_municipality_code=donation.municipality_code,
                phone=donation.phone,
                received_on=date(2015, 1, 8),
                my_number_encrypted=mynumber_vault.encrypt("123456789018"),
                **values,
            )
            s.add(application)
            s.flush()
            ids.append(application.id)
        s.commit()
        return ids


def _numbers_kept(engine: Engine, ids: list[int]) -> list[int]:
    with Session(engine) as s:
        return list(
            s.scalars(
                select(OnestopApplication.id).where(
                    OnestopApplication.id.in_(ids),
                    OnestopApplication.my_number_encrypted.is_not(None),
                )
            )
        )


def test_my_number_erasure_goes_on_past_an_application_it_cannot_erase(
    committed: Engine, worker: RunningWorker, poison: Poison
) -> None:
    """Three numbers past their retention, the first refusing the update: the other two are
    erased (the law's deadline does not wait for the odd one), the first is kept for the
    next day's sweep."""
    ids = _applications(committed, 3)
    poison("onestop_applications", f"NEW.id = {ids[0]}")
    assert _run(worker, "furusato.mynumber_erase_due") == 2
    assert _numbers_kept(committed, ids) == [ids[0]]


def test_refund_withdrawal_goes_on_past_an_application_it_cannot_withdraw(
    committed: Engine, worker: RunningWorker, poison: Poison
) -> None:
    """Three applications of refunded donations, the first refusing the update: the other two
    are withdrawn and their numbers dropped."""
    ids = _applications(committed, 3)
    with Session(committed) as s:
        for application in s.scalars(
            select(OnestopApplication).where(OnestopApplication.id.in_(ids))
        ):
            donation = s.get(Donation, application.donation_id)
            assert donation is not None
            donation.status, donation.refunded_at = "refunded", utcnow()
        s.commit()
    poison("onestop_applications", f"NEW.id = {ids[0]}")
    assert _run(worker, "furusato.onestop_withdraw_refunded") == 2
    assert _numbers_kept(committed, ids) == [ids[0]]
