"""寄附金受領証明書: one A4 page printed from a receipt's frozen content."""

from __future__ import annotations

import io
from typing import Any

from furusato.documents.layout import (
    MARGIN,
    PAGE,
    new_canvas,
    paragraph,
    postal,
    text,
    wrap,
    yen,
)
from furusato.domain.money import jdate

TITLE = "寄附金受領証明書"
REISSUED = "再発行"
# What makes the donation deductible: a gift to a local government is a 特定寄附金 for income
# tax and a 寄附金税額控除 for both resident taxes.
LEGAL_BASIS = (
    "本寄附金は、所得税法第78条第2項第1号に規定する地方公共団体に対する寄附金であり、"
    "地方税法第37条の2第1項第1号及び第314条の7第1項第1号に規定する寄附金に該当します。"
)


def original_number(content: dict[str, Any]) -> str | None:
    """The number of the first receipt a reissued one replaces (None for a first issue).

    Receipts reissued before `original_number` was kept name only the one they replace."""
    replaces = content.get("replaces_number")
    if not replaces:
        return None
    return str(content.get("original_number") or replaces)


def render(content: dict[str, Any], *, void_reason: str | None = None) -> bytes:
    """The receipt as PDF bytes. `void_reason` (for a voided receipt) stamps it 無効."""
    buffer = io.BytesIO()
    page_w, page_h = PAGE
    c = new_canvas(buffer, title=f"{TITLE} {content['number']}")
    left, right = MARGIN + 14, page_w - MARGIN - 14
    inner = right - left

    text(c, right, page_h - 60, f"証明書番号 {content['number']}", 10, align="right")
    text(c, right, page_h - 76, f"発行日 {jdate(content['issued_on'])}", 10, align="right")

    text(c, page_w / 2, page_h - 130, TITLE, 24, align="center")
    original = original_number(content)
    if original is not None:
        # A reissue says so at a glance, beside the title, and names the first receipt.
        c.saveState()
        c.setStrokeColorRGB(0.75, 0.1, 0.1)
        c.setFillColorRGB(0.75, 0.1, 0.1)
        c.setLineWidth(1.5)
        c.rect(page_w / 2 + 140, page_h - 138, 62, 28, stroke=1, fill=0)
        text(c, page_w / 2 + 171, page_h - 130, REISSUED, 14, align="center")
        c.restoreState()
        text(c, right, page_h - 92, f"原証明書番号 {original}", 10, align="right")
    c.setLineWidth(1.2)
    c.line(page_w / 2 - 130, page_h - 140, page_w / 2 + 130, page_h - 140)

    # The donor, as given for this donation.
    y = page_h - 190
    text(c, left, y, postal(content["donor_postal_code"]), 10.5)
    y = paragraph(c, left, y - 16, content["donor_address"], inner * 0.62, 10.5, 15)
    text(c, left, y - 10, f"{content['donor_name']} 様", 16, max_width=inner * 0.62)
    c.setLineWidth(0.8)
    c.line(left, y - 16, left + inner * 0.62, y - 16)

    y -= 58
    text(c, left, y, "下記のとおり寄附金を受領したことを証明します。", 11.5)

    # The table of what was received.
    y -= 22
    label_w = 150.0
    rows: list[tuple[str, list[str], float]] = [
        ("寄附金額", [f"金 {yen(content['amount_yen'])}"], 16),
        ("受領年月日（入金日）", [jdate(content["received_on"])], 12),
        (
            "寄附の使途（プロジェクト）",
            wrap(content["project_title"], inner - label_w - 20, 11),
            11,
        ),
        ("寄附者の住所", wrap(content["donor_address"], inner - label_w - 20, 10), 10),
        ("証明書番号", [content["number"]], 12),
    ]
    if original is not None:
        rows.append(("原証明書番号", [f"{original}（{REISSUED}）"], 12))
    c.setLineWidth(0.8)
    for label, lines, size in rows:
        height = max(30.0, 12 + len(lines) * size * 1.45)
        c.setFillGray(0.93)
        c.rect(left, y - height, label_w, height, stroke=1, fill=1)
        c.setFillGray(0)
        c.rect(left + label_w, y - height, inner - label_w, height, stroke=1, fill=0)
        text(c, left + 8, y - height / 2 - 4, label, 10, max_width=label_w - 14)
        line_y = y - (height - len(lines) * size * 1.45) / 2 - size
        for line in lines:
            text(c, left + label_w + 10, line_y, line, size)
            line_y -= size * 1.45
        y -= height

    y -= 24
    notes = [
        LEGAL_BASIS,
        "この証明書は、所得税の確定申告で寄附金控除を受けるときに必要です。大切に保管してください。",
        "ワンストップ特例を申請された方が確定申告をする場合は、特例が適用されないため、"
        "この証明書を添付して寄附金控除を申告してください。",
        "寄附をした年（税控除の年）は、決済が完了した日（日本時間）で決まります。",
    ]
    if original is not None:
        notes.insert(
            0,
            f"本証明書は、証明書番号 {content['replaces_number']} を訂正のため{REISSUED}"
            f"したものです（原証明書番号 {original}。それ以前の証明書は無効です）。",
        )
    for note in notes:
        y = paragraph(c, left, y, f"・{note}", inner, 9, 13.5) - 3

    # The issuer.
    y = 205.0
    text(c, right, y, content["city_name"], 12, align="right")
    text(c, right, y - 22, f"{content['city_name']}長　{content['mayor']}", 15, align="right")
    text(c, right, y - 44, "（公印省略）", 9, align="right")
    text(
        c,
        right,
        y - 66,
        f"{postal(content['city_postal_code'])} {content['city_address']}",
        9.5,
        align="right",
        max_width=inner,
    )
    if content.get("city_phone"):
        text(c, right, y - 80, f"電話 {content['city_phone']}", 9.5, align="right")

    if void_reason is not None:
        c.saveState()
        c.setFillColorRGB(0.8, 0.1, 0.1)
        c.setStrokeColorRGB(0.8, 0.1, 0.1)
        c.translate(page_w / 2, page_h / 2)
        c.rotate(30)
        text(c, 0, 0, "無効", 110, align="center")
        c.restoreState()
        c.setFillColorRGB(0.8, 0.1, 0.1)
        text(c, left, 90, f"この証明書は無効です（理由: {void_reason}）。", 10, max_width=inner)
        c.setFillGray(0)

    c.showPage()
    c.save()
    return buffer.getvalue()
