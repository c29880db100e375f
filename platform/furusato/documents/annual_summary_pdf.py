"""A donor's year at a glance: every receipt of the year in one list.

A convenience only, and it says so on its face: the legal documents are the receipts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from reportlab.lib import colors
from reportlab.platypus import Flowable, Spacer, Table, TableStyle

from furusato.documents.layout import MARGIN, PAGE, yen
from furusato.documents.tables import build, cell, para, table
from furusato.domain.money import jdate

NOTICE = (
    "この書類は、寄附の記録を便宜的にまとめたものです。寄附金受領証明書ではなく、"
    "確定申告の証明書類としては使えません。申告には各寄附の寄附金受領証明書をお使いください。"
)


@dataclass(frozen=True)
class Line:
    number: str
    received_on: date
    project_title: str
    amount_yen: int


def render(
    *, year: int, donor_name: str, city_name: str, lines: list[Line], made_on: date
) -> bytes:
    inner = PAGE[0] - 2 * MARGIN
    notice = Table([[para(NOTICE, 10)]], colWidths=[inner])
    notice.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 1.2, colors.Color(0.8, 0.45, 0.0)),
                ("BACKGROUND", (0, 0), (-1, -1), colors.Color(1, 0.97, 0.9)),
                ("TOPPADDING", (0, 0), (-1, -1), 6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    total = sum(line.amount_yen for line in lines)
    rows = [
        [
            cell(line.number),
            cell(jdate(line.received_on)),
            cell(line.project_title),
            cell(yen(line.amount_yen), alignment=2),
        ]
        for line in lines
    ]
    flowables: list[Flowable] = [
        para(f"{year}年 寄附の記録（年間まとめ）", 17, alignment=1, leading=24),
        Spacer(1, 4),
        para("（参考資料・証明書ではありません）", 10, alignment=1),
        Spacer(1, 14),
        notice,
        Spacer(1, 14),
        para(f"{donor_name} 様", 13),
        Spacer(1, 4),
        para(f"{city_name}への{year}年（決済完了日・日本時間）のご寄附：{len(lines)}件", 10),
        Spacer(1, 10),
        table(
            ["証明書番号", "受領年月日", "プロジェクト", "寄附金額"],
            rows,
            [inner * 0.18, inner * 0.18, inner * 0.44, inner * 0.20],
            total=["", "", cell("合計"), cell(yen(total), alignment=2)],
        ),
        Spacer(1, 12),
        para(f"作成日 {jdate(made_on)}　{city_name}", 9, alignment=2),
    ]
    return build(
        flowables,
        title=f"{year}年 寄附の記録（年間まとめ）",
        footer=lambda page: f"参考資料（寄附金受領証明書ではありません）　{page}",
    )
