"""活動報告 (campaign updates) and the final report's accounts: what a business may post.

An update is a title and a Markdown body (sanitised like the story when saved). A funded
campaign's final report (最終報告) is an update flagged final, with its accounts: what the
subsidy paid for, one line per item, in whole yen, adding up to at most the subsidy paid. Until
one is published, the campaign's payout cannot be marked paid (services/settlement/payouts.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from furusato.domain import text as text_rules
from furusato.domain.messages import N_

MAX_TITLE_CHARS = 120
MAX_BODY_CHARS = 20_000
MAX_ITEM_CHARS = 100
MAX_ACCOUNT_LINES = 30
MAX_LINE_YEN = 10**12


@dataclass(frozen=True)
class AccountLine:
    """One item the subsidy paid for (補助金の使途)."""

    item: str
    amount_yen: int


def post_problems(title: str, body: str) -> dict[str, str]:
    """Field name → why the update's title or body is refused (empty if neither is)."""
    fields: dict[str, str] = {}
    if not title.strip():
        fields["title"] = N_("入力してください。")
    elif len(title) > MAX_TITLE_CHARS:
        fields["title"] = N_("%(n)s文字以内にしてください。", n=MAX_TITLE_CHARS)
    if not body.strip():
        fields["body"] = N_("入力してください。")
    elif len(body) > MAX_BODY_CHARS:
        fields["body"] = N_("%(n)s文字以内にしてください。", n=MAX_BODY_CHARS)
    fields.update(text_rules.problems({"title": title, "body": body}, multi_line={"body"}))
    return fields


def accounts_problems(lines: Sequence[AccountLine], subsidy_yen: int) -> dict[str, str]:
    """Field name (`accounts`, `accounts.N.item`, `accounts.N.amount_yen`) → why the final
    report's accounts are refused: at least one line, each an item and a whole-yen amount
    above zero, all of them together at most the subsidy."""
    fields: dict[str, str] = {}
    if not lines:
        fields["accounts"] = N_("最終報告には補助金の使途（品目と金額）を1行以上記入してください。")
        return fields
    if len(lines) > MAX_ACCOUNT_LINES:
        fields["accounts"] = N_("使途は%(n)s行までです。", n=MAX_ACCOUNT_LINES)
        return fields
    for index, line in enumerate(lines):
        item = line.item
        if not item.strip():
            fields[f"accounts.{index}.item"] = N_("入力してください。")
        elif len(item) > MAX_ITEM_CHARS:
            fields[f"accounts.{index}.item"] = N_("%(n)s文字以内にしてください。", n=MAX_ITEM_CHARS)
        elif text_rules.line_problem(item):
            fields[f"accounts.{index}.item"] = text_rules.LINE_PROBLEM
        amount = line.amount_yen
        if isinstance(amount, bool) or not isinstance(amount, int):
            fields[f"accounts.{index}.amount_yen"] = N_("金額は円単位の整数で入力してください。")
        elif not 1 <= amount <= MAX_LINE_YEN:
            fields[f"accounts.{index}.amount_yen"] = N_("1円以上の金額を入力してください。")
    if not fields:
        total = sum(line.amount_yen for line in lines)
        if total > subsidy_yen:
            fields["accounts"] = N_(
                "使途の合計（%(total)s円）が補助金額（%(subsidy)s円）を超えています。",
                total=format(total, ","),
                subsidy=format(subsidy_yen, ","),
            )
    return fields
