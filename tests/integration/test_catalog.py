"""The public catalog: what is listed, how it is searched, filtered, sorted and paged."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from furusato.domain.campaign import Phase
from furusato.models import Project, ProjectImage
from furusato.services.campaigns import catalog
from furusato.services.campaigns.catalog import PER_PAGE, ListQuery, Sort
from furusato.services.errors import NotFound
from tests.factories import make_business, make_project, make_tier

NOW = datetime.now(UTC)
_n = itertools.count(1)


def category() -> str:
    """A category no other test uses, so a query sees only this test's projects."""
    return f"cat{next(_n)}-{id(object()) % 10_000}"


def titles(page: catalog.CatalogPage) -> list[str]:
    return [c.title for c in page.cards]


def listed(text: str = "", cat: str = "", **kw: object) -> catalog.CatalogPage:
    return catalog.list_projects(ListQuery(text=text, category=cat, **kw))  # type: ignore[arg-type]


def test_only_reviewed_campaigns_are_listed(db: Session) -> None:
    """Drafts and campaigns in review never appear; every later status does."""
    cat = category()
    for status in ("draft", "submitted", "approved", "paused", "closing", "settling", "settled"):
        make_project(db, status=status, title=f"状態 {status}", category=cat)
    page = listed(cat=cat)
    assert sorted(titles(page)) == sorted(
        f"状態 {s}" for s in ("approved", "paused", "closing", "settling", "settled")
    )
    assert page.total == 5


def test_search_by_title_story_and_business(db: Session) -> None:
    """A word is found in the title, the story or the business name, in any letter case."""
    cat = category()
    make_project(db, title="泉州タオル Towel Project", category=cat)
    make_project(
        db, title="二番目", story_markdown="## 物語\n\n伝統の水なす漬けを改良", category=cat
    )
    make_project(db, make_business(db, name="Sano Brewing 株式会社"), title="三番目", category=cat)
    make_project(db, title="無関係", category=cat)
    assert titles(listed("towel", cat)) == ["泉州タオル Towel Project"]
    assert titles(listed("TOWEL", cat)) == ["泉州タオル Towel Project"]
    assert titles(listed("水なす", cat)) == ["二番目"]
    assert titles(listed("sano brewing", cat)) == ["三番目"]
    assert titles(listed("泉州 towel", cat)) == ["泉州タオル Towel Project"]  # every word
    assert titles(listed("泉州 存在しない", cat)) == []


def test_search_finds_hiragana_katakana_and_half_width_alike(db: Session) -> None:
    """たおる, タオル and ﾀｵﾙ find 泉州タオル; タマネギ finds a story written in ひらがな; full-width
    letters find half-width ones (the query and the project's text are folded alike)."""
    cat = category()
    make_project(db, title="泉州タオル Towel", category=cat)
    make_project(db, title="二番目", story_markdown="甘い たまねぎ のドレッシング", category=cat)
    make_project(db, title="無関係", category=cat)
    for query in ("たおる", "タオル", "ﾀｵﾙ", "ＴＯＷＥＬ", "泉州　たおる"):
        assert titles(listed(query, cat)) == ["泉州タオル Towel"], query
    for query in ("タマネギ", "たまねぎ", "ﾀﾏﾈｷﾞ"):
        assert titles(listed(query, cat)) == ["二番目"], query


def test_search_treats_like_wildcards_as_text(db: Session) -> None:
    """'%' and '_' in a search are literal characters, not wildcards."""
    cat = category()
    make_project(db, title="果汁100%ジュース", category=cat)
    make_project(db, title="ふつうの商品", category=cat)
    assert titles(listed("%", cat)) == ["果汁100%ジュース"]
    assert titles(listed("_", cat)) == []


def test_search_never_reveals_drafts(db: Session) -> None:
    """A draft whose title matches is still not found."""
    make_project(db, status="draft", title="秘密の下書きxyzzy")
    assert listed("xyzzy").total == 0


