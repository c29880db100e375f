"""寄附金税額控除に係る申告特例申請書 (様式第55号の5), pre-filled except My Number.

The donor prints it, writes their My Number in the twelve boxes, ticks the two declarations,
and mails it with copies of their ID documents (the form has no signature box, so it asks for
none). The layout follows the official form (地方税法施行規則 第五十五号の五様式): the
"年寄附分 市町村民税・道府県民税" header, the 整理番号 box the city fills in, the addressee, the
applicant block, the donation, the two declarations (地方税法附則第7条第1項・第8項 and
第2項・第9項) and (注2): filing a tax return, or asking more than five bodies, voids the
exception for the year.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

from reportlab.pdfgen.canvas import Canvas

from furusato.documents.layout import (
    MARGIN,
    PAGE,
    checkbox,
    new_canvas,
    paragraph,
    postal,
    text,
    yen,
)
from furusato.domain.money import jdate

TITLE = "寄附金税額控除に係る申告特例申請書"


@dataclass(frozen=True)
class FormData:
    donation_id: int
    name: str
    name_kana: str
    postal_code: str
    address: str
    phone: str
    birth_date: date | None
    gender: str | None  # "male" | "female" | None
    donated_on: date
    amount_yen: int
    city_name: str
    city_postal_code: str
    city_address: str
    deadline: date


def _cell(c: Canvas, x: float, y: float, w: float, h: float, label: str | None = None) -> None:
    if label is not None:
        c.setFillGray(0.92)
        c.rect(x, y, w, h, stroke=1, fill=1)
        c.setFillGray(0)
        text(c, x + w / 2, y + h / 2 - 3.5, label, 9.5, align="center", max_width=w - 6)
    else:
        c.rect(x, y, w, h, stroke=1, fill=0)


def render(form: FormData) -> bytes:
    buffer = io.BytesIO()
    page_w, page_h = PAGE
    c = new_canvas(buffer, title=TITLE)
    left, right = MARGIN, page_w - MARGIN
    inner = right - left
    c.setLineWidth(0.8)

    text(c, left, page_h - 46, "第五十五号の五様式（附則第二条の四関係）", 8.5)
    c.rect(right - 130, page_h - 56, 130, 20)
    text(c, right - 126, page_h - 49, "整理番号", 8.5)
    text(
        c,
        page_w / 2,
        page_h - 68,
        f"{form.donated_on.year}年寄附分　市町村民税・道府県民税",
        11,
        align="center",
    )
    text(c, page_w / 2, page_h - 88, TITLE, 17, align="center")
    text(c, right, page_h - 112, "年　　　月　　　日", 10.5, align="right")
    text(c, left, page_h - 112, f"（宛先）{form.city_name}長", 12)

    # The applicant (申請者).
    top = page_h - 130
    label_w, side_w = 30.0, 86.0
    body_x = left + label_w + side_w
    body_w = right - body_x
    rows = [("住所", 46.0), ("電話番号", 24.0), ("フリガナ", 22.0), ("氏名", 32.0)]
    rows += [("個人番号", 34.0), ("性別", 24.0), ("生年月日", 24.0)]
    total_h = sum(h for _, h in rows)
    _cell(c, left, top - total_h, label_w, total_h)
    for i, char in enumerate("申請者"):
        text(c, left + label_w / 2, top - total_h / 2 + 20 - i * 16, char, 11, align="center")
    y = top
    for label, h in rows:
        y -= h
        _cell(c, left + label_w, y, side_w, h, label)
        _cell(c, body_x, y, body_w, h)
        value_y = y + h / 2 - 3.5
        if label == "住所":
            text(c, body_x + 8, y + h - 15, postal(form.postal_code), 10)
            text(c, body_x + 8, y + 10, form.address, 11, max_width=body_w - 16)
        elif label == "電話番号":
            text(c, body_x + 8, value_y, form.phone, 11)
        elif label == "フリガナ":
            text(c, body_x + 8, value_y, form.name_kana, 10, max_width=body_w - 16)
        elif label == "氏名":
            text(c, body_x + 8, value_y - 2, form.name, 14, max_width=body_w - 16)
        elif label == "個人番号":
            box = (body_w - 16) / 12
            for n in range(12):
                c.rect(body_x + 8 + n * box, y + 6, box, h - 12)
        elif label == "性別":
            for n, (key, word) in enumerate((("male", "男"), ("female", "女"))):
                bx = body_x + 12 + n * 70
                checkbox(c, bx, y + 7, 10, ticked=form.gender == key)
                text(c, bx + 16, y + 8, word, 11)
        elif label == "生年月日":
            text(c, body_x + 8, value_y, jdate(form.birth_date) or "　　　年　　月　　日", 11)

    # The donation.
    y -= 22
    h = 26.0
    half = inner / 2
    _cell(c, left, y - h, half, h, "寄附年月日")
    _cell(c, left + half, y - h, half, h, "寄附金額")
    y -= h
    _cell(c, left, y - h, half, h)
    _cell(c, left + half, y - h, half, h)
    text(c, left + half / 2, y - h / 2 - 4, jdate(form.donated_on), 12, align="center")
    text(c, left + half + half / 2, y - h / 2 - 4, yen(form.amount_yen), 12, align="center")
    y -= h

    # The two declarations (申告特例対象寄附者である旨の申告).
    y -= 22
    text(
        c,
        left,
        y,
        "申告特例対象寄附者である旨の申告（該当する場合は□にチェックしてください）",
        10.5,
    )
    declarations = [
        "１　地方税法附則第７条第１項（第８項）に規定する申告特例対象寄附者である。"
        "（寄附をした年の所得税について確定申告書を提出する義務がない者、または提出を要しない者"
        "であり、住民税の申告書の提出を要しない者であること）",
        "２　地方税法附則第７条第２項（第９項）に規定する要件に該当する者である。"
        "（寄附をした年に、この申告特例の求めを行う都道府県・市区町村の数が５以下であると"
        "見込まれる者であること）",
    ]
    y -= 10
    for declaration in declarations:
        block_top = y
        y = paragraph(c, left + 10, y - 14, declaration, inner - 110, 9.5, 14)
        box_y = (block_top + y) / 2 - 4
        checkbox(c, right - 86, box_y, 12)
        text(c, right - 68, box_y + 1.5, "該当する", 10)
        c.rect(left, y + 4, inner, block_top - y - 4)
        y -= 6

    # How to send it.
    y -= 14
    notes = [
        "個人番号は印刷していません。ご本人が個人番号欄に記入し、□にチェックのうえ郵送して"
        "ください。",
        "個人番号確認書類（マイナンバーカードの裏面の写しなど）と本人確認書類（マイナンバーカードの"
        "表面・運転免許証などの写し）を同封してください。",
        f"提出期限：{jdate(form.deadline)}必着。期限後に届いた申請書には特例を適用できません。",
        "住所・氏名に変更があった場合は、期限までに変更届出書を提出してください。",
        "（注2）この申請の後に、その年の所得税の確定申告書または住民税の申告書を提出した場合や、"
        "申告特例の求めを行った地方団体の数が５を超えた場合は、その年の寄附のすべてについて"
        "申告特例の求めはなかったものとみなされます（確定申告で寄附金控除を受けてください）。",
        f"送付先：{postal(form.city_postal_code)} {form.city_address} {form.city_name} "
        "ふるさと納税担当",
    ]
    for note in notes:
        y = paragraph(c, left, y, f"・{note}", inner, 9, 13) - 2

    text(c, left, 54, f"寄附番号 {form.donation_id}", 9)
    c.rect(right - 150, 40, 150, 40)
    text(c, right - 146, 70, "受付欄（市記入）", 7.5)

    c.showPage()
    c.save()
    return buffer.getvalue()
