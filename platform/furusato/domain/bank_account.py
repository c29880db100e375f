"""A bank account for a subsidy transfer, as a value: compared, fingerprinted and masked.

A payout keeps the account its preparer checked. When the business's account changes, a payout
whose state can still go back to draft (prepared, approved) and whose checked account differs
goes back, so the new account is checked by two staff members again; an exported or paid
payout stays as it is (its transfer has gone out).
"""

from __future__ import annotations

import hashlib
from dataclasses import astuple, dataclass

from furusato.domain.states import PAYOUT, PayoutStatus


@dataclass(frozen=True)
class BankAccount:
    bank_code: str
    bank_name_kana: str
    branch_code: str
    branch_name_kana: str
    account_type: str
    account_number: str
    account_holder_kana: str

    def fingerprint(self) -> str:
        """Short and stable: a page carries it, so a form attests the account it showed."""
        return hashlib.sha256("\x1f".join(astuple(self)).encode()).hexdigest()[:20]

    def masked(self) -> dict[str, str]:
        """For the audit log and mails: the account number's last 3 digits only."""
        out = dict(self.__dict__)
        number = self.account_number
        out["account_number"] = ("*" * max(len(number) - 3, 0)) + number[-3:]
        return out


FIELDS: tuple[str, ...] = tuple(BankAccount.__dataclass_fields__)


def must_recheck(status: str, checked: BankAccount | None, current: BankAccount) -> bool:
    """Does an account change send this payout back to draft?"""
    return PAYOUT.can(status, PayoutStatus.DRAFT) and checked != current