def test_category_filter(db: Session) -> None:
    """Only projects of the chosen category are listed; the filter offers used categories."""
    a, b = category(), category()
    make_project(db, title="A", category=a)
    make_project(db, title="B", category=b)
    make_project(db, status="draft", title="C", category="draftonly")
    assert titles(listed(cat=a)) == ["A"]
    assert {a, b} <= set(catalog.categories())
    assert "draftonly" not in catalog.categories()


def test_open_only_lists_live_campaigns(db: Session) -> None:
    """'Open only' drops scheduled, paused, ended and full campaigns."""
    cat = category()
    make_project(db, title="live", category=cat)
    make_project(db, title="scheduled", starts_at=NOW + timedelta(days=2), category=cat)
    make_project(db, title="paused", status="paused", category=cat)
    make_project(db, title="ended", deadline=NOW - timedelta(hours=1), category=cat)
    full = make_project(db, title="full", category=cat)
    full.reserved_total_yen = full.cap_yen
    db.flush()
    assert titles(listed(cat=cat, open_only=True)) == ["live"]
    assert len(listed(cat=cat).cards) == 5


def test_sort_new_ending_popular(db: Session) -> None:
    """Newest start first; nearest deadline first (closed last); most supporters first."""
    cat = category()
    make_project(
        db,
        title="old",
        starts_at=NOW - timedelta(days=20),
        deadline=NOW + timedelta(days=3),
        paid_count=5,
        category=cat,
    )
    make_project(
        db,
        title="mid",
        starts_at=NOW - timedelta(days=10),
        deadline=NOW + timedelta(days=30),
        paid_count=50,
        category=cat,
    )
    make_project(
        db,
        title="new",
        starts_at=NOW - timedelta(days=1),
        deadline=NOW + timedelta(days=10),
        paid_count=0,
        category=cat,
    )
    make_project(
        db,
        title="closed",
        starts_at=NOW - timedelta(days=40),
        deadline=NOW - timedelta(days=1),
        paid_count=9,
        category=cat,
    )
    assert titles(listed(cat=cat, sort=Sort.NEW)) == ["new", "mid", "old", "closed"]
    assert titles(listed(cat=cat, sort=Sort.ENDING)) == ["old", "new", "mid", "closed"]
    assert titles(listed(cat=cat, sort=Sort.POPULAR)) == ["mid", "closed", "old", "new"]


def test_sort_nearest_to_target_puts_unfunded_first(db: Session) -> None:
    """Not yet funded first, closest to the target first; funded ones after."""
    cat = category()
    # eligible cost 1,000,000 at 40 % → target 1,250,000
    for title, paid in (
        ("10%", 125_000),
        ("90%", 1_125_000),
        ("funded", 1_300_000),
        ("50%", 625_000),
    ):
        make_project(db, title=title, paid_total_yen=paid, reserved_total_yen=paid, category=cat)
    assert titles(listed(cat=cat, sort=Sort.NEAR_TARGET)) == ["90%", "50%", "10%", "funded"]


def test_pagination_edges(db: Session) -> None:
    """Exactly one page, one more item, page 0, a page past the end, nothing found."""
    cat = category()
    for i in range(PER_PAGE):
        make_project(
            db, title=f"p{i:02d}", starts_at=NOW - timedelta(hours=i), tiers=0, category=cat
        )
    one = listed(cat=cat)
    assert (one.total, one.pages, len(one.cards), one.has_next) == (PER_PAGE, 1, PER_PAGE, False)
    make_project(db, title="extra", starts_at=NOW - timedelta(days=30), tiers=0, category=cat)
    first, second = listed(cat=cat, page=1), listed(cat=cat, page=2)
    assert first.pages == 2 and first.has_next and not first.has_prev
    assert (
        titles(second) == ["extra"]
        and second.has_prev
        and (second.first, second.last)
        == (
            PER_PAGE + 1,
            PER_PAGE + 1,
        )
    )
    assert listed(cat=cat, page=0).page == 1
    assert listed(cat=cat, page=99).page == 2
    none = listed("見つからない語", cat)
    assert (none.total, none.page, none.pages, none.cards, none.first) == (0, 1, 1, (), 0)


