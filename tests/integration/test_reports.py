"""Reports from the ledger (per campaign, per fiscal year, the 50 % rule) and reconciliation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from furusato.domain.settlement import fiscal_year
from furusato.models import AuditLog, LedgerEntry
from furusato.payments import get_gateway
from furusato.services.settlement import closing, reports, work
from tests.conftest import TaskRecorder, login
from tests.factories import make_donation, make_project, make_user
from tests.support.localstripe import LocalStripe

NOW = datetime.now(UTC)


def settle(sent: TaskRecorder) -> None:
    closing.settle_due(NOW)
    for name, args in list(sent.sent):
        if name == closing.CHUNK_TASK:
            work.run_chunk(*args)


def test_campaign_figures_and_the_fifty_percent_rule(db: Session, sent_tasks: TaskRecorder) -> None:
    """A funded campaign's report adds up: costs, subsidy, the city's share and the cost ratio."""
    project = make_project(db, deadline=NOW - timedelta(minutes=1))  # target 1,250,000
    tier = project.tiers[0]  # 10,000 yen: gift costs 3,000 + shipping 800
    for _ in range(130):
        make_donation(db, project, fee_yen=360)
    settle(sent_tasks)
    f = reports.campaign(project.id)
    assert (f.donations_yen, f.refunds_yen, f.fees_yen) == (1_300_000, 0, 46_800)
    assert (f.gift_costs_yen, f.shipping_yen) == (130 * tier.procurement_cost_yen, 130 * 800)
    assert f.subsidy_yen == 520_000
    assert f.city_share_yen == 1_300_000 - 46_800 - 390_000 - 104_000 - 520_000
    # (46,800 + 390,000 + 104,000 + 65,000 administration) / 1,300,000 = 46.6 %
    assert f.administration_yen == 65_000 and f.cost_ratio_bp == 4_660 and f.within_rule
    year = reports.fiscal_year(fiscal_year(NOW))
    assert [c.project_id for c in year.campaigns] == [project.id]
    assert year.total.donations_yen == 1_300_000
    assert reports.to_csv([f]).decode("utf-8-sig").splitlines()[1].split(",")[-2:] == [
        "46.60",
        "適合",
    ]


def test_reconciliation_reports_a_mismatch_and_fixes_nothing(
    db: Session, stripe_clean: LocalStripe, sent_tasks: TaskRecorder, client: FlaskClient
) -> None:
    """Ledger and gateway agree after settlement; a refund made outside our books shows as a
    mismatch to staff, and the ledger is left as it was."""
    project = make_project(db, deadline=NOW - timedelta(minutes=1))
    intents = []
    for _ in range(2):
        pi = stripe_clean.client.v1.payment_intents.create(
            params={
                "amount": 700_000,
                "currency": "jpy",
                "payment_method": stripe_clean.payment_method(),
                "confirm": True,
            }
        )
        intents.append(str(pi.id))
        make_donation(db, project, amount_yen=700_000, payment_intent_id=str(pi.id))
    settle(sent_tasks)
    good = reports.reconcile(project.id)
    assert good.matches and good.ledger_net_yen == good.gateway_net_yen == 1_400_000
    get_gateway().refund(payment_intent_id=intents[0], amount_yen=1_000, idempotency_key="outside")
    entries = db.scalar(select(func.count(LedgerEntry.id)))
    staff = make_user(db, "staff")
    bad = reports.reconcile(project.id, staff.id)
    assert (
        not bad.matches and bad.gateway_net_yen == 1_399_000 and len(bad.mismatched_donations) == 1
    )
    assert db.scalar(select(func.count(LedgerEntry.id))) == entries
    logged = db.scalar(
        select(AuditLog)
        .where(AuditLog.action == "settlement.reconciled")
        .order_by(AuditLog.id.desc())
    )
    assert logged is not None and logged.actor_id == staff.id and logged.after["matches"] is False
    login(client, staff)
    assert "不一致" in client.get("/staff/settlements").get_data(as_text=True)
