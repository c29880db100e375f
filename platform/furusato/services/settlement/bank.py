"""A business's bank account for the subsidy transfer (Zengin format rules).

Codes are digits only: bank 4, branch 3, account number up to 7 (zero-padded to 7). The holder
name is stored as half-width katakana, as the transfer file needs it: hiragana and full-width
katakana are converted, small kana become large ones (ｧ→ｱ), and anything outside the Zengin
character set is refused.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import jaconv
from sqlalchemy import select

from furusato.domain.bank_account import FIELDS
from furusato.domain.bank_account import BankAccount as BankAccount
from furusato.models import Business, User
from furusato.services import audit
from furusato.services.errors import (
    N_,
    Forbidden,
    NotFound,
    ValidationFailed,
    refuse_control_characters,
)
from furusato.services.settlement import payout_account
from furusato.services.uow import UnitOfWork

ACCOUNT_TYPES = {"1": N_("普通"), "2": N_("当座"), "4": N_("貯蓄")}  # Zengin codes
_SMALL_TO_LARGE = str.maketrans("ｧｨｩｪｫｬｭｮｯ", "ｱｲｳｴｵﾔﾕﾖﾂ")
_ZENGIN_KANA = re.compile(r"^[ｦ-ﾟA-Z0-9 ().,\-/]+$")


def to_zengin_kana(text: str) -> str:
    """ひらがな/全角カナ/全角英数 → 半角カナ・大文字英数 (small kana made large)."""
    s = unicodedata.normalize("NFKC", text or "").strip()  # full-width ASCII → ASCII
    s = jaconv.hira2kata(s)
    s = jaconv.z2h(s, kana=True, ascii=True, digit=True)
    s = s.replace("　", " ").upper().translate(_SMALL_TO_LARGE)
    s = s.replace("ｰ", "-")  # the long-vowel mark is written as a hyphen in transfer files
    return re.sub(r" +", " ", s)


def validate(raw: BankAccount) -> BankAccount:
    """Normalise an account, or raise ValidationFailed naming every bad field."""
    refuse_control_characters(vars(raw))
    errors: dict[str, str] = {}

    def digits(name: str, value: str, length: int, label: str, pad: bool = False) -> str:
        v = unicodedata.normalize("NFKC", value or "").strip().replace("-", "")
        if pad and v.isdigit() and len(v) < length:
            v = v.zfill(length)
        if not (v.isascii() and v.isdigit() and len(v) == length):
            errors[name] = N_(
                "%(label)sは%(length)s桁の数字で入力してください。", label=label, length=length
            )
        return v

    def kana(name: str, value: str, max_len: int, label: str, required: bool = True) -> str:
        v = to_zengin_kana(value)
        if not v:
            if required:
                errors[name] = N_("%(label)sを入力してください。", label=label)
        elif not _ZENGIN_KANA.match(v):
            errors[name] = N_("%(label)sはカナ・英大文字・数字で入力してください。", label=label)
        elif len(v) > max_len:
            errors[name] = N_(
                "%(label)sは半角%(n)s文字以内にしてください。", label=label, n=max_len
            )
        return v

    account = BankAccount(
        bank_code=digits("bank_code", raw.bank_code, 4, N_("金融機関コード")),
        bank_name_kana=kana("bank_name_kana", raw.bank_name_kana, 15, N_("金融機関名（カナ）")),
        branch_code=digits("branch_code", raw.branch_code, 3, N_("支店コード")),
        branch_name_kana=kana("branch_name_kana", raw.branch_name_kana, 15, N_("支店名（カナ）")),
        account_type=(raw.account_type or "").strip(),
        account_number=digits("account_number", raw.account_number, 7, N_("口座番号"), pad=True),
        account_holder_kana=kana(
            "account_holder_kana", raw.account_holder_kana, 30, N_("口座名義")
        ),
    )
    if account.account_type not in ACCOUNT_TYPES:
        errors["account_type"] = N_("預金種目を選んでください。")
    if errors:
        raise ValidationFailed("口座情報に誤りがあります。", fields=errors)
    return account


def update_bank_account(actor: User, business_id: int, raw: BankAccount) -> BankAccount:
    """A business edits its own account; the change is audited (the payout goes there). A
    payout prepared or approved for the old account goes back to draft (staff are told); one
    already in a transfer file keeps its account, and the audit entry names it."""
    return update_account(actor, business_id, raw).account


@dataclass(frozen=True)
class AccountUpdate:
    account: BankAccount
    returned_payout_ids: list[int]  # back to draft: staff check the new account again
    in_transfer_payout_ids: list[int]  # exported, not yet paid: the old account is paid


def update_account(actor: User, business_id: int, raw: BankAccount) -> AccountUpdate:
    if actor.role != "business" or actor.business_id != business_id:
        raise Forbidden("この事業者の口座は変更できません。")
    account = validate(raw)
    with UnitOfWork() as uow:
        business = uow.session.scalar(
            select(Business).where(Business.id == business_id).with_for_update()
        )
        if business is None:
            raise NotFound("事業者が見つかりません。")
        before = of_business(business)
        for name, value in account.__dict__.items():
            setattr(business, name, value)
        change = payout_account.account_changed(uow, actor, business, account)
        audit.record(
            uow.session,
            actor,
            "business.bank_account",
            "business",
            business.id,
            before=before.masked(),
            after={
                **account.masked(),
                "payouts_returned_to_draft": change.returned,
                "payouts_in_transfer": change.in_transfer,
            },
        )
        uow.commit()
    return AccountUpdate(account, change.returned, change.in_transfer)


def of_business(business: Business) -> BankAccount:
    """The business's account as stored now."""
    return BankAccount(**{name: getattr(business, name) for name in FIELDS})


def account_of(business_id: int) -> BankAccount:
    with UnitOfWork() as uow:
        business = uow.session.get(Business, business_id)
        if business is None:
            raise NotFound("事業者が見つかりません。")
        return of_business(business)
