"""Staff and tiers flagged for their 地場産品基準 item: the list with the old and new meaning,
the dashboard's count, and the audited decision that confirms the item and clears the note."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from furusato.models import AuditLog
from tests.conftest import login
from tests.factories import make_project, make_tier, make_user

NOTE = "告示第5条の号の番号に合わせて区分を改めました。登録時の7号は別の意味でした。"


def flagged(db: Session, code: int = 7) -> int:
    project = make_project(db, tiers=0, title="泉州タオルの新ブランド")
    return make_tier(db, project, local_category=code, local_review_note=NOTE).id


def test_staff_see_flagged_tiers_with_old_and_new_item_and_the_count(
    client: FlaskClient, db: Session
) -> None:
    """The list names the campaign, the tier, what the code meant, what it means now and why."""
    flagged(db)
    login(client, make_user(db, "staff"))
    page = client.get("/staff/local-products").get_data(as_text=True)
    assert "泉州タオルの新ブランド" in page and NOTE in page
    assert "現在の8号イ" in page  # the former meaning of 7号
    assert "区域内において提供される役務" in page  # what 7号 means today
    assert "（1件）" in client.get("/staff/").get_data(as_text=True)


def test_confirming_sets_the_chosen_item_clears_the_note_and_is_audited(
    client: FlaskClient, db: Session
) -> None:
    """Staff's choice (8号ロ) is stored, the note cleared and the decision in the audit log."""
    tier_id = flagged(db)
    staff = make_user(db, "staff")
    login(client, staff)
    answer = client.post(
        f"/staff/local-products/{tier_id}/confirm",
        data={"local_category": "8", "local_subitem": "ro", "note": "県の認定書を確認"},
    )
    assert answer.status_code == 303
    entry = db.scalars(select(AuditLog).where(AuditLog.action == "tier.local_item_confirm")).one()
    assert entry.actor_id == staff.id and entry.note == "県の認定書を確認"
    assert entry.before == {"local_category": 7, "local_subitem": None, "local_review_note": NOTE}
    assert entry.after == {"local_category": 8, "local_subitem": "ro", "local_review_note": None}
    page = client.get("/staff/local-products").get_data(as_text=True)
    assert "見直しが必要なコースはありません" in page


def test_a_bad_decision_is_refused_and_keeps_the_note(client: FlaskClient, db: Session) -> None:
    """8号 without its kind, or a kind on another item, changes nothing; nor does a second
    confirmation of a tier already confirmed."""
    tier_id = flagged(db)
    login(client, make_user(db, "staff"))
    for data in ({"local_category": "8"}, {"local_category": "3", "local_subitem": "i"}, {}):
        answer = client.post(f"/staff/local-products/{tier_id}/confirm", data=data)
        assert answer.status_code == 303
        page = client.get("/staff/local-products").get_data(as_text=True)
        assert NOTE in page
    assert (
        db.scalars(select(AuditLog).where(AuditLog.action == "tier.local_item_confirm")).all() == []
    )
    client.post(f"/staff/local-products/{tier_id}/confirm", data={"local_category": "7"})
    again = client.post(
        f"/staff/local-products/{tier_id}/confirm",
        data={"local_category": "1"},
        follow_redirects=True,
    )
    assert "すでに確認済み" in again.get_data(as_text=True)


def test_only_staff_reach_the_page(client: FlaskClient, db: Session) -> None:
    """A business is refused the list and the decision."""
    tier_id = flagged(db)
    login(client, make_user(db, "business"))
    assert client.get("/staff/local-products").status_code == 403
    assert client.post(f"/staff/local-products/{tier_id}/confirm", data={}).status_code == 403
