"""申告特例通知書 (地方税法附則第7条第4項・第11項): to one residence municipality, addressed
by its name, the one-stop donors of the year whose notice is to be sent.

One line per donor and kind (新規, 変更 for changed details, 取消 for a refunded donation) with
the total of their donations; the city's name and the mayor as sender. It carries My Numbers,
so it exists only inside the export the staff member downloads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from reportlab.platypus import Flowable, Spacer

from furusato.documents.layout import MARGIN, PAGE_LANDSCAPE, postal, yen
from furusato.documents.tables import build, cell, para, table
from furusato.domain.money import jdate


@dataclass(frozen=True)
class DonorLine:
    name: str
    name_kana: str
    postal_code: str
    address: str
    birth_date: date | None
    gender: str | None
    my_number: str
    donations: int
    total_yen: int
    kind: str = "新規"


GENDER = {"male": "男", "female": "女"}


def render(
    *,
    tax_year: int,
    municipality_code: str,
    municipality_name: str,
    city_name: str,
    mayor: str,
    city_address: str,
    donors: list[DonorLine],
    made_on: date,
) -> bytes:
    inner = PAGE_LANDSCAPE[0] - 2 * MARGIN
    addressee = (
        f"{municipality_name}長" if municipality_name else f"市区町村長（{municipality_code}）"
    )
    rows = [
        [
            cell(str(n)),
            cell(d.kind),
            cell(f"{d.name}\n{d.name_kana}".replace("\n", " / ")),
            cell(f"{postal(d.postal_code)} {d.address}"),
            cell(jdate(d.birth_date)),
            cell(GENDER.get(d.gender or "", "")),
            cell(d.my_number),
            cell(str(d.donations), alignment=2),
            cell(yen(d.total_yen), alignment=2),
        ]
        for n, d in enumerate(donors, start=1)
    ]
    widths = [0.04, 0.05, 0.16, 0.28, 0.11, 0.04, 0.12, 0.06, 0.14]
    flowables: list[Flowable] = [
        para("寄附金税額控除に係る申告特例通知書", 16, alignment=1, leading=22),
        Spacer(1, 8),
        para(f"（宛先）{addressee}", 11),
        para(f"{city_name}長　{mayor}　（{city_address}）", 10, alignment=2),
        Spacer(1, 8),
        para(
            "地方税法附則第7条第4項及び第11項の規定により、下記の寄附者から"
            f"{tax_year}年中に受けた寄附について、申告特例の求めがあったことを通知します。"
            "区分「変更」は既に通知した内容の変更、「取消」は寄附の返還による通知の取消です。",
            10,
        ),
        Spacer(1, 8),
        table(
            [
                "No.",
                "区分",
                "氏名 / フリガナ",
                "住所",
                "生年月日",
                "性別",
                "個人番号",
                "件数",
                "寄附金額",
            ],
            rows,
            [inner * w for w in widths],
            total=[
                "",
                "",
                cell(f"合計 {len(donors)}件"),
                "",
                "",
                "",
                "",
                cell(str(sum(d.donations for d in donors)), alignment=2),
                cell(yen(sum(d.total_yen for d in donors)), alignment=2),
            ],
        ),
        Spacer(1, 8),
        para(f"作成日 {jdate(made_on)}", 9, alignment=2),
    ]
    return build(
        flowables,
        title=f"申告特例通知書 {tax_year}年分 {municipality_code}",
        pagesize=PAGE_LANDSCAPE,
        footer=lambda page: (
            f"{city_name} 申告特例通知書 {tax_year}年分 {municipality_code}　{page}"
        ),
    )
