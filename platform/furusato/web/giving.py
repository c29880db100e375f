"""Giving: choose a tier, enter details, pay, see the confirmation.

The give form posts once per form token (a double submit finds the same donation); the payment
page is reached by the donation's unguessable access token, saves the card with the gateway's
script (confirmCardSetup), then posts the PaymentMethod id to `pay` as JSON with the CSRF header.
"""

from __future__ import annotations

import secrets

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext, lazy_gettext
from flask_login import current_user
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    StringField,
    TelField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from furusato.domain.campaign import clock_of
from furusato.domain.money import MIN_DONATION_YEN, utcnow
from furusato.domain.pledge import MAX_DONATION_YEN, DonorDetails
from furusato.models import Donation
from furusato.payments import get_gateway
from furusato.services.errors import ServiceError
from furusato.services.giving import charges, donation_mail, donations, reconcile
from furusato.web.extensions import limiter, translated, translated_fields
from furusato.web.forms import Form
from furusato.web.guards import public
from furusato.web.numbers import INT32_MAX, bounded_int, query_int

bp = Blueprint("giving", __name__)


class GiveForm(Form):
    tier = RadioField(lazy_gettext("コース"), choices=[], validate_choice=False, default="")
    amount_yen = IntegerField(
        lazy_gettext("寄附金額（円）"),
        validators=[InputRequired(), NumberRange(min=MIN_DONATION_YEN, max=MAX_DONATION_YEN)],
    )
    name = StringField(lazy_gettext("お名前（漢字）"), validators=[DataRequired(), Length(max=100)])
    name_kana = StringField(
        lazy_gettext("お名前（フリガナ）"), validators=[DataRequired(), Length(max=100)]
    )
    email = EmailField(lazy_gettext("メールアドレス"), validators=[DataRequired(), Length(max=254)])
    phone = TelField(lazy_gettext("電話番号"), validators=[DataRequired(), Length(max=30)])
    postal_code = StringField(lazy_gettext("郵便番号"), validators=[DataRequired(), Length(max=10)])
    address = StringField(
        lazy_gettext("住所（番地・建物名まで）"), validators=[DataRequired(), Length(max=300)]
    )
    onestop = BooleanField(lazy_gettext("ワンストップ特例の申請書を希望する"))
    birth_date = DateField(lazy_gettext("生年月日"), validators=[Optional()])
    gender = RadioField(
        lazy_gettext("性別"),
        choices=[
            SelectChoice("male", lazy_gettext("男性")),
            SelectChoice("female", lazy_gettext("女性")),
        ],
        validators=[Optional()],
        validate_choice=False,
    )
    agree = BooleanField(
        lazy_gettext("目標に届かなかった場合の扱いと、税控除の年の決まり方を確認しました"),
        validators=[DataRequired(lazy_gettext("確認のうえチェックしてください。"))],
    )
    creation_token = HiddenField()


