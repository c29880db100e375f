"""The business's project pages: create with derived amounts, tiers, images, submit, 403s."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from furusato.domain.money import JST
from furusato.models import Business, Project
from tests.conftest import login
from tests.factories import make_project, make_tier, make_user


def _local(moment: datetime) -> str:
    return moment.astimezone(JST).strftime("%Y-%m-%dT%H:%M")


START = datetime.now(UTC) + timedelta(days=3)
FORM = {
    "title": "泉州タオルの新ブランド",
    "summary": "市内の工場で新しいタオルをつくります。",
    "story_markdown": "## 私たち\n\n<script>alert(1)</script>",
    "category": "craft",
    "eligible_cost_yen": "1000000",
    "starts_at": _local(START),
    "deadline": _local(START + timedelta(days=30)),
    "miss_policy": "refund",
}
TIER = {
    "amount_yen": "10000",
    "gift_name": "泉州タオル 3枚",
    "gift_description": "市内で織ったタオル",
    "procurement_cost_yen": "3000",
    "shipping_cost_yen": "800",
    "delivery_month": "2027-05",
    "local_category": "3",
    "local_evidence": "市内の自社工場で製織",
    "general_price_yen": "3000",
    "local_value_added_yen": "2000",
}


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (1600, 900), (30, 90, 160)).save(out, format="PNG")
    return out.getvalue()


def test_create_project_then_tier_then_submit(client: FlaskClient, db: Session) -> None:
    """The whole draft journey through the forms, ending in review with the story sanitised."""
    owner = make_user(db, "business")
    login(client, owner)
    page = client.get("/business/projects/new").get_data(as_text=True)
    assert 'src="/static/project_form.js"' in page and 'data-rate="40"' in page
    response = client.post("/business/projects/new", data=FORM)
    assert response.status_code == 302
    project = db.scalar(select(Project).where(Project.business_id == owner.business_id))
    assert project is not None
    assert (project.target_yen, project.cap_yen) == (1_250_000, 2_500_000)
    assert project.starts_at is not None and abs(project.starts_at - START) < timedelta(minutes=1)
    assert "<script" not in project.story_html

    page = client.get(f"/business/projects/{project.id}").get_data(as_text=True)
    assert "寄附のコースを1つ以上登録してください。" in page  # the to-do list before submitting

    assert client.post(f"/business/projects/{project.id}/tiers/new", data=TIER).status_code == 302
    response = client.post(
        f"/business/projects/{project.id}/images",
        data={"image": (io.BytesIO(png()), "towel.png"), "alt_text": "織り上がったタオル"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    page = client.get(f"/business/projects/{project.id}").get_data(as_text=True)
    assert "ルールの確認はすべて通っています" in page and "/thumb" in page

    assert client.post(f"/business/projects/{project.id}/submit").status_code == 302
    db.refresh(project)
    assert project.status == "submitted"
    page = client.get(f"/business/projects/{project.id}").get_data(as_text=True)
    assert "審査中です" in page
    for url in ("edit", "tiers/new"):  # frozen: the edit pages send it back
        assert client.get(f"/business/projects/{project.id}/{url}").status_code == 302
        assert client.post(f"/business/projects/{project.id}/{url}", data=FORM).status_code == 302
    db.refresh(project)
    assert len(project.tiers) == 1


def test_submit_shows_every_violation(client: FlaskClient, db: Session) -> None:
    """A refused submission answers 422 and lists each problem on the page."""
    owner = make_user(db, "business")
    project = make_project(db, owner.business, status="draft", title="激安タオル", tiers=0)
    make_tier(db, project, procurement_cost_yen=3_500, local_evidence="")
    login(client, owner)
    response = client.post(f"/business/projects/{project.id}/submit")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for text in ("「激安」", "寄附額の3割", "寄附額の5割", "地場産品であることの根拠", "4件の問題"):
        assert text in page
    db.refresh(project)
    assert project.status == "draft"


def test_rejection_reason_is_shown_to_the_business(client: FlaskClient, db: Session) -> None:
    """After a rejection the business sees the reason on its project and dashboard."""
    owner = make_user(db, "business")
    project = make_project(
        db, owner.business, status="draft", rejection_reason="送料の根拠が不明です。"
    )
    login(client, owner)
    assert "送料の根拠が不明です。" in client.get(f"/business/projects/{project.id}").get_data(
        as_text=True
    )
    assert "差し戻されました" in client.get("/business/").get_data(as_text=True)


def test_another_business_gets_403_everywhere(client: FlaskClient, db: Session) -> None:
    """Every page and action on another business's project is forbidden."""
    project = make_project(db, status="draft")
    tier = project.tiers[0]
    login(client, make_user(db, "business"))
    base = f"/business/projects/{project.id}"
    for url in (base, f"{base}/edit", f"{base}/tiers/new", f"{base}/tiers/{tier.id}/edit"):
        assert client.get(url).status_code == 403, url
    for url, data in (
        (f"{base}/edit", FORM),
        (f"{base}/tiers/new", TIER),
        (f"{base}/tiers/{tier.id}/edit", TIER),
        (f"{base}/tiers/{tier.id}/delete", {}),
        (f"{base}/submit", {}),
        (f"{base}/images", {"alt_text": "x"}),
    ):
        assert client.post(url, data=data).status_code == 403, url
    db.refresh(project)
    assert project.status == "draft" and len(project.tiers) == 1


