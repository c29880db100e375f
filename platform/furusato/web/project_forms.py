"""Forms for projects, tiers, images, the bank account, next goals, the gift options a business
offers and staff decisions (Flask-WTF)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    MonthField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from furusato.domain import deliveries
from furusato.domain.local_products import LOCAL_PRODUCT_CATEGORIES, PROCESSED_KINDS, SUBITEMS
from furusato.domain.money import JST
from furusato.services.settlement.bank import ACCOUNT_TYPES, BankAccount
from furusato.web.extensions import translated
from furusato.web.forms import Form

CATEGORIES = [
    SelectChoice("", _l("選んでください")),
    SelectChoice("food", _l("食品")),
    SelectChoice("craft", _l("工芸品・日用品")),
    SelectChoice("experience", _l("体験・サービス")),
    SelectChoice("other", _l("その他")),
]


def _jst(moment: datetime | None) -> datetime | None:
    """The browser's datetime-local has no zone: it is Japan time."""
    return moment.replace(tzinfo=JST) if moment is not None else None


class ProjectForm(Form):
    title = StringField(_l("タイトル"), validators=[DataRequired(), Length(max=120)])
    summary = TextAreaField(_l("概要（400文字まで）"), validators=[Optional(), Length(max=400)])
    story_markdown = TextAreaField(
        _l("本文（Markdown）"), validators=[Optional(), Length(max=20_000)]
    )
    category = SelectField(_l("分野"), choices=CATEGORIES, validators=[Optional()])
    eligible_cost_yen = IntegerField(
        _l("補助対象経費（円）"), validators=[InputRequired(), NumberRange(min=0)]
    )
    starts_at = DateTimeLocalField(_l("開始日時"), validators=[Optional()])
    deadline = DateTimeLocalField(_l("締切日時"), validators=[Optional()])
    miss_policy = RadioField(
        _l("目標額に届かなかったとき"),
        choices=[
            SelectChoice("refund", _l("全額を返金する（受領証明書・返礼品なし）")),
            SelectChoice("keep", _l("寄附を下記の使い道に活用する（受領証明書を発行）")),
        ],
        default="refund",
    )
    fallback_purpose = TextAreaField(_l("目標未達時の使い道"), validators=[Optional()])
    fallback_gift_note = TextAreaField(_l("目標未達時の返礼品の扱い"), validators=[Optional()])

    def values(self) -> dict[str, Any]:
        return {
            "title": self.title.data or "",
            "summary": self.summary.data or "",
            "story_markdown": self.story_markdown.data or "",
            "category": self.category.data or "",
            "eligible_cost_yen": self.eligible_cost_yen.data or 0,
            "starts_at": _jst(self.starts_at.data),
            "deadline": _jst(self.deadline.data),
            "miss_policy": self.miss_policy.data or "refund",
            "fallback_purpose": self.fallback_purpose.data or "",
            "fallback_gift_note": self.fallback_gift_note.data or "",
        }

    def fill(self, project: Any) -> None:
        for name in self.values():
            value = getattr(project, name)
            if isinstance(value, datetime):
                value = value.astimezone(JST).replace(tzinfo=None, second=0, microsecond=0)
            getattr(self, name).data = value


