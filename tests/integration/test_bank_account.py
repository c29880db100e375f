"""A business's bank account: Zengin codes, half-width kana holder names, audited edits."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from furusato.models import AuditLog, Business
from furusato.services.errors import Forbidden, ValidationFailed
from furusato.services.settlement import bank
from furusato.services.settlement.bank import BankAccount
from tests.factories import make_user

GOOD = BankAccount(
    bank_code="0179",
    bank_name_kana="いずみさのしんきん",
    branch_code="001",
    branch_name_kana="ホンテン",
    account_type="1",
    account_number="12345",
    account_holder_kana="カ）イズミサノ　タオル",
)


def test_names_become_half_width_katakana() -> None:
    """Hiragana and full-width katakana are stored half-width; short numbers are zero-padded."""
    account = bank.validate(GOOD)
    assert account.bank_name_kana == "ｲｽﾞﾐｻﾉｼﾝｷﾝ"
    assert account.branch_name_kana == "ﾎﾝﾃﾝ"
    assert account.account_holder_kana == "ｶ)ｲｽﾞﾐｻﾉ ﾀｵﾙ"
    assert account.account_number == "0012345"


def test_small_kana_and_full_width_digits_are_normalised() -> None:
    """ｯ becomes ﾂ as the transfer file needs; full-width digits count as digits."""
    account = bank.validate(replace(GOOD, account_holder_kana="ショップ", bank_code="０１７９"))
    assert account.account_holder_kana == "ｼﾖﾂﾌﾟ"
    assert account.bank_code == "0179"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("bank_code", "179"),
        ("bank_code", "01790"),
        ("branch_code", "01"),
        ("branch_code", "1a1"),
        ("account_number", "12345678"),
        ("account_type", "3"),
        ("account_holder_kana", "山田太郎"),
        ("account_holder_kana", ""),
        ("account_holder_kana", "ア" * 31),
    ],
)
def test_bad_fields_are_named(field: str, value: str) -> None:
    """Each malformed part is reported against its own field."""
    with pytest.raises(ValidationFailed) as caught:
        bank.validate(replace(GOOD, **{field: value}))
    assert field in caught.value.fields


def test_business_edits_its_own_account_audited(db: Session) -> None:
    """The owner saves it; the audit entry masks the account number; others are refused."""
    owner = make_user(db, "business")
    assert owner.business_id is not None
    bank.update_bank_account(owner, owner.business_id, GOOD)
    business = db.get(Business, owner.business_id)
    assert business is not None
    db.refresh(business)
    assert (business.account_number, business.account_holder_kana) == ("0012345", "ｶ)ｲｽﾞﾐｻﾉ ﾀｵﾙ")
    entry = db.scalar(select(AuditLog).where(AuditLog.action == "business.bank_account"))
    assert entry is not None and entry.after is not None
    assert entry.after["account_number"] == "****345"
    with pytest.raises(Forbidden):
        bank.update_bank_account(make_user(db, "business"), owner.business_id, GOOD)
    with pytest.raises(Forbidden):
        bank.update_bank_account(make_user(db, "staff"), owner.business_id, GOOD)
