"""Public pages as a visitor sees them: home, project list, project page, deduction estimate."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from flask.testing import FlaskClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from furusato import create_app
from furusato.models import Project, ProjectImage
from furusato.web.page_cache import TTLCache, app_cache
from tests.factories import make_business, make_project, make_tier
from tests.support.queries import count_statements

NOW = datetime.now(UTC)


def html(client: FlaskClient, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, response.status_code
    return response.get_data(as_text=True)


def card_for(page: str, title: str) -> str:
    """The HTML of the card whose title is `title`."""
    cards = re.findall(r'<article class="card project-card">.*?</article>', page, re.S)
    found = [c for c in cards if f">{title}</a>" in c]
    assert len(found) == 1, title
    return found[0]


def text(page: str) -> str:
    """The visible text, tags removed and whitespace collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def add_image(db: Session, project: Project, position: int = 0) -> ProjectImage:
    image = ProjectImage(
        project=project,
        position=position,
        content_type="image/png",
        large=b"L" * 1000,
        thumbnail=b"T" * 100,
        width=1200,
        height=750,
        alt_text=f"写真{position}",
    )
    db.add(image)
    db.flush()
    return image


# --- home and list ---------------------------------------------------------------------------


def test_home_shows_live_campaigns_and_the_model(client: FlaskClient, db: Session) -> None:
    """Home lists live campaigns, not drafts, and explains the model and the 2,000-yen rule."""
    make_project(db, title="受付中のタオル")
    make_project(db, title="下書きのタオル", status="draft")
    page = text(html(client, "/"))
    assert "受付中のタオル" in page and "下書きのタオル" not in page
    assert "ふるさと納税3.0" in page and "2,000円" in page and "40%" in page


def test_list_cards_show_progress_and_funded_badge(client: FlaskClient, db: Session) -> None:
    """A card shows business, amount raised, supporters, days left and 目標達成 once funded."""
    business = make_business(db, name="泉州タオル工房")
    funded = make_project(
        db,
        business,
        title="達成したプロジェクト",
        paid_total_yen=1_250_000,
        reserved_total_yen=1_250_000,
        paid_count=87,
        deadline=NOW + timedelta(days=11, hours=2),
    )
    add_image(db, funded)
    make_project(db, title="まだのプロジェクト", paid_total_yen=1_000, reserved_total_yen=1_000)
    page = html(client, "/projects")
    card = card_for(page, "達成したプロジェクト")
    assert "目標達成" in card and "泉州タオル工房" in card
    assert "¥1,250,000" in card and "87人" in card and "あと12日" in card
    assert f'src="/images/{funded.images[0].id}/thumb"' in card
    assert "目標達成" not in card_for(page, "まだのプロジェクト")


def test_list_never_shows_drafts_or_submissions(client: FlaskClient, db: Session) -> None:
    """Drafts and projects in review are absent from the list and from search."""
    make_project(db, title="下書きqqq", status="draft")
    make_project(db, title="審査中qqq", status="submitted")
    make_project(db, title="公開qqq")
    page = text(html(client, "/projects?q=qqq"))
    assert "公開qqq" in page and "下書きqqq" not in page and "審査中qqq" not in page


def test_list_form_is_labelled_and_keeps_the_query(client: FlaskClient, db: Session) -> None:
    """Every control has a label; the chosen search, sort and filter are shown back."""
    make_project(db, title="ラベル確認", category="craft")
    page = html(
        client, "/projects?q=%E3%83%A9%E3%83%99%E3%83%AB&sort=popular&category=craft&open_only=y"
    )
    for name in ("q", "category", "sort"):
        assert f'<label for="{name}"' in page, name
        assert f'id="{name}"' in page
    assert re.search(r'<label class="choice"><input[^>]*id="open_only"[^>]*> 受付中', page)
    assert 'value="ラベル"' in page
    assert re.search(r'<option selected value="popular">|<option value="popular" selected', page)
    assert "ラベル確認" in page


def test_bad_list_parameters_fall_back(client: FlaskClient, db: Session) -> None:
    """Unknown sort and category values are ignored, not errors; a page number that is not
    one is a 400 naming it (tests/security/test_strict_numbers.py)."""
    make_project(db, title="どれでも")
    page = html(client, "/projects?sort=bogus&category=nope")
    assert "どれでも" in page
    assert "「page」" in html(client, "/projects?sort=bogus&page=abc", 400)


