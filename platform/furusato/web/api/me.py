"""The donor's own settings over the API: the campaigns they follow and their reminder mails.

GET /me/follows lists the followed campaigns with their progress; PUT /me/follows/{id} follows
one and DELETE /me/follows/{id} stops following it (both idempotent: they answer the state
asked for). GET and PATCH /me/reminders read and change the reminder switches and the saved
deduction estimate (services/following/reminder_settings.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

from furusato.domain.deduction import MAX_SALARY_YEN
from furusato.services.following import follows, reminder_settings
from furusato.services.following.follows import Followed
from furusato.services.following.reminder_settings import Change, ReminderSettings
from furusato.web.api.core import ApiInput, Call, from_view, operation
from furusato.web.api.deduction import FamilyCode

Phase = Literal["scheduled", "live", "paused", "ended", "settling", "settled"]


class FollowedOut(BaseModel):
    project_id: int
    title: str
    business_name: str
    phase: Phase = Field(description="scheduled, live, paused, ended, settling or settled")
    paid_total_yen: int
    paid_count: int
    target_yen: int
    cap_yen: int
    percent: int = Field(description="paid total against the target, in whole percent")
    funded: bool = Field(description="目標達成: the paid total covers the target")
    deadline: datetime | None
    followed_at: datetime
    url: str

    @classmethod
    def from_view(cls, row: Followed) -> Self:
        card, progress = row.card, row.card.progress
        return cls(
            project_id=card.id,
            title=card.title,
            business_name=card.business_name,
            phase=card.phase.value,  # type: ignore[arg-type]
            paid_total_yen=progress.paid_total_yen,
            paid_count=progress.paid_count,
            target_yen=progress.target_yen,
            cap_yen=progress.cap_yen,
            percent=progress.percent,
            funded=progress.funded,
            deadline=card.deadline,
            followed_at=row.followed_at,
            url=f"/projects/{card.id}",
        )


class FollowList(BaseModel):
    follows: list[FollowedOut]


class FollowState(BaseModel):
    project_id: int
    following: bool


class RemindersOut(BaseModel):
    remind_year_end: bool = Field(
        description="年末のまとめ（12月20日から、年1回）: this year's donations against the cap"
    )
    remind_followed: bool = Field(
        description="followed campaigns: 48 hours before the deadline, and the target reached"
    )
    remind_onestop: bool = Field(
        description="one-stop: before the application deadline while an application is incomplete"
    )
    estimate_salary_yen: int | None = Field(description="saved salary for the cap estimate")
    estimate_family: FamilyCode | None

    @classmethod
    def from_view(cls, view: ReminderSettings) -> Self:
        return from_view(cls, view)


class RemindersPatch(ApiInput):
    """Only the fields sent change. An estimate is saved with both of its fields, or cleared
    with `"clear_estimate": true`."""

    model_config = ConfigDict(extra="forbid")

    remind_year_end: StrictBool | None = None
    remind_followed: StrictBool | None = None
    remind_onestop: StrictBool | None = None
    estimate_salary_yen: StrictInt | None = Field(None, ge=0, le=MAX_SALARY_YEN)
    estimate_family: FamilyCode | None = None
    clear_estimate: StrictBool = False


def _user_id(call: Call) -> int:
    assert call.user is not None
    return int(call.user.id)


@operation(
    "/me/follows",
    summary="The campaigns the donor follows, with their progress",
    roles=("donor",),
    response=FollowList,
    errors=(401, 403),
)
def list_follows(call: Call) -> FollowList:
    return FollowList(follows=[FollowedOut.from_view(f) for f in follows.followed(_user_id(call))])


@operation(
    "/me/follows/<int:project_id>",
    method="PUT",
    summary="Follow a campaign (following it again changes nothing)",
    roles=("donor",),
    response=FollowState,
    errors=(401, 403, 404),
)
def follow_project(call: Call, project_id: int) -> FollowState:
    follows.follow(_user_id(call), project_id)
    return FollowState(project_id=project_id, following=True)


@operation(
    "/me/follows/<int:project_id>",
    method="DELETE",
    summary="Stop following a campaign (not following it already changes nothing)",
    roles=("donor",),
    response=FollowState,
    errors=(401, 403, 404),
)
def unfollow_project(call: Call, project_id: int) -> FollowState:
    follows.unfollow(_user_id(call), project_id)
    return FollowState(project_id=project_id, following=False)


@operation(
    "/me/reminders",
    summary="The donor's reminder mails and saved deduction estimate",
    roles=("donor",),
    response=RemindersOut,
    errors=(401, 403),
)
def get_reminders(call: Call) -> RemindersOut:
    return RemindersOut.from_view(reminder_settings.settings(_user_id(call)))


@operation(
    "/me/reminders",
    method="PATCH",
    summary="Turn reminder mails on or off; save or clear the deduction estimate",
    roles=("donor",),
    body=RemindersPatch,
    response=RemindersOut,
    errors=(401, 403, 422),
)
def patch_reminders(call: Call) -> RemindersOut:
    body: RemindersPatch = call.body
    change = Change(
        remind_year_end=body.remind_year_end,
        remind_followed=body.remind_followed,
        remind_onestop=body.remind_onestop,
        estimate_salary_yen=body.estimate_salary_yen,
        estimate_family=body.estimate_family,
        clear_estimate=body.clear_estimate,
    )
    return RemindersOut.from_view(reminder_settings.update(_user_id(call), change))
