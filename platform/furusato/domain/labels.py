"""What each state of each state machine is called where people read it: one table per machine.

The labels are Japanese msgids (N_): a page shows them in its own language (the `label` filter of
the templates), so no page ever prints a stored code such as `prepared` or `requested`.
"""

from __future__ import annotations

from enum import StrEnum

from furusato.domain.campaign import Phase
from furusato.domain.messages import N_
from furusato.domain.states import (
    AttemptStatus,
    CampaignOutcome,
    CampaignStatus,
    CheerStatus,
    DonationStatus,
    MissPolicy,
    NoticeStatus,
    OnestopStatus,
    PayoutStatus,
    Role,
    SettlementState,
    ShipmentStatus,
    UpdateStatus,
)

C, P, D = CampaignStatus, Phase, DonationStatus

LABELS: dict[str, dict[str, str]] = {
    "campaign": {
        C.DRAFT: N_("下書き"),
        C.SUBMITTED: N_("審査中"),
        C.APPROVED: N_("採択済み"),
        C.PAUSED: N_("一時停止中"),
        C.CLOSING: N_("締切処理中"),
        C.SETTLING: N_("精算中"),
        C.SETTLED: N_("精算済み"),
    },
    "phase": {
        P.DRAFT: N_("下書き"),
        P.IN_REVIEW: N_("審査中"),
        P.SCHEDULED: N_("公開待ち"),
        P.LIVE: N_("受付中"),
        P.PAUSED: N_("一時停止中"),
        P.ENDED: N_("受付終了"),
        P.SETTLING: N_("精算中"),
        P.SETTLED: N_("精算済み"),
    },
    "outcome": {
        CampaignOutcome.FUNDED: N_("目標達成"),
        CampaignOutcome.MISSED: N_("目標未達"),
    },
    "miss_policy": {
        MissPolicy.REFUND: N_("全額返金"),
        MissPolicy.KEEP: N_("寄附を活用"),
    },
    "donation": {
        D.PENDING_PAYMENT: N_("お支払い待ち"),
        D.PAID: N_("決済完了"),
        D.EXPIRED: N_("期限切れ"),
        D.REFUNDED: N_("返金済み"),
    },
    "settlement": {
        SettlementState.PENDING: N_("精算待ち"),
        SettlementState.DONE: N_("精算完了"),
        SettlementState.FAILED: N_("精算失敗"),
    },
    "attempt": {
        AttemptStatus.STARTED: N_("決済中"),
        AttemptStatus.REQUIRES_ACTION: N_("本人認証待ち"),
        AttemptStatus.SUCCEEDED: N_("決済成功"),
        AttemptStatus.FAILED: N_("決済失敗"),
        AttemptStatus.UNKNOWN: N_("結果を確認中"),
    },
    "shipment": {
        ShipmentStatus.SCHEDULED: N_("発送予定"),
        ShipmentStatus.SENT: N_("発送済み"),
        ShipmentStatus.CANCELED: N_("取消"),
    },
    "payout": {
        PayoutStatus.DRAFT: N_("下書き（確認待ち）"),
        PayoutStatus.PREPARED: N_("準備済み（承認待ち）"),
        PayoutStatus.APPROVED: N_("承認済み"),
        PayoutStatus.EXPORTED: N_("振込データ作成済み"),
        PayoutStatus.PAID: N_("支払済み"),
    },
    "onestop": {
        OnestopStatus.REQUESTED: N_("申請書待ち"),
        OnestopStatus.ACCEPTED: N_("受付済み"),
        OnestopStatus.LATE: N_("期限後（対象外）"),
        OnestopStatus.WITHDRAWN: N_("取り下げ（返金）"),
    },
    "notice": {
        NoticeStatus.DUE: N_("通知待ち"),
        NoticeStatus.SENT: N_("通知済み"),
        NoticeStatus.CORRECTION_DUE: N_("変更通知待ち"),
        NoticeStatus.CORRECTED: N_("変更通知済み"),
        NoticeStatus.CANCELLATION_DUE: N_("取消通知待ち"),
        NoticeStatus.CANCELLED: N_("取消通知済み"),
        NoticeStatus.WITHDRAWN: N_("通知不要（通知前に返金）"),
    },
    "update": {
        UpdateStatus.PUBLISHED: N_("公開中"),
        UpdateStatus.HELD: N_("非公開（市が保留）"),
    },
    "cheer": {
        CheerStatus.PENDING: N_("承認待ち"),
        CheerStatus.APPROVED: N_("掲載中"),
        CheerStatus.HIDDEN: N_("非表示"),
    },
    "role": {
        Role.DONOR: N_("寄附者"),
        Role.BUSINESS: N_("事業者"),
        Role.STAFF: N_("職員"),
    },
}

# The enum each table names every state of (tests/unit/test_labels.py holds them to it).
MACHINES: dict[str, type[StrEnum]] = {
    "campaign": CampaignStatus,
    "phase": Phase,
    "outcome": CampaignOutcome,
    "miss_policy": MissPolicy,
    "donation": DonationStatus,
    "settlement": SettlementState,
    "attempt": AttemptStatus,
    "shipment": ShipmentStatus,
    "payout": PayoutStatus,
    "onestop": OnestopStatus,
    "notice": NoticeStatus,
    "update": UpdateStatus,
    "cheer": CheerStatus,
    "role": Role,
}


def label(machine: str, value: str | None) -> str:
    """The msgid naming `value` in `machine` ("" for none; a value no table knows as it is)."""
    if value is None or value == "":
        return ""
    return LABELS[machine].get(str(value), str(value))
