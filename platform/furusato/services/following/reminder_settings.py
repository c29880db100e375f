"""The donor's reminder settings (/me/reminders, PATCH /api/v1/me/reminders): which reminder
mails they want, and the deduction estimate's inputs the year-end summary states a cap from.

A change names only what it changes (None: keep). Saving an estimate needs both the salary and
the household; `clear_estimate` forgets them. Each reminder's own switch is here, so a mail's
"turn this off" link lands on the page that turns exactly it off.
"""

from __future__ import annotations

from dataclasses import dataclass

from furusato.domain.deduction import MAX_SALARY_YEN, Family
from furusato.models import User
from furusato.services.errors import N_, NotFound, ValidationFailed
from furusato.services.uow import UnitOfWork

SALARY_RANGE = N_("0円から10億円までの金額を入力してください。")
FAMILY_UNKNOWN = N_("家族構成を選んでください。")
ESTIMATE_INCOMPLETE = N_("年収と家族構成を両方入力してください。")


@dataclass(frozen=True)
class ReminderSettings:
    remind_year_end: bool
    remind_followed: bool
    remind_onestop: bool
    estimate_salary_yen: int | None
    estimate_family: str | None  # a domain.deduction.Family value, or None when not saved

    @property
    def has_estimate(self) -> bool:
        return self.estimate_salary_yen is not None and self.estimate_family is not None


@dataclass(frozen=True)
class Change:
    remind_year_end: bool | None = None
    remind_followed: bool | None = None
    remind_onestop: bool | None = None
    estimate_salary_yen: int | None = None
    estimate_family: str | None = None
    clear_estimate: bool = False


def view_of(user: User) -> ReminderSettings:
    family = user.estimate_family if user.estimate_family in set(Family) else None
    return ReminderSettings(
        remind_year_end=user.remind_year_end,
        remind_followed=user.remind_followed,
        remind_onestop=user.remind_onestop,
        estimate_salary_yen=user.estimate_salary_yen if family else None,
        estimate_family=family,
    )


def _user(uow: UnitOfWork, user_id: int) -> User:
    user = uow.session.get(User, user_id)
    if user is None:
        raise NotFound(N_("アカウントが見つかりません。"))
    return user


def settings(user_id: int) -> ReminderSettings:
    with UnitOfWork() as uow:
        return view_of(_user(uow, user_id))


def _check_estimate(change: Change) -> None:
    fields: dict[str, str] = {}
    salary, family = change.estimate_salary_yen, change.estimate_family
    if salary is not None and not 0 <= salary <= MAX_SALARY_YEN:
        fields["estimate_salary_yen"] = SALARY_RANGE
    if family is not None and family not in set(Family):
        fields["estimate_family"] = FAMILY_UNKNOWN
    if not fields and (salary is None) != (family is None):
        missing = "estimate_family" if family is None else "estimate_salary_yen"
        fields[missing] = ESTIMATE_INCOMPLETE
    if fields:
        raise ValidationFailed(N_("入力内容を確認してください。"), fields=fields)


def update(user_id: int, change: Change) -> ReminderSettings:
    """Apply the change; the whole change or nothing (a bad estimate keeps the switches too)."""
    _check_estimate(change)
    with UnitOfWork() as uow:
        user = _user(uow, user_id)
        if change.remind_year_end is not None:
            user.remind_year_end = change.remind_year_end
        if change.remind_followed is not None:
            user.remind_followed = change.remind_followed
        if change.remind_onestop is not None:
            user.remind_onestop = change.remind_onestop
        if change.clear_estimate:
            user.estimate_salary_yen, user.estimate_family = None, ""
        elif change.estimate_salary_yen is not None and change.estimate_family is not None:
            user.estimate_salary_yen = change.estimate_salary_yen
            user.estimate_family = change.estimate_family
        uow.commit()
        return view_of(user)
