"""The schema: built by Alembic, matching the models, and guarding money with constraints."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from furusato.models import Base, Payout
from tests.factories import make_donation, make_project, make_user


def test_migrations_match_the_models(database: Engine) -> None:
    """Autogenerate finds nothing to add: the migrations are the models."""
    with database.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(ctx, Base.metadata) == []


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE donations SET amount_yen = -1",
        "UPDATE donations SET amount_yen = 1999",
        "UPDATE donations SET status = 'lost'",
        "UPDATE projects SET status = 'live'",
        "UPDATE tiers SET reserved_count = quantity_limit + 1 WHERE quantity_limit IS NOT NULL",
        "UPDATE projects SET reserved_total_yen = cap_yen + 1",
    ],
)
def test_constraints_refuse_bad_money_and_states(db: Session, statement: str) -> None:
    """Negative or sub-minimum yen, unknown states and oversold stock never reach the table."""
    project = make_project(db)
    project.tiers[0].quantity_limit = 1
    make_donation(db, project)
    db.flush()
    with pytest.raises(IntegrityError):
        with db.begin_nested():
            db.execute(text(statement))


def test_the_same_person_cannot_prepare_and_approve_a_payout(db: Session) -> None:
    """The four-eyes rule is a CHECK constraint, not only a view check."""
    staff = make_user(db, "staff")
    project = make_project(db)
    payout = Payout(
        project=project,
        business=project.business,
        amount_yen=500_000,
        status="approved",
        prepared_by_id=staff.id,
        approved_by_id=staff.id,
        **CHECKED_ACCOUNT,
    )
    db.add(payout)
    with pytest.raises(IntegrityError, match="four_eyes"):
        with db.begin_nested():
            db.flush()


CHECKED_ACCOUNT = {
    "bank_code": "0001",
    "bank_name_kana": "ﾐｽﾞﾎ",
    "branch_code": "001",
    "branch_name_kana": "ﾎﾝﾃﾝ",
    "account_type": "1",
    "account_number": "1234567",
    "account_holder_kana": "ｶ)ｲｽﾞﾐｻﾉ",
}


def test_a_payout_past_draft_carries_the_account_it_pays(db: Session) -> None:
    """Prepared without the checked account copy is refused by a CHECK constraint."""
    staff = make_user(db, "staff")
    project = make_project(db)
    db.add(
        Payout(
            project=project,
            business=project.business,
            amount_yen=500_000,
            status="prepared",
            prepared_by_id=staff.id,
        )
    )
    with pytest.raises(IntegrityError, match="account_snapshot"):
        with db.begin_nested():
            db.flush()


def test_one_live_charge_per_donation(db: Session) -> None:
    """A second charge attempt cannot be written while the first is not a definite failure."""
    from furusato.models import PaymentAttempt

    donation = make_donation(db, make_project(db), status="pending_payment")
    db.add(PaymentAttempt(donation=donation, kind="charge", key="k1", amount_yen=10_000))
    db.flush()
    db.add(PaymentAttempt(donation=donation, kind="charge", key="k2", amount_yen=10_000))
    with pytest.raises(IntegrityError):
        with db.begin_nested():
            db.flush()