def test_pagination_links_keep_the_filters(client: FlaskClient, db: Session) -> None:
    """Page links carry the search and sort; a page past the end shows the last page."""
    for i in range(13):
        make_project(db, title=f"ページ送り{i:02d}", category="pagetest", tiers=0)
    page = html(client, "/projects?category=pagetest&sort=popular")
    assert 'href="/projects?page=2&amp;category=pagetest&amp;sort=popular"' in page
    assert "13件中 1〜12件を表示" in text(page)
    last = text(html(client, "/projects?category=pagetest&sort=popular&page=50"))
    assert "13件中 13〜13件を表示" in last


def test_list_page_has_no_n_plus_one(client: FlaskClient, db: Session, database: Engine) -> None:
    """The list runs the same small number of SQL statements for 2 projects as for 20."""

    def populate(n: int, cat: str) -> None:
        for i in range(n):
            p = make_project(db, title=f"{cat}{i}", category=cat, tiers=3)
            add_image(db, p, 0)
            add_image(db, p, 1)

    populate(2, "few")
    with count_statements(database) as few:
        html(client, "/projects?category=few")
    populate(20, "many")
    with count_statements(database) as many:
        page = html(client, "/projects?category=many")
    assert page.count('class="card project-card"') == 12
    assert len(many) == len(few)
    # categories, count, page, images (+ savepoint bookkeeping of the test session)
    assert len([s for s in many if "SAVEPOINT" not in s]) <= 4, many
    assert not any("large" in s or "thumbnail" in s for s in many)  # never the image bytes


# --- project page ----------------------------------------------------------------------------


def test_project_page_states_target_cap_and_tiers(client: FlaskClient, db: Session) -> None:
    """One sentence explains target and cap; limited tiers show what is left; give links."""
    p = make_project(db, eligible_cost_yen=1_000_000, tiers=0)
    a = make_tier(db, p, position=0, amount_yen=5_000, quantity_limit=10, reserved_count=7)
    b = make_tier(db, p, position=1, amount_yen=10_000, quantity_limit=3, reserved_count=3)
    c = make_tier(db, p, position=2, amount_yen=30_000)
    page = html(client, f"/projects/{p.id}")
    visible = text(page)
    assert (
        "寄附額が¥1,250,000に達すると事業費の半分が補助され、¥2,500,000まで受け付けます。"
        in visible
    )
    assert "残り3個（限定10個）" in visible
    assert f'href="/projects/{p.id}/give?tier={a.id}"' in page
    assert f'href="/projects/{p.id}/give?tier={b.id}"' not in page  # sold out
    assert f'href="/projects/{p.id}/give?tier={c.id}"' in page
    assert f'href="/projects/{p.id}/give"' in page
    assert "決済が完了した日（日本時間）で決まります" in visible


def test_refund_policy_is_stated_before_the_tiers(client: FlaskClient, db: Session) -> None:
    """A `refund` campaign says: all refunded, no receipt, no gift, before any give button."""
    p = make_project(db, miss_policy="refund")
    page = html(client, f"/projects/{p.id}")
    policy = page.index('data-policy="refund"')
    assert policy < page.index("/give")
    visible = text(page)
    assert "寄附金は全額返金されます" in visible
    assert "寄附金受領証明書は発行されず、返礼品もお届けしません" in visible


def test_keep_policy_names_purpose_and_gift(client: FlaskClient, db: Session) -> None:
    """A `keep` campaign names the fallback purpose, the receipt, and which gift if any."""
    with_gift = make_project(
        db,
        miss_policy="keep",
        fallback_purpose="新規就農者の支援に活用します。",
        fallback_gift_note="代わりに泉州玉ねぎ5kgをお送りします。",
    )
    no_gift = make_project(db, miss_policy="keep", fallback_purpose="市の観光振興")
    page = html(client, f"/projects/{with_gift.id}")
    assert page.index('data-policy="keep"') < page.index("/give")
    visible = text(page)
    assert "寄附金は返金されず" in visible and "寄附金受領証明書は発行されます" in visible
    assert "新規就農者の支援に活用します。" in visible
    assert "代わりに泉州玉ねぎ5kgをお送りします。" in visible
    assert "目標に届かなかった場合、返礼品はお届けしません。" in text(
        html(client, f"/projects/{no_gift.id}")
    )


def test_receipt_warning_only_before_target(client: FlaskClient, db: Session) -> None:
    """Refund campaigns below target warn that the receipt waits; after the target, no more."""
    warning = "寄附金受領証明書は、目標額に達して寄附が確定してから発行します"
    below = make_project(
        db, miss_policy="refund", paid_total_yen=100_000, reserved_total_yen=100_000
    )
    reached = make_project(
        db, miss_policy="refund", paid_total_yen=1_250_000, reserved_total_yen=1_250_000
    )
    keep = make_project(db, miss_policy="keep", fallback_purpose="市の事業")
    assert warning in text(html(client, f"/projects/{below.id}"))
    assert warning not in text(html(client, f"/projects/{reached.id}"))
    assert warning not in text(html(client, f"/projects/{keep.id}"))


