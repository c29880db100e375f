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
    SelectField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from furusato.domain import cheer, deliveries
from furusato.domain.cheer import CheerChoice
from furusato.domain.money import MIN_DONATION_YEN
from furusato.domain.pledge import MAX_DONATION_YEN, DonorDetails
from furusato.services.errors import NotFound, ServiceError
from furusato.services.giving import charges, donation_views, give_page, reconcile
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
    # The gift (only with a tier that has one, and never for the city's residents).
    ship_to = RadioField(
        lazy_gettext("返礼品のお届け先"),
        choices=[
            SelectChoice("self", lazy_gettext("寄附者（上の住所）")),
            SelectChoice("other", lazy_gettext("別の方に贈る（ギフト）")),
        ],
        default="self",
        validate_choice=False,
    )
    recipient_name = StringField(
        lazy_gettext("お届け先のお名前"), validators=[Optional(), Length(max=100)]
    )
    recipient_postal_code = StringField(
        lazy_gettext("お届け先の郵便番号"), validators=[Optional(), Length(max=10)]
    )
    recipient_address = StringField(
        lazy_gettext("お届け先の住所"), validators=[Optional(), Length(max=300)]
    )
    recipient_phone = TelField(
        lazy_gettext("お届け先の電話番号"), validators=[Optional(), Length(max=30)]
    )
    gift_wrapping = BooleanField(lazy_gettext("贈答包装を希望する"))
    noshi = SelectField(lazy_gettext("のし（表書き）"), choices=[], validate_choice=False)
    noshi_name = StringField(
        lazy_gettext("のしの名入れ（任意）"), validators=[Optional(), Length(max=20)]
    )
    delivery_window = SelectField(
        lazy_gettext("配達時間帯"), choices=[], validate_choice=False
    )
    cheer_message = TextAreaField(
        lazy_gettext("応援メッセージ"), validators=[Optional(), Length(max=cheer.MAX_MESSAGE_CHARS)]
    )
    cheer_show = RadioField(
        lazy_gettext("メッセージに添える名前"),
        choices=[
            SelectChoice("anonymous", lazy_gettext("匿名で掲載する")),
            SelectChoice("name", lazy_gettext("名前を表示する")),
        ],
        default="anonymous",
        validate_choice=False,
    )
    cheer_name = StringField(
        lazy_gettext("表示するお名前"), validators=[Optional(), Length(max=cheer.MAX_NAME_CHARS)]
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
    form = GiveForm()
    donor_id = _donor_id()
    if request.method == "POST":
        asked = _pledge_asked(form, donor_id) if form.validate_on_submit() else None
        page = give_page.give(project_id, pledge=asked)
    else:
        prefill_for = donor_id if request.method == "GET" else None
        page = give_page.give(project_id, prefill_for=prefill_for)
    if page.pledged is not None:
        return redirect(url_for("giving.donation", token=page.pledged.access_token), 303)
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
                + (
                    gettext("（定期便 全%(n)s回）", n=len(t.delivery_months))
                    if t.delivery_months
                    else ""
                )
                + (gettext("（残り%(n)s）", n=t.remaining) if t.remaining is not None else ""),
                render_kw={"data-amount": str(t.amount_yen), "data-gift": "1" if t.gift_name else "0"},
            )
            for t in page.project.tiers
        ),
    ]
    _gift_choices(form, page.gift_offer)
    status = 200
    if request.method == "GET":
        _prefill(form, page)
    elif page.refused is not None:
        for name, message in translated_fields(page.refused.fields).items():
            field_name = "tier" if name == "tier_id" else name.replace(".", "_")
            target = getattr(form, field_name, None)
            if target is not None:
                target.errors = [*target.errors, message]
        flash(translated(page.refused.message), "error")
        status = page.refused.status
    elif request.method == "POST":
        status = 422
    return (
        render_template(
            "giving/give.html",
            project=page.project,
            form=form,
            open_now=page.open_now,
            miss_policy=translated(page.miss_policy),
            gift_offer=page.gift_offer,
        ),
        status,
    )