def test_card_shows_progress_funded_and_thumbnail(db: Session) -> None:
    """A card carries the raised amount, supporters, days left, funded flag and thumbnail."""
    cat = category()
    p = make_project(
        db,
        title="達成済み",
        paid_total_yen=1_250_000,
        reserved_total_yen=1_250_000,
        paid_count=42,
        deadline=NOW + timedelta(days=5, hours=1),
        category=cat,
    )
    db.add(
        ProjectImage(
            project=p,
            position=0,
            content_type="image/png",
            large=b"L",
            thumbnail=b"T",
            width=10,
            height=10,
            alt_text="タオルの写真",
        )
    )
    make_project(
        db, title="未達成", paid_total_yen=1_249_999, reserved_total_yen=1_249_999, category=cat
    )
    db.flush()
    cards = {c.title: c for c in listed(cat=cat).cards}
    funded = cards["達成済み"]
    assert funded.progress.funded and funded.progress.percent == 100
    assert funded.progress.paid_count == 42 and funded.days_left == 6
    assert funded.thumbnail is not None and funded.thumbnail.thumb_url.endswith("/thumb")
    assert funded.thumbnail.alt == "タオルの写真" and funded.phase == Phase.LIVE
    assert not cards["未達成"].progress.funded and cards["未達成"].progress.percent == 99
    assert cards["未達成"].thumbnail is None


def test_project_detail_has_tiers_with_remaining_units(db: Session) -> None:
    """The page data lists tiers with what is left of limited ones."""
    p = make_project(db, tiers=0)
    make_tier(db, p, position=0, amount_yen=5_000, quantity_limit=10, reserved_count=7)
    make_tier(db, p, position=1, amount_yen=10_000, quantity_limit=3, reserved_count=3)
    make_tier(db, p, position=2, amount_yen=20_000)
    detail = catalog.project_detail(p.id)
    assert [(t.amount_yen, t.remaining, t.sold_out) for t in detail.tiers] == [
        (5_000, 3, False),
        (10_000, 0, True),
        (20_000, None, False),
    ]
    assert detail.accepts_donations and detail.business_name == p.business.name


@pytest.mark.parametrize("status", ["draft", "submitted"])
def test_project_detail_refuses_unreviewed(db: Session, status: str) -> None:
    """A draft or a project in review is not found, even by its id."""
    p = make_project(db, status=status)
    with pytest.raises(NotFound):
        catalog.project_detail(p.id)
    with pytest.raises(NotFound):
        catalog.project_detail(999_999_999)


def test_receipt_waits_only_for_refund_campaigns_below_target(db: Session) -> None:
    """The receipt warning applies to `refund` below target, not after it nor to `keep`."""
    below = make_project(db, miss_policy="refund", paid_total_yen=10_000, reserved_total_yen=10_000)
    reached = make_project(
        db, miss_policy="refund", paid_total_yen=1_250_000, reserved_total_yen=1_250_000
    )
    keep = make_project(db, miss_policy="keep", fallback_purpose="市の農業振興")
    assert catalog.project_detail(below.id).receipt_waits_for_target
    assert not catalog.project_detail(reached.id).receipt_waits_for_target
    assert not catalog.project_detail(keep.id).receipt_waits_for_target


def test_home_lists_live_and_ending_soon(db: Session) -> None:
    """Home shows live campaigns only; 'ending soon' orders them by deadline."""
    make_project(db, title="まもなく", deadline=NOW + timedelta(hours=3))
    make_project(db, title="まだ先", deadline=NOW + timedelta(days=60))
    make_project(db, title="下書き", status="draft")
    make_project(db, title="停止中", status="paused")
    data = catalog.home()
    live_titles = {c.title for c in data.live}
    assert {"まもなく", "まだ先"} <= live_titles
    assert not live_titles & {"下書き", "停止中"}
    assert data.ending_soon[0].title == "まもなく"
    assert not any(isinstance(c, Project) for c in data.live)  # plain data, safe to cache
