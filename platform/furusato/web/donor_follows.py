"""Following a campaign from its page, and the donor's reminder settings (/me/reminders).

Its URLs are in the donor area's table (web/donor.py).
"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_login import current_user
from wtforms import BooleanField, SelectChoice, SelectField
from wtforms.validators import NumberRange, Optional

from furusato.domain.deduction import MAX_SALARY_YEN
from furusato.services.errors import ValidationFailed
from furusato.services.following import follows, reminder_settings
from furusato.services.following.reminder_settings import Change
from furusato.web.extensions import translated
from furusato.web.forms import Form
from furusato.web.guards import role_required
from furusato.web.numbers import WholeNumberField
from furusato.web.public_deduction import FAMILY_LABELS


class FollowForm(Form):
    """The follow / unfollow button: a POST with its CSRF token and nothing else."""


@role_required("donor")
def follow(project_id: int) -> ResponseReturnValue:
    if FollowForm().validate_on_submit():
        follows.follow(int(current_user.id), project_id)
        flash(
            _(
                "フォローしました。マイページに表示され、終了間近と目標達成をメールでお知らせします。"
            ),
            "success",
        )
    return redirect(url_for("public.project_page", project_id=project_id) + "#follow")


@role_required("donor")
def unfollow(project_id: int) -> ResponseReturnValue:
    if FollowForm().validate_on_submit():
        follows.unfollow(int(current_user.id), project_id)
        flash(_("フォローを解除しました。"), "success")
    return redirect(url_for("public.project_page", project_id=project_id) + "#follow")


class RemindersForm(Form):
    remind_year_end = BooleanField(
        lazy_gettext("年末のまとめ（12月20日ごろ）：今年のご寄附と控除上限額の目安")
    )
    remind_followed = BooleanField(
        lazy_gettext("フォロー中のプロジェクト：終了48時間前と目標達成のお知らせ")
    )
    remind_onestop = BooleanField(
        lazy_gettext("ワンストップ特例：申請書類が届くまで、期限前にお知らせ")
    )
    estimate_salary_yen = WholeNumberField(
        lazy_gettext("給与収入（年収・税込み、円）"),
        validators=[
            Optional(),
            NumberRange(
                min=0,
                max=MAX_SALARY_YEN,
                message=lazy_gettext("0円から10億円までの金額を入力してください。"),
            ),
        ],
    )
    estimate_family = SelectField(
        lazy_gettext("家族構成"),
        choices=[SelectChoice("", lazy_gettext("選んでください"))]
        + [SelectChoice(f.value, label) for f, label in FAMILY_LABELS.items()],
        default="",
        validate_choice=False,  # the service names an unknown household in the field's error
    )


def _change(form: RemindersForm) -> Change:
    salary, family = form.estimate_salary_yen.data, form.estimate_family.data or None
    return Change(
        remind_year_end=bool(form.remind_year_end.data),
        remind_followed=bool(form.remind_followed.data),
        remind_onestop=bool(form.remind_onestop.data),
        estimate_salary_yen=salary,
        estimate_family=family,
        clear_estimate=salary is None and family is None,
    )


@role_required("donor")
def reminders() -> ResponseReturnValue:
    user_id = int(current_user.id)
    form = RemindersForm()
    status = 200
    if form.is_submitted():
        if form.validate():
            try:
                reminder_settings.update(user_id, _change(form))
            except ValidationFailed as exc:
                for name, message in exc.fields.items():
                    form[name].errors = [*form[name].errors, translated(message)]
            else:
                flash(_("お知らせの設定を保存しました。"), "success")
                return redirect(url_for("donor.reminders"))
        status = 422
    else:
        saved = reminder_settings.settings(user_id)
        form.remind_year_end.data = saved.remind_year_end
        form.remind_followed.data = saved.remind_followed
        form.remind_onestop.data = saved.remind_onestop
        form.estimate_salary_yen.data = saved.estimate_salary_yen  # type: ignore[assignment]
        form.estimate_family.data = saved.estimate_family or ""
    return render_template("donor/reminders.html", form=form), status
