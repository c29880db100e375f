"""A payout's checked bank account: when an account change sends it back to draft."""

from __future__ import annotations

from dataclasses import replace

import pytest

from furusato.domain.bank_account import BankAccount, must_recheck

CHECKED = BankAccount("0001", "ﾐｽﾞﾎ", "001", "ﾎﾝﾃﾝ", "1", "1234567", "ｶ)ｲｽﾞﾐｻﾉ")
OTHER = replace(CHECKED, account_number="7654321")


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("draft", False),
        ("prepared", True),
        ("approved", True),
        ("exported", False),
        ("paid", False),
    ],
)
def test_only_a_prepared_or_approved_payout_goes_back(status: str, expected: bool) -> None:
    """Prepared and approved payouts are checked again; a draft has nothing to undo and an
    exported or paid one has gone out."""
    assert must_recheck(status, CHECKED, OTHER) is expected


def test_the_same_account_is_no_change() -> None:
    """Saving the account unchanged keeps the approval."""
    assert not must_recheck("approved", CHECKED, replace(CHECKED))


def test_fingerprint_follows_every_field_and_mask_keeps_three_digits() -> None:
    """Any field changes the fingerprint; the masked form shows only the last three digits."""
    fields = CHECKED.__dataclass_fields__
    prints = {replace(CHECKED, **{name: "9"}).fingerprint() for name in fields}
    assert len(prints) == len(fields) and CHECKED.fingerprint() not in prints
    assert CHECKED.masked()["account_number"] == "****567"