def test_donors_and_anonymous_cannot_reach_business_pages(client: FlaskClient, db: Session) -> None:
    """Anonymous users are sent to log in; donors and staff get 403."""
    project = make_project(db, status="draft")
    assert client.get(f"/business/projects/{project.id}").status_code == 302
    assert client.post("/business/projects/new", data=FORM).status_code == 302
    for role in ("donor", "staff"):
        login(client, make_user(db, role))
        assert client.get(f"/business/projects/{project.id}").status_code == 403
        assert client.post("/business/projects/new", data=FORM).status_code == 403


def test_non_image_upload_is_refused_clearly(client: FlaskClient, db: Session) -> None:
    """A PDF named .jpg is refused with a message saying which types are allowed."""
    owner = make_user(db, "business")
    project = make_project(db, owner.business, status="draft")
    login(client, owner)
    response = client.post(
        f"/business/projects/{project.id}/images",
        data={"image": (io.BytesIO(b"%PDF-1.7 fake"), "photo.jpg"), "alt_text": "写真"},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "JPEG・PNG・WebP" in response.get_data(as_text=True)
    db.refresh(project)
    assert project.images == []


def test_oversized_upload_is_refused_clearly(client: FlaskClient, db: Session) -> None:
    """A file over 8 MB is refused with the limit in the message."""
    owner = make_user(db, "business")
    project = make_project(db, owner.business, status="draft")
    login(client, owner)
    big = b"\xff\xd8\xff" + b"\0" * (8 * 1024 * 1024 + 1)
    response = client.post(
        f"/business/projects/{project.id}/images",
        data={"image": (io.BytesIO(big), "big.jpg"), "alt_text": "大きい写真"},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "8MB以下" in response.get_data(as_text=True)


def test_dashboard_lists_progress_and_follow_up_links(client: FlaskClient, db: Session) -> None:
    """Donations so far, % of target, days left, and the shipping link once funded."""
    owner = make_user(db, "business")
    live = make_project(db, owner.business, status="approved", paid_total_yen=625_000)
    funded = make_project(
        db, owner.business, status="settled", outcome="funded", paid_total_yen=1_300_000
    )
    make_project(db, status="approved", title="よその事業者のプロジェクト")
    login(client, owner)
    page = client.get("/business/").get_data(as_text=True)
    assert live.title in page and funded.title in page
    assert "よその事業者のプロジェクト" not in page
    assert "¥625,000" in page and "50%" in page and "30日" in page
    assert f"/business/projects/{funded.id}/shipments" in page
    assert f"/business/projects/{live.id}/shipments" not in page


def test_bank_account_form_converts_kana(client: FlaskClient, db: Session) -> None:
    """The holder name typed in full-width kana is saved half-width; errors name the field."""
    owner = make_user(db, "business")
    login(client, owner)
    form = {
        "bank_code": "0179",
        "bank_name_kana": "イズミサノシンキン",
        "branch_code": "001",
        "branch_name_kana": "ほんてん",
        "account_type": "1",
        "account_number": "7654321",
        "account_holder_kana": "カ）イズミサノタオル",
    }
    assert client.post("/business/bank", data=form).status_code == 302
    business = db.get(Business, owner.business_id)
    assert business is not None
    db.refresh(business)
    assert business.account_holder_kana == "ｶ)ｲｽﾞﾐｻﾉﾀｵﾙ" and business.branch_name_kana == "ﾎﾝﾃﾝ"
    page = client.post("/business/bank", data=form | {"bank_code": "12"}).get_data(as_text=True)
    assert "金融機関コードは4桁の数字" in page


def test_tier_form_carries_the_local_product_facts(client: FlaskClient, db: Session) -> None:
    """The form stores 8号's kind, the 一般販売価格 and a 宿泊 price, shows them again on edit,
    and a 宿泊 over ¥50,000 per person-night is refused at submission with the rule named."""
    owner = make_user(db, "business")
    project = make_project(db, owner.business, status="draft", tiers=0)
    login(client, owner)
    page = client.get(f"/business/projects/{project.id}/tiers/new").get_data(as_text=True)
    for text in (
        "一般販売価格",
        "8号（共通返礼品等）の種類",
        "宿泊の1人1泊あたりの料金",
        "熟成肉・精米",
    ):
        assert text in page
    lodging = TIER | {
        "amount_yen": "200000",
        "procurement_cost_yen": "50001",
        "shipping_cost_yen": "0",
        "local_category": "7",
        "general_price_yen": "50001",
        "local_value_added_yen": "",
        "lodging_price_yen": "50001",
    }
    assert (
        client.post(f"/business/projects/{project.id}/tiers/new", data=lodging).status_code == 302
    )
    db.refresh(project)
    tier = project.tiers[0]
    assert (tier.local_category, tier.lodging_price_yen, tier.general_price_yen) == (
        7,
        50_001,
        50_001,
    )
    edit = client.get(f"/business/projects/{project.id}/tiers/{tier.id}/edit").get_data(
        as_text=True
    )
    assert 'value="50001"' in edit
    response = client.post(f"/business/projects/{project.id}/submit")
    assert response.status_code == 422
    assert "宿泊は1人1泊あたり50,000円以下に限ります" in response.get_data(as_text=True)
    shared = TIER | {"local_category": "8", "local_subitem": "ha", "same_prefecture": "y"}
    client.post(f"/business/projects/{project.id}/tiers/{tier.id}/edit", data=shared)
    db.refresh(tier)
    assert (tier.local_category, tier.local_subitem, tier.lodging_price_yen) == (8, "ha", None)
    assert tier.same_prefecture is True