class TierForm(Form):
    amount_yen = IntegerField(
        _l("寄附額（円）"), validators=[InputRequired(), NumberRange(min=2_000)]
    )
    gift_name = StringField(
        _l("返礼品名（空欄なら返礼品なしの応援コース）"), validators=[Optional(), Length(max=120)]
    )
    gift_description = TextAreaField(_l("返礼品の説明"), validators=[Optional()])
    procurement_cost_yen = IntegerField(
        _l("返礼品の調達費（円）"), default=0, validators=[InputRequired(), NumberRange(min=0)]
    )
    shipping_cost_yen = IntegerField(
        _l("送料（円）"), default=0, validators=[InputRequired(), NumberRange(min=0)]
    )
    quantity_limit = IntegerField(
        _l("数量限定（空欄なら制限なし）"), validators=[Optional(), NumberRange(min=1)]
    )
    delivery_month = MonthField(_l("お届け予定月"), validators=[Optional()])
    delivery_months = StringField(
        _l("定期便のお届け月（2回以上お届けする場合）"),
        validators=[Optional(), Length(max=200)],
        description=_l("例: 2027-06, 2027-08, 2027-10（カンマ区切り）。調達費と送料は1回分です。"),
    )
    local_category = SelectField(
        _l("地場産品基準の該当区分"),
        choices=[SelectChoice("", _l("返礼品なし／選んでください"))]
        + [
            SelectChoice(str(code), _l("%(n)s号: %(label)s", n=code, label=_l(text)))
            for code, text in LOCAL_PRODUCT_CATEGORIES.items()
        ],
        validators=[Optional()],
    )
    local_subitem = SelectField(
        _l("8号（共通返礼品等）の種類"),
        choices=[SelectChoice("", _l("8号以外"))]
        + [SelectChoice(key, _l(text)) for key, text in SUBITEMS.items()],
        validators=[Optional()],
    )
    local_evidence = TextAreaField(
        _l("地場産品である根拠（産地・製造工程など）"), validators=[Optional()]
    )
    general_price_yen = IntegerField(
        _l("一般販売価格（円）"),
        validators=[Optional(), NumberRange(min=0)],
        description=_l("通常の販売で付けている価格。寄附額の3割以下（2026年10月から必須）。"),
    )
    local_value_added_yen = IntegerField(
        _l("区域内で生じる付加価値（円、3号の場合）"),
        validators=[Optional(), NumberRange(min=0)],
        description=_l("3号は一般販売価格の半分以上が必要です。"),
    )
    lodging_price_yen = IntegerField(
        _l("宿泊の1人1泊あたりの料金（円、7号の宿泊の場合）"),
        validators=[Optional(), NumberRange(min=1)],
        description=_l("5万円以下に限ります。"),
    )
    processed_kind = SelectField(
        _l("熟成肉・精米（3号の場合）"),
        choices=[SelectChoice("", _l("どちらでもない"))]
        + [SelectChoice(key, _l(text)) for key, text in PROCESSED_KINDS.items()],
        validators=[Optional()],
    )
    same_prefecture = BooleanField(_l("原材料の肉・米は同じ都道府県内で生産されたもの"))

    def validate_delivery_months(self, field: StringField) -> None:
        _, problem = deliveries.parse_months(field.data or "")
        if problem:
            raise ValidationError(translated(problem))

    def values(self) -> dict[str, Any]:
        month = self.delivery_month.data
        months, _ = deliveries.parse_months(self.delivery_months.data or "")
        return {
            "amount_yen": self.amount_yen.data,
            "gift_name": self.gift_name.data or "",
            "gift_description": self.gift_description.data or "",
            "procurement_cost_yen": self.procurement_cost_yen.data or 0,
            "shipping_cost_yen": self.shipping_cost_yen.data or 0,
            "quantity_limit": self.quantity_limit.data,
            "delivery_month": month if isinstance(month, date) else None,
            "delivery_months": months,
            "local_category": int(self.local_category.data) if self.local_category.data else None,
            "local_subitem": self.local_subitem.data or None,
            "local_evidence": self.local_evidence.data or "",
            "general_price_yen": self.general_price_yen.data,
            "local_value_added_yen": self.local_value_added_yen.data,
            "lodging_price_yen": self.lodging_price_yen.data,
            "processed_kind": self.processed_kind.data or None,
            "same_prefecture": bool(self.same_prefecture.data),
        }

    def fill(self, tier: Any) -> None:
        for name in self.values():
            value = getattr(tier, name)
            if name == "delivery_months":
                value = ", ".join(f"{m:%Y-%m}" for m in value or ())
            if name in ("local_subitem", "processed_kind"):
                value = value or ""
            getattr(self, name).data = str(value) if name == "local_category" and value else value


class ImageForm(Form):
    image = FileField(_l("画像（JPEG・PNG・WebP、8MBまで）"), validators=[FileRequired()])
    alt_text = StringField(
        _l("画像の説明（読み上げ用）"), validators=[DataRequired(), Length(max=200)]
    )


