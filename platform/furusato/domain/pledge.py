"""What a donor may pledge: the amount rules, checked before anything is reserved."""

from __future__ import annotations

from furusato.domain.messages import N_
from furusato.domain.money import MIN_DONATION_YEN

# One donation above this is refused as a likely typo (the deduction cap of even very high
# earners is a few million yen; larger gifts are arranged with the city directly).
MAX_DONATION_YEN = 10_000_000


def amount_problem(amount_yen: int, tier_amount_yen: int | None) -> str | None:
    """Why an amount is refused (Japanese, for the donor), or None.

    With a tier the donor may give the tier's amount or more (the gift stays within 30 % of a
    larger donation); without a tier any whole-yen amount from the minimum is accepted.
    """
    if isinstance(amount_yen, bool) or not isinstance(amount_yen, int):
        return N_("金額は円単位の整数で入力してください。")
    if amount_yen < MIN_DONATION_YEN:
        return N_("寄附金額は%(min)s円以上で入力してください。", min=format(MIN_DONATION_YEN, ","))
    if amount_yen > MAX_DONATION_YEN:
        return N_("1回の寄附金額は%(max)s円までです。", max=format(MAX_DONATION_YEN, ","))
    if tier_amount_yen is not None and amount_yen < tier_amount_yen:
        return N_("このコースの寄附金額は%(min)s円以上です。", min=format(tier_amount_yen, ","))
    return None