@bp.route("/projects/<int:project_id>/give", methods=["GET", "POST"])
@public
@limiter.limit("30 per minute", methods=["POST"])
def give(project_id: int) -> ResponseReturnValue:
    project = donations.project_for_giving(project_id)
    open_now = clock_of(project).accepts_donations(utcnow())
    form = GiveForm()
    form.tier.choices = [
        SelectChoice("", gettext("コースを選ばずに金額を指定する（返礼品なし）")),
        *(
            SelectChoice(
                str(t.id),
                gettext(
                    "%(amount)s円 %(gift)s",
                    amount=format(t.amount_yen, ","),
                    gift=t.gift_name or gettext("応援のみ（返礼品なし）"),
                )
                + (gettext("（残り%(n)s）", n=t.remaining) if t.remaining is not None else ""),
                render_kw={"data-amount": str(t.amount_yen)},
            )
            for t in project.tiers
        ),
    ]
    if request.method == "GET":
        _prefill(form, project)
    status = 200
    if open_now and form.validate_on_submit():
        raw_tier = form.tier.data or ""
        tier_id = bounded_int("tier", raw_tier, low=1, high=INT32_MAX) if raw_tier else None
        token = form.creation_token.data or secrets.token_urlsafe(24)
        try:
            made = donations.create(
                project_id=project_id,
                tier_id=tier_id,
                amount_yen=int(form.amount_yen.data or 0),
                donor=DonorDetails(
                    name=form.name.data or "",
                    name_kana=form.name_kana.data or "",
                    email=form.email.data or "",
                    phone=form.phone.data or "",
                    postal_code=form.postal_code.data or "",
                    address=form.address.data or "",
                    birth_date=form.birth_date.data,
                    gender=form.gender.data or None,
                ),
                onestop=bool(form.onestop.data),
                creation_key=f"form:{token[:200]}",
                user_id=_donor_id(),
            )
        except ServiceError as exc:
            for name, message in translated_fields(exc.fields).items():
                target = getattr(form, "tier" if name == "tier_id" else name, None)
                if target is not None:
                    target.errors = [*target.errors, message]
            flash(translated(exc.message), "error")
            status = exc.status
        else:
            return redirect(url_for("giving.donation", token=made.access_token), 303)
    elif request.method == "POST":
        status = 422
    return (
        render_template(
            "giving/give.html",
            project=project,
            form=form,
            open_now=open_now,
            miss_policy=translated(donation_mail.miss_policy_text(project)),
        ),
        status,
    )


def _donor_id() -> int | None:
    if current_user.is_authenticated and current_user.role == "donor":
        return int(current_user.id)
    return None


def _prefill(form: GiveForm, project: object) -> None:
    form.creation_token.data = secrets.token_urlsafe(24)
    wanted = query_int("tier", low=1, high=INT32_MAX)
    tiers = {t.id: t for t in getattr(project, "tiers", [])}
    if wanted in tiers:
        form.tier.data = str(wanted)
        form.amount_yen.data = tiers[wanted].amount_yen
    donor_id = _donor_id()
    last = donations.last_details(donor_id) if donor_id else None
    if last is not None:
        for name in ("name", "name_kana", "email", "phone", "postal_code", "address"):
            getattr(form, name).data = getattr(last, name)
        form.birth_date.data = last.birth_date
        form.gender.data = last.gender
    elif donor_id:
        form.email.data = current_user.email


def _by_token(token: str) -> Donation:
    if len(token) < 20:
        abort(404)
    return donations.find_by_token(token)


@bp.get("/donations/<token>")
@public
def donation(token: str) -> ResponseReturnValue:
    """The payment page while pending; the confirmation once paid."""
    found = _by_token(token)
    state = charges.state_of(found.id)
    return render_template(
        "giving/donation.html",
        donation=found,
        project=found.project,
        state=state,
        publishable_key=get_gateway().publishable_key,
        miss_policy=translated(donation_mail.miss_policy_text(found.project)),
        onestop_url=donation_mail.onestop_form_url(found) if found.onestop_requested else None,
    )


@bp.post("/donations/<token>/pay")
@public
@limiter.limit("20 per minute")
def pay(token: str) -> ResponseReturnValue:
    found = _by_token(token)
    payload = request.get_json(silent=True) or {}
    method = str(payload.get("payment_method", ""))
    if not method.startswith("pm_") or len(method) > 64:
        return {"status": "failed", "message": gettext("カード情報を確認できませんでした。")}, 422
    try:
        outcome = charges.pay(found.id, method)
    except ServiceError as exc:
        return {"status": "error", "message": translated(exc.message)}, exc.status
    return _json(outcome)


@bp.get("/donations/<token>/status")
@public
@limiter.limit("60 per minute")
def status(token: str) -> ResponseReturnValue:
    """Polled by the payment page: asks the gateway about a charge still in flight."""
    return _json(reconcile.refresh(_by_token(token).id))


def _json(outcome: charges.PayOutcome) -> dict[str, object]:
    return {
        "status": outcome.status,
        "message": translated(outcome.message),
        "client_secret": outcome.client_secret,
        "tax_year": outcome.tax_year,
        "setup_secret": outcome.setup_secret,
    }
