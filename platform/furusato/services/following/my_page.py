"""マイページ's data in one call: the donor's donations and the campaigns they follow."""

from __future__ import annotations

from dataclasses import dataclass

from furusato.services.following import follows
from furusato.services.following.follows import Followed
from furusato.services.giving import donation_views
from furusato.services.giving.donation_views import DonorRow


@dataclass(frozen=True)
class MyPage:
    rows: list[DonorRow]
    followed: list[Followed]


def my_page(user_id: int) -> MyPage:
    return MyPage(rows=donation_views.for_donor_page(user_id), followed=follows.followed(user_id))
