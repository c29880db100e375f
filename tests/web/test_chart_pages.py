"""The pictures on the staff dashboard, a business's project page and a donor's project page:
drawn from the database's figures, with the same figures in a table, no JavaScript."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from furusato.services.settlement import cost_survey, dashboard
from tests.conftest import login
from tests.factories import make_donation, make_project, make_user


def test_the_dashboard_counts_each_donation_on_its_japan_day_of_the_fiscal_year(
    db: Session,
) -> None:
    """A payment at 23:59 JST on Dec 31 is a December bar (highlighted), one a second after
    midnight is January 1's; one of the next fiscal year is not in this year's picture."""
    project = make_project(db)
    make_donation(
        db, project, amount_yen=30_000, paid_at=datetime(2026, 12, 31, 14, 59, tzinfo=UTC)
    )
    make_donation(
        db, project, amount_yen=20_000, paid_at=datetime(2026, 12, 31, 15, 0, 1, tzinfo=UTC)
    )
    make_donation(db, project, amount_yen=5_000, paid_at=datetime(2026, 6, 1, 3, 0, tzinfo=UTC))
    make_donation(db, project, amount_yen=7_000, paid_at=datetime(2027, 3, 31, 15, 0, tzinfo=UTC))
    make_donation(db, project, status="pending_payment")
    board = dashboard.staff_dashboard(now=datetime(2026, 12, 20, tzinfo=UTC))
    assert (board.fiscal_year, board.first_day, board.last_day) == (
        2026,
        date(2026, 4, 1),
        date(2027, 3, 31),
    )
    bars = {b.day: (b.value, b.highlight) for b in board.daily.bars}
    assert bars == {
        date(2026, 6, 1): (5_000, False),
        date(2026, 12, 31): (30_000, True),
        date(2027, 1, 1): (20_000, False),
    }
    assert board.donations_count == 3 and board.daily.total_yen == 55_000
    assert {b.day for b in board.daily_narrow.bars} == set(bars)
    months = {m.month: m.total_yen for m in board.daily.months}
    assert months[date(2026, 12, 1)] == 30_000 and months[date(2027, 1, 1)] == 20_000
    phases = dict((code, share.value) for code, share in board.phases)
    assert phases["live"] == 1 and sum(phases.values()) == 1


def test_staff_see_the_year_as_pictures_and_as_tables(client: FlaskClient, db: Session) -> None:
    """The dashboard draws the days, the year's money and the campaigns by phase; each picture
    is an image with a name, and its figures are also a table."""
    project = make_project(db)
    make_project(db, status="submitted")
    make_donation(db, project, amount_yen=12_345)
    page = login(client, make_user(db, "staff")).get("/staff/").get_data(as_text=True)
    assert page.count('role="img"') == 2  # the wide and the phone drawing of the days
    assert re.search(r'<title id="year-daily-title">日ごとの寄附額（\d{4}年度）</title>', page)
    assert "¥12,345" in page  # the day's figure (the bar's title and the month's row)
    assert re.search(r"<caption>日ごとの寄附額（\d{4}年度）（月ごとの合計）</caption>", page)
    assert re.search(r'<th scope="row">受付中</th>.*?1件', page, re.S)
    assert re.search(r'<th scope="row">審査中</th>.*?1件', page, re.S)
    assert "<script" not in page.split("<main")[1]


def test_a_business_sees_its_campaign_climb_toward_target_and_cap(
    client: FlaskClient, db: Session
) -> None:
    """Its own live project page draws the running total against target and cap lines and
    lists each day's figures; another business's project stays closed to it."""
    owner = make_user(db, "business")
    project = make_project(db, owner.business, eligible_cost_yen=200_000)  # 250,000 / 500,000
    make_donation(db, project, amount_yen=40_000)
    make_donation(db, project, amount_yen=60_000)
    page = login(client, owner).get(f"/business/projects/{project.id}").get_data(as_text=True)
    assert "寄附の累計（目標額と上限額に対して）" in page
    assert page.count('<polyline class="curve"') == 2
    assert "目標額 ¥250,000" in page and "上限額 ¥500,000" in page
    assert re.search(r"<td>¥100,000</td><td>¥100,000</td></tr>", page)  # that day, running total

    other = make_project(db, title="他社のプロジェクト")
    make_donation(db, other, amount_yen=99_999)
    refused = client.get(f"/business/projects/{other.id}")
    assert refused.status_code == 403
    assert "¥99,999" not in refused.get_data(as_text=True)


def test_a_draft_has_no_curve_yet(client: FlaskClient, db: Session) -> None:
    """A draft is not public: its page shows the submission to-do list and no picture."""
    owner = make_user(db, "business")
    project = make_project(db, owner.business, status="draft")
    page = login(client, owner).get(f"/business/projects/{project.id}").get_data(as_text=True)
    assert "審査に提出する" in page
    assert "polyline" not in page and 'id="funding-caption"' not in page


def test_donors_see_progress_toward_target_and_cap(client: FlaskClient, db: Session) -> None:
    """The project page's meter ends at the cap and marks the target; a campaign past its
    target shows its bars as success (green), not as the accent red."""
    project = make_project(
        db,
        eligible_cost_yen=200_000,
        paid_total_yen=300_000,
        paid_count=3,
        reserved_total_yen=300_000,
    )
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert 'aria-label="寄附額 ¥300,000：目標 ¥250,000、上限 ¥500,000"' in page
    assert 'class="meter funded"' in page
    assert '<div class="progress funded"' in page
    assert 'width="600.0"' in page  # 300,000 of a 500,000 bar, in its 1000 units
    assert 'x1="500.0"' in page  # the target's mark halfway


def test_a_campaign_short_of_its_target_is_not_shown_as_funded(
    client: FlaskClient, db: Session
) -> None:
    project = make_project(db, eligible_cost_yen=200_000, paid_total_yen=100_000, paid_count=1)
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert '<div class="meter">' in page and '<div class="progress"' in page
    assert "meter funded" not in page and "progress funded" not in page


def test_the_dashboard_judges_the_fifty_percent_rule_as_the_reports_page_does(db: Session) -> None:
    """Once a year's actual costs are recorded, the dashboard's 経費率 is the actual figure the
    reports page judges, not the ledger's per-tier estimate."""
    staff = make_user(db, "staff")
    now = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)
    assert dashboard.staff_dashboard(now).cost_ratio.actual is False
    cost_survey.record(staff, 2026, {"shipping": "120000", "administration": "30000"}, {})
    ratio = dashboard.staff_dashboard(now).cost_ratio
    assert ratio == cost_survey.page(2026).ratio
    assert (ratio.actual, ratio.costs_yen) == (True, 150_000)