class BankForm(Form):
    bank_code = StringField(_l("金融機関コード（4桁）"), validators=[DataRequired()])
    bank_name_kana = StringField(_l("金融機関名（カナ）"), validators=[DataRequired()])
    branch_code = StringField(_l("支店コード（3桁）"), validators=[DataRequired()])
    branch_name_kana = StringField(_l("支店名（カナ）"), validators=[DataRequired()])
    account_type = SelectField(
        _l("預金種目"),
        choices=[SelectChoice(k, _l(v)) for k, v in ACCOUNT_TYPES.items()],
        validators=[DataRequired()],
    )
    account_number = StringField(_l("口座番号（7桁）"), validators=[DataRequired()])
    account_holder_kana = StringField(_l("口座名義（カナ）"), validators=[DataRequired()])

    def account(self) -> BankAccount:
        return BankAccount(
            **{name: getattr(self, name).data or "" for name in BankAccount.__dataclass_fields__}
        )

    def fill(self, account: BankAccount) -> None:
        for name, value in account.__dict__.items():
            getattr(self, name).data = value


class ReasonForm(Form):
    reason = TextAreaField(_l("理由"), validators=[DataRequired(), Length(max=2_000)])


class LocalItemConfirmForm(Form):
    """Staff's decision on a tier flagged for its 地場産品基準 item."""

    local_category = SelectField(
        _l("確認した区分"),
        choices=[SelectChoice("", _l("選んでください"))]
        + [
            SelectChoice(str(code), _l("%(n)s号: %(label)s", n=code, label=_l(text)))
            for code, text in LOCAL_PRODUCT_CATEGORIES.items()
        ],
        validators=[DataRequired()],
    )
    local_subitem = SelectField(
        _l("8号（共通返礼品等）の種類"),
        choices=[SelectChoice("", _l("8号以外"))]
        + [SelectChoice(key, _l(text)) for key, text in SUBITEMS.items()],
        validators=[Optional()],
    )
    note = TextAreaField(_l("判断の理由（任意）"), validators=[Optional(), Length(max=1_000)])

    def decision(self) -> tuple[int | None, str | None, str]:
        code = self.local_category.data
        return (
            int(code) if code and code.isdigit() else None,
            self.local_subitem.data or None,
            self.note.data or "",
        )


class NoteForm(Form):
    note = TextAreaField(_l("メモ（任意）"), validators=[Optional(), Length(max=2_000)])


class RateForm(Form):
    subsidy_rate_percent = IntegerField(
        _l("補助率（%）"), validators=[InputRequired(), NumberRange(min=1, max=100)]
    )


class EmptyForm(Form):
    """A button that posts only its CSRF token."""


class NextGoalForm(Form):
    amount_yen = IntegerField(
        _l("ネクストゴールの金額（円）"), validators=[InputRequired(), NumberRange(min=1)]
    )
    reason = TextAreaField(
        _l("ネクストゴールに挑戦する理由（寄附者に表示されます）"),
        validators=[DataRequired(), Length(max=2_000)],
    )
    add_tier = BooleanField(_l("新しいコースも一緒に追加する"))


class GiftOptionsForm(Form):
    gift_carrier = SelectField(
        _l("運送会社（配送CSVの時間帯コードに使います）"),
        choices=[SelectChoice("", _l("選ばない（時間帯指定なし）"))]
        + [SelectChoice(code, _l(c.name)) for code, c in deliveries.CARRIERS.items()],
        validators=[Optional()],
    )
    delivery_windows = SelectMultipleField(
        _l("寄附者が選べる配達時間帯"),
        choices=[SelectChoice(code, _l(label)) for code, label in deliveries.WINDOWS.items()],
        validators=[Optional()],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    offers_gift_wrapping = BooleanField(_l("贈答包装を承る"))
    offers_noshi = BooleanField(_l("のしを承る（表書き・名入れ）"))

    def offer(self) -> deliveries.GiftOffer:
        return deliveries.GiftOffer(
            carrier=self.gift_carrier.data or "",
            windows=tuple(self.delivery_windows.data or ()),
            wrapping=bool(self.offers_gift_wrapping.data),
            noshi=bool(self.offers_noshi.data),
        )

    def fill(self, offer: deliveries.GiftOffer) -> None:
        self.gift_carrier.data = offer.carrier
        self.delivery_windows.data = list(offer.windows)
        self.offers_gift_wrapping.data = offer.wrapping
        self.offers_noshi.data = offer.noshi