def test_paused_campaign_shows_reason_and_no_give_buttons(client: FlaskClient, db: Session) -> None:
    """A paused campaign says why and offers no way to give."""
    p = make_project(db, status="paused", paused_reason="設備点検のため12月5日まで停止します。")
    page = html(client, f"/projects/{p.id}")
    assert "設備点検のため12月5日まで停止します。" in text(page)
    assert "/give" not in page


def test_story_html_is_rendered_and_images_linked(client: FlaskClient, db: Session) -> None:
    """The stored (sanitised) story renders as HTML; images point at the image routes."""
    p = make_project(db, story_html="<h2>なぜ</h2><p>泉州の<strong>伝統</strong></p>")
    first, second = add_image(db, p, 0), add_image(db, p, 1)
    page = html(client, f"/projects/{p.id}")
    assert "<p>泉州の<strong>伝統</strong></p>" in page
    assert f'src="/images/{first.id}/large"' in page
    assert f'src="/images/{second.id}/thumb"' in page


def test_unreviewed_projects_are_not_found(client: FlaskClient, db: Session) -> None:
    """A draft's page is a 404, as is an unknown id."""
    draft = make_project(db, status="draft", title="見せない下書き")
    assert "見せない下書き" not in html(client, f"/projects/{draft.id}", 404)
    html(client, "/projects/987654321", 404)


# --- caching ---------------------------------------------------------------------------------


def test_list_data_is_cached_for_a_few_seconds(db: Session) -> None:
    """With caching on, a second view within the TTL reuses the data; clearing refreshes it."""
    app = create_app(
        {"TESTING": True, "TASK_SENDER": "none", "WTF_CSRF_ENABLED": False, "PAGE_CACHE_SECONDS": 5}
    )
    client = app.test_client()
    p = make_project(db, title="キャッシュ確認", paid_count=3)
    assert "3人" in text(html(client, f"/projects/{p.id}"))
    p.paid_count = 4
    db.flush()
    assert "3人" in text(html(client, f"/projects/{p.id}"))  # within the TTL
    app_cache("catalog", app).clear()
    assert "4人" in text(html(client, f"/projects/{p.id}"))


def test_ttl_cache_expires_and_stays_bounded() -> None:
    """Entries expire after the TTL; the cache never grows past its size."""
    now = [100.0]
    cache = TTLCache(5, max_entries=3, clock=lambda: now[0])
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        return len(calls)

    assert cache.get("k", compute) == 1
    assert cache.get("k", compute) == 1
    now[0] += 5.1
    assert cache.get("k", compute) == 2
    for key in range(10):
        cache.get(key, compute)
    assert len(cache) <= 3
    assert TTLCache(0).get("x", lambda: 7) == 7  # a zero TTL caches nothing


# --- deduction estimate page -----------------------------------------------------------------


def test_deduction_page_form_and_result(client: FlaskClient) -> None:
    """The form is labelled; a result shows the cap, the breakdown and that it is an estimate."""
    blank = html(client, "/deduction-estimate")
    for name in ("salary_yen", "family", "year"):
        assert f'<label for="{name}"' in blank
    page = text(html(client, "/deduction-estimate?salary_yen=5000000&family=single&year=2025"))
    assert "¥61,000" in page and "住民税所得割額" in page and "目安" in page


def test_deduction_page_refuses_bad_input(client: FlaskClient) -> None:
    """A negative or missing salary shows the form again with a message (422)."""
    page = text(html(client, "/deduction-estimate?salary_yen=-5&family=single&year=2025", 422))
    assert "0円から10億円までの金額を入力してください。" in page
    html(client, "/deduction-estimate?salary_yen=abc&family=single&year=2025", 422)
    html(client, "/deduction-estimate?salary_yen=5000000&family=alien&year=2025", 422)
    html(client, "/deduction-estimate?salary_yen=5000000&family=single&year=1990", 422)


def test_the_last_day_counts_hours(client: FlaskClient, db: Session) -> None:
    """A campaign ending within a day shows the hours left, not 「あと1日」."""
    make_project(
        db, title="まもなく終了", deadline=datetime.now(UTC) + timedelta(hours=2, minutes=5)
    )
    card = card_for(html(client, "/projects"), "まもなく終了")
    assert "あと3時間" in card and "あと1日" not in card
