"""Settlement rules: the outcome of a closed campaign, what each donation costs, ledger keys.

The ledger of a campaign balances to zero: donations received are positive, and every use of
them (refunds, payment fees, gift procurement, shipping, the subsidy) is a negative entry; the
city's share is booked last as the negative remainder. So `city_share = -(sum of the others)`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from furusato.domain.messages import N_
from furusato.domain.money import subsidy_yen, to_jst
from furusato.domain.states import CampaignOutcome, MissPolicy

# A pending donation gets this long after its reservation ends before settlement treats it as
# expired itself (the payments reconcile sweep normally expires it first).
PENDING_GRACE = timedelta(minutes=15)
# Pending settlement work untouched for this long is sent to the worker again.
STALL_AFTER = timedelta(minutes=2)
CHUNK_SIZE = 500


class Account:
    DONATION_RECEIVED = "donation_received"
    REFUND = "refund"
    PAYMENT_FEE = "payment_fee"
    GIFT_COST = "gift_cost"
    SHIPPING_COST = "shipping_cost"
    SUBSIDY_PAYABLE = "subsidy_payable"
    CITY_SHARE = "city_share"


ACCOUNTS = (
    Account.DONATION_RECEIVED,
    Account.REFUND,
    Account.PAYMENT_FEE,
    Account.GIFT_COST,
    Account.SHIPPING_COST,
    Account.SUBSIDY_PAYABLE,
    Account.CITY_SHARE,
)

# settlement_error is "<code>: <detail>". Codes the sweep retries on its own; every other code
# (a card or invalid-request refusal, missing data) waits for a staff member.
TRANSIENT_CODES = frozenset({"gateway_unavailable", "database_unavailable"})

# What a code means, for the staff page (a msgid, shown in the page's language). The stored
# detail beside it is data: an exception's text, or the values (amounts, a refund id).
FAILURE_REASONS: dict[str, str] = {
    "gateway_unavailable": N_("決済代行に接続できませんでした。"),
    "database_unavailable": N_("データベースに接続できませんでした。"),
    "error": N_("精算の処理中にエラーが起きました。"),
    "no_payment_intent": N_("決済の記録がないため返金できません。"),
    "partial_refund": N_("決済代行で一部だけ返金済みです。"),
    "refund_failed": N_("決済代行で返金が失敗しました。"),
}
# Any other code is the gateway's own, given when it refused a refund.
REFUND_REFUSED = N_("決済代行が返金を断りました。")


def error_text(code: str, detail: str) -> str:
    return (f"{code}: {detail}" if detail else code)[:2000]


def error_code(settlement_error: str) -> str:
    return settlement_error.split(":", 1)[0].strip()


def error_detail(settlement_error: str) -> str:
    """What was stored after the code (an exception's text or values), as it was written."""
    return settlement_error.partition(":")[2].strip()


def failure_reason(settlement_error: str) -> str:
    """The meaning of a stored failure's code (a msgid)."""
    return FAILURE_REASONS.get(error_code(settlement_error), REFUND_REFUSED)


def is_transient(settlement_error: str) -> bool:
    return error_code(settlement_error) in TRANSIENT_CODES


@dataclass(frozen=True)
class Decision:
    """What happens to a closed campaign's paid donations."""

    outcome: str  # funded | missed
    action: str  # fulfil | refund | keep
    subsidy_yen: int
    ships_gifts: bool

    @property
    def issues_receipts(self) -> bool:
        return self.action != "refund"


def keep_ships_gift(fallback_gift_note: str) -> bool:
    """A missed `keep` campaign sends the donors' tier gifts if and only if its page named one.

    `fallback_gift_note` is shown to donors before they give ("what gift, if any, is sent"):
    an empty note promises no gift, a written note promises the tier's gift as described there.
    """
    return bool(fallback_gift_note.strip())


def decide(
    *,
    paid_total_yen: int,
    target_yen: int,
    subsidy_rate_percent: int,
    eligible_cost_yen: int,
    miss_policy: str,
    fallback_gift_note: str,
) -> Decision:
    if paid_total_yen >= target_yen and paid_total_yen > 0:
        subsidy = subsidy_yen(paid_total_yen, subsidy_rate_percent, eligible_cost_yen)
        return Decision(CampaignOutcome.FUNDED, "fulfil", subsidy, ships_gifts=True)
    if miss_policy == MissPolicy.KEEP:
        return Decision(
            CampaignOutcome.MISSED, "keep", 0, ships_gifts=keep_ships_gift(fallback_gift_note)
        )
    return Decision(CampaignOutcome.MISSED, "refund", 0, ships_gifts=False)


def action_of(outcome: str | None, miss_policy: str, fallback_gift_note: str) -> Decision | None:
    """The decision a settling campaign was given, rebuilt from its stored outcome."""
    if outcome == CampaignOutcome.FUNDED:
        return Decision(CampaignOutcome.FUNDED, "fulfil", 0, ships_gifts=True)
    if outcome == CampaignOutcome.MISSED:
        if miss_policy == MissPolicy.KEEP:
            return Decision(CampaignOutcome.MISSED, "keep", 0, keep_ships_gift(fallback_gift_note))
        return Decision(CampaignOutcome.MISSED, "refund", 0, ships_gifts=False)
    return None


def fiscal_year(moment: datetime) -> int:
    """Japanese fiscal year (April to March) of a moment, by its JST date."""
    local = to_jst(moment)
    return local.year if local.month >= 4 else local.year - 1


def fiscal_year_bounds(year: int) -> tuple[datetime, datetime]:
    """[start, end) of fiscal year `year` in JST."""
    from furusato.domain.money import JST

    return datetime(year, 4, 1, tzinfo=JST), datetime(year + 1, 4, 1, tzinfo=JST)


def donation_key(donation_id: int, what: str) -> str:
    return f"donation:{donation_id}:{what}"


def project_key(project_id: int, what: str) -> str:
    return f"project:{project_id}:{what}"


def refund_attempt_key(donation_id: int, retry: int = 0) -> str:
    """The first refund of a donation uses `donation:{id}:refund` (also Stripe's key); a retry
    that staff asked for after a definite refusal gets a numbered key."""
    base = f"donation:{donation_id}:refund"
    return base if retry == 0 else f"{base}:{retry + 1}"


def chunks(ids: Sequence[int], size: int = CHUNK_SIZE) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield list(ids[start : start + size])


@dataclass(frozen=True)
class Progress:
    total: int
    done: int
    pending: int
    failed: int

    @property
    def remaining(self) -> int:
        return self.pending + self.failed

    @property
    def percent(self) -> int:
        return 100 if self.total == 0 else self.done * 100 // self.total
