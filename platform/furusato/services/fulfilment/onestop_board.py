"""What staff see of a tax year's one-stop exception: the applications, the notices to each
municipality (due, sent with the day they were posted, corrected, cancelled) and the donors
whose applications disagree with each other under one My Number. No My Number leaves here."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select

from furusato.domain.messages import N_
from furusato.domain.money import to_jst, utcnow
from furusato.domain.municipalities import notice_code
from furusato.domain.onestop import application_deadline, notification_deadline
from furusato.domain.states import NOTICE_PENDING
from furusato.models import OnestopApplication
from furusato.services import addresses
from furusato.services.fulfilment import onestop, onestop_export
from furusato.services.fulfilment.onestop_export import person_key
from furusato.services.uow import UnitOfWork


@dataclass
class MunicipalityNotices:
    code: str
    name: str
    counts: dict[str, int] = field(default_factory=dict)  # notice status → applications
    exported: int = 0  # pending notices in an export since their last change
    sent_on: list[date] = field(default_factory=list)  # the days notices were posted

    @property
    def pending(self) -> int:
        return sum(self.counts.get(s, 0) for s in NOTICE_PENDING)


@dataclass(frozen=True)
class Mismatch:
    """Applications that are one donor by My Number but differ in name, birth date or
    municipality, or one name and birth date under two numbers: staff decide; none is
    dropped from the notices."""

    reason: str  # a msgid
    application_ids: list[int]
    names: list[str]


@dataclass(frozen=True)
class YearPage:
    tax_year: int
    deadline: date
    notify_by: date
    overdue: bool  # notices still due after January 31
    applications: list[onestop.ApplicationView]
    notices: list[MunicipalityNotices]
    mismatches: list[Mismatch]
    export: list[dict[str, Any]]  # what the next export holds, without My Numbers


def _mismatches(rows: list[OnestopApplication]) -> list[Mismatch]:
    by_number: dict[str, list[OnestopApplication]] = defaultdict(list)
    numbers_of: dict[tuple[str, date | None], set[str]] = defaultdict(set)
    ids_of: dict[tuple[str, date | None], list[OnestopApplication]] = defaultdict(list)
    for row in rows:
        kind, who = person_key(row)
        if kind != "number":
            continue
        by_number[who].append(row)
        numbers_of[(row.name_kana, row.birth_date)].add(who)
        ids_of[(row.name_kana, row.birth_date)].append(row)
    found = []
    for group in by_number.values():
        facts = {(r.name, r.birth_date, notice_code(r.residence_municipality_code)) for r in group}
        if len(facts) > 1:
            found.append(
                Mismatch(
                    N_("同じ個人番号で氏名・生年月日・住所地が一致しない申請があります。"),
                    [r.id for r in group],
                    sorted({r.name for r in group}),
                )
            )
    for key, numbers in numbers_of.items():
        if len(numbers) > 1:
            group = ids_of[key]
            found.append(
                Mismatch(
                    N_("同じフリガナ・生年月日で個人番号が異なる申請があります。"),
                    [r.id for r in group],
                    sorted({r.name for r in group}),
                )
            )
    return found


def year_page(tax_year: int, status: str | None = None) -> YearPage:
    with UnitOfWork() as uow:
        rows = list(
            uow.session.scalars(
                select(OnestopApplication)
                .where(
                    OnestopApplication.tax_year == tax_year,
                    OnestopApplication.notice_status.is_not(None),
                )
                .order_by(OnestopApplication.id)
            )
        )
        notices: dict[str, MunicipalityNotices] = {}
        for row in rows:
            code = notice_code(row.residence_municipality_code)
            entry = notices.get(code) or MunicipalityNotices(
                code, addresses.municipality_name(code)
            )
            notices[code] = entry
            state = str(row.notice_status)
            entry.counts[state] = entry.counts.get(state, 0) + 1
            if state in NOTICE_PENDING and row.exported_at is not None:
                entry.exported += 1
            for day in (row.notice_sent_on, row.notice_last_sent_on):
                if day is not None and day not in entry.sent_on:
                    entry.sent_on.append(day)
        mismatches = _mismatches(rows)
    for entry in notices.values():
        entry.sent_on.sort()
    notify_by = notification_deadline(tax_year)
    today = to_jst(utcnow()).date()
    return YearPage(
        tax_year=tax_year,
        deadline=application_deadline(tax_year),
        notify_by=notify_by,
        overdue=today > notify_by and any(n.counts.get("due") for n in notices.values()),
        applications=onestop.list_for_year(tax_year, status),
        notices=[notices[code] for code in sorted(notices)],
        mismatches=mismatches,
        export=onestop_export.listing(tax_year),
    )