def _gift_choices(form: GiveForm, offer: deliveries.GiftOffer) -> None:
    """The のし and window choices the business offers (none offered: no choice shown)."""
    form.noshi.choices = [SelectChoice("", gettext("なし"))] + [
        SelectChoice(code, translated(label)) for code, label in deliveries.NOSHI.items()
    ]
    form.delivery_window.choices = [SelectChoice("", gettext("指定なし"))] + [
        SelectChoice(code, translated(deliveries.WINDOWS[code]))
        for code in deliveries.offered_windows(offer)
    ]


def _gift_asked(form: GiveForm) -> deliveries.GiftChoice:
    other = form.ship_to.data == "other"
    return deliveries.GiftChoice(
        recipient=deliveries.Recipient(
            name=form.recipient_name.data or "",
            postal_code=form.recipient_postal_code.data or "",
            address=form.recipient_address.data or "",
            phone=form.recipient_phone.data or "",
        )
        if other
        else None,
        wrapping=bool(form.gift_wrapping.data),
        noshi=form.noshi.data or "",
        noshi_name=form.noshi_name.data or "",
        delivery_window=form.delivery_window.data or "",
    )


def _pledge_asked(form: GiveForm, donor_id: int | None) -> give_page.PledgeAsked:
    raw_tier = form.tier.data or ""
    token = form.creation_token.data or secrets.token_urlsafe(24)
    return give_page.PledgeAsked(
        tier_id=bounded_int("tier", raw_tier, low=1, high=INT32_MAX) if raw_tier else None,
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
        user_id=donor_id,
        gift=_gift_asked(form),
        cheer=CheerChoice(
            message=form.cheer_message.data or "",
            display_name=form.cheer_name.data or "",
            anonymous=form.cheer_show.data != "name",
        ),
    )


def _donor_id() -> int | None:
    if current_user.is_authenticated and current_user.role == "donor":
        return int(current_user.id)
    return None


def _prefill(form: GiveForm, page: give_page.GivePage) -> None:
    form.creation_token.data = secrets.token_urlsafe(24)
    wanted = query_int("tier", low=1, high=INT32_MAX)
    tiers = {t.id: t for t in page.project.tiers}
    if wanted in tiers:
        form.tier.data = str(wanted)
        form.amount_yen.data = tiers[wanted].amount_yen
    last = page.last_details
    if last is not None:
        for name in ("name", "name_kana", "email", "phone", "postal_code", "address"):
            getattr(form, name).data = getattr(last, name)
        form.birth_date.data = last.birth_date
        form.gender.data = last.gender
    elif _donor_id():
        form.email.data = current_user.email


def _token(token: str) -> str:
    """A guest's link token; anything shorter than one is a 404 without looking."""
    if len(token) < 20:
        abort(404)
    return token


@bp.get("/donations/<token>")
@public
def donation(token: str) -> ResponseReturnValue:
    """The payment page while pending; the confirmation once paid."""
    page = donation_views.payment_page(_token(token))
    return render_template(
        "giving/donation.html",
        donation=page.donation,
        project=page.project,
        state=page.state,
        publishable_key=page.publishable_key,
        miss_policy=translated(page.miss_policy),
        onestop_url=page.onestop_url,
    )


@bp.post("/donations/<token>/pay")
@public
@limiter.limit("20 per minute")
def pay(token: str) -> ResponseReturnValue:
    payload = request.get_json(silent=True) or {}
    method = str(payload.get("payment_method", ""))
    try:
        outcome = charges.pay_by_token(_token(token), method)
    except NotFound:
        raise  # an unknown link: the not-found page, as on the payment page
    except charges.CardUnreadable as exc:
        return {"status": "failed", "message": translated(exc.message)}, exc.status
    except ServiceError as exc:
        return {"status": "error", "message": translated(exc.message)}, exc.status
    return _json(outcome)


@bp.get("/donations/<token>/status")
@public
@limiter.limit("60 per minute")
def status(token: str) -> ResponseReturnValue:
    """Polled by the payment page: asks the gateway about a charge still in flight."""
    return _json(reconcile.refresh(_token(token)))


def _json(outcome: donation_views.PayOutcome) -> dict[str, object]:
    return {
        "status": outcome.status,
        "message": translated(outcome.message),
        "client_secret": outcome.client_secret,
        "tax_year": outcome.tax_year,
        "setup_secret": outcome.setup_secret,
    }
