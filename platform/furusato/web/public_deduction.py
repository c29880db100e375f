"""The deduction-cap estimate page: a GET form and the result with its breakdown.

Its URLs are in the public area's table (web/public.py).
"""

from __future__ import annotations

from flask import render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext
from wtforms import SelectChoice, SelectField
from wtforms.validators import InputRequired, NumberRange

from furusato.domain.deduction import MAX_SALARY_YEN, Estimate, Family, estimate
from furusato.domain.money import to_jst, utcnow
from furusato.domain.tax_tables import SUPPORTED_YEARS
from furusato.web.forms import Form
from furusato.web.guards import public
from furusato.web.numbers import WholeNumberField

FAMILY_LABELS = {
    Family.SINGLE: lazy_gettext("独身"),
    Family.DUAL_INCOME: lazy_gettext("共働き（配偶者に収入あり）"),
    Family.COUPLE: lazy_gettext("夫婦（配偶者に収入なし）"),
    Family.COUPLE_CHILD_HS: lazy_gettext("夫婦＋子1人（高校生）"),
    Family.COUPLE_CHILD_UNIV: lazy_gettext("夫婦＋子1人（大学生）"),
    Family.COUPLE_CHILDREN_UNIV_HS: lazy_gettext("夫婦＋子2人（大学生と高校生）"),
    Family.DUAL_INCOME_CHILD_HS: lazy_gettext("共働き＋子1人（高校生）"),
    Family.DUAL_INCOME_CHILD_UNIV: lazy_gettext("共働き＋子1人（大学生）"),
    Family.DUAL_INCOME_CHILDREN_UNIV_HS: lazy_gettext("共働き＋子2人（大学生と高校生）"),
}


def default_year() -> int:
    """This JST year if there is a table for it, else the latest table."""
    year = to_jst(utcnow()).year
    return year if year in SUPPORTED_YEARS else SUPPORTED_YEARS[-1]


class EstimateForm(Form):
    class Meta:
        csrf = False  # a GET form that changes nothing

    salary_yen = WholeNumberField(
        lazy_gettext("給与収入（年収・税込み、円）"),
        validators=[
            InputRequired(lazy_gettext("年収を入力してください。")),
            NumberRange(
                min=0,
                max=MAX_SALARY_YEN,
                message=lazy_gettext("0円から10億円までの金額を入力してください。"),
            ),
        ],
    )
    family = SelectField(
        lazy_gettext("家族構成"),
        choices=[SelectChoice(f.value, label) for f, label in FAMILY_LABELS.items()],
        default=Family.SINGLE.value,
    )
    year = SelectField(lazy_gettext("寄附する年"), coerce=int)


@public
def deduction_estimate() -> ResponseReturnValue:
    form = EstimateForm(formdata=request.args if request.args else None)
    form.year.choices = [
        SelectChoice(y, lazy_gettext("%(year)s年", year=y)) for y in SUPPORTED_YEARS
    ]
    if not request.args:
        form.year.data = default_year()
    result: Estimate | None = None
    if request.args and form.validate():
        result = estimate(form.salary_yen.data or 0, form.family.data, form.year.data)
    status = 422 if request.args and result is None else 200
    return (
        render_template(
            "public/deduction.html",
            form=form,
            result=result,
            family_label=FAMILY_LABELS,
        ),
        status,
    )
