"""The miss-policy sentence donors read on the give page and in the confirmation mail."""

from __future__ import annotations

import pytest

from furusato.models import Project
from furusato.services.giving.donation_mail import miss_policy_text


@pytest.mark.parametrize(
    "purpose",
    ["泉佐野市の農業振興", "泉佐野市の農業振興に活用します。", " 泉佐野市の農業振興。\n"],
)
def test_keep_states_the_business_purpose_once_with_one_full_stop(purpose: str) -> None:
    """The business writes the purpose as a phrase or a sentence; the text never doubles 。."""
    text = miss_policy_text(Project(miss_policy="keep", fallback_purpose=purpose))
    assert "。。" not in text
    assert text.startswith("寄附は返金されず、次の目的に使われます: 泉佐野市の農業振興")
    assert "受領証明書は発行されます。" in text


def test_refund_says_everything_is_returned() -> None:
    text = miss_policy_text(Project(miss_policy="refund"))
    assert text == "寄附は全額返金され、受領証明書と返礼品はありません。"
