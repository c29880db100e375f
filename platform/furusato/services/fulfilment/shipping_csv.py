"""The shipping list as CSV for carriers' import tools, and their CSV read back.

Columns follow what Japanese carriers' label software (ヤマト B2クラウド, 佐川 e飛伝 …) map on
import: our shipment id goes in お客様管理番号 so the file the carrier exports after printing
labels, or this file with 運送会社 and 伝票番号 filled in, can be uploaded to mark them sent.
One row is one delivery: a 定期便's N deliveries are N rows (定期便 says which, "2/3回目"),
each with its own id and tracking number. 配達時間帯 holds the code the business's carrier reads
(B2: 0812 午前中, 1416 …; e飛伝: 01 午前中, 12 …) and 配達時間帯名 the words; a gift sent to
someone else carries the donor's name in 贈り主名, and 記事 sums up, for the label, what the
packer must do (定期便2/3回目・山田 花子様より・贈答包装・のし：御歳暮).
Encodings: UTF-8 with BOM (Excel opens it correctly) or Shift_JIS (CP932) for older tools.
CP932 lacks some characters (rare kanji such as 𠮷, some dashes): the well-known look-alikes
are mapped, anything else becomes 〓 (the geta mark Japanese systems use for it) and is
reported per row, never a crash and never a silent loss.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from furusato.documents import csv_file
from furusato.domain.messages import N_

# The file keeps these Japanese names (carriers' tools map them); each is also a msgid, so a
# page that names a column (a character Shift_JIS lacks) names it in the page's language.
HEADER = [
    N_("お客様管理番号"),
    N_("お届け先名"),
    N_("お届け先郵便番号"),
    N_("お届け先住所"),
    N_("お届け先電話番号"),
    N_("品名"),
    N_("数量"),
    N_("お届け予定月"),
    N_("ご依頼主名"),
    N_("運送会社"),
    N_("伝票番号"),
    # Added after the columns a business's saved import layout may map by position already.
    N_("定期便"),
    N_("配達時間帯"),
    N_("配達時間帯名"),
    N_("贈答包装"),
    N_("のし"),
    N_("のし名入れ"),
    N_("贈り主名"),
    N_("記事"),
]
# Read back by name, as carriers' tools export them (B2: お客様管理番号 / 伝票番号; e飛伝:
# お客様管理ナンバー / お問合せ送り状No.), compared without spaces, dots or letter case.
ID_COLUMNS = ("お客様管理番号", "お客様管理ナンバー", "shipment_id")
CARRIER_COLUMNS = ("運送会社", "carrier")
TRACKING_COLUMNS = (
    "伝票番号",
    "送り状番号",
    "問い合わせ番号",
    "お問合せ番号",
    "お問い合わせ番号",
    "お問合せ送り状No",
    "お問い合せ送り状No",
    "tracking_number",
)
GETA = "〓"
ENCODINGS = ("utf-8", "cp932")

# Unicode characters with a CP932 twin at a different code point (the JIS/CP932 mapping split).
CP932_TWINS = str.maketrans(
    {
        "\u301c": "\uff5e",  # 〜 WAVE DASH → ～
        "\u2212": "\uff0d",  # − MINUS SIGN → －
        "\u2016": "\u2225",  # ‖ → ∥
        "\u00a2": "\uffe0",  # ¢
        "\u00a3": "\uffe1",  # £
        "\u00ac": "\uffe2",  # ¬
        "\u2014": "\u2015",  # — EM DASH → ―
        "\u00a0": " ",
    }
)


@dataclass(frozen=True)
class Substitution:
    shipment_id: str
    column: str
    characters: str


def _cp932_safe(value: str) -> tuple[str, str]:
    """The value CP932 can encode, and the characters that had to become 〓."""
    value = value.translate(CP932_TWINS)
    out, lost = [], []
    for char in value:
        try:
            char.encode("cp932")
            out.append(char)
        except UnicodeEncodeError:
            out.append(GETA)
            lost.append(char)
    return "".join(out), "".join(lost)


def encode(
    rows: Iterable[Sequence[csv_file.Cell]], encoding: str
) -> tuple[bytes, list[Substitution]]:
    """CSV bytes (documents/csv_file.py: CRLF lines, header first, formulas neutralised) and,
    for CP932, what was substituted."""
    if encoding not in ENCODINGS:
        raise ValueError(f"unsupported encoding {encoding!r}")
    substitutions: list[Substitution] = []
    safe_rows: list[list[csv_file.Cell]] = []
    for row in rows:
        values = list(row)
        if encoding == "cp932":
            for n, (column, value) in enumerate(zip(HEADER, values, strict=True)):
                if isinstance(value, str):
                    values[n], lost = _cp932_safe(value)
                    if lost:
                        substitutions.append(Substitution(str(values[0]), column, lost))
        safe_rows.append(values)
    return csv_file.write(HEADER, safe_rows, encoding=encoding), substitutions


def unencodable(rows: Iterable[Sequence[csv_file.Cell]]) -> list[Substitution]:
    """What a CP932 export of these rows would replace (to warn before downloading)."""
    return encode(rows, "cp932")[1]


class UnreadableFile(ValueError):
    """The upload cannot be read as a table; `message` (Japanese, a msgid) says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM) or CP932, as carriers' tools write them."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data.decode("utf-8-sig")
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableFile(
        N_("文字コードを判別できません（UTF-8 または Shift_JIS で保存してください）。")
    )


@dataclass(frozen=True)
class UploadRow:
    line: int
    shipment_id: str
    carrier: str
    tracking_number: str


def _folded(name: str) -> str:
    return re.sub(r"[\s.．]", "", unicodedata.normalize("NFKC", name)).casefold()


def _column(header: list[str], names: Sequence[str]) -> int | None:
    cleaned = [_folded(h) for h in header]
    for name in names:
        if _folded(name) in cleaned:
            return cleaned.index(_folded(name))
    return None


def parse_upload(data: bytes) -> list[UploadRow]:
    """The rows of an uploaded carrier CSV; raises UnreadableFile when it cannot be used."""
    reader = csv.reader(io.StringIO(decode(data)))
    rows = list(reader)
    if not rows:
        raise UnreadableFile(N_("ファイルが空です。"))
    header = rows[0]
    id_col = _column(header, ID_COLUMNS)
    tracking_col = _column(header, TRACKING_COLUMNS)
    carrier_col = _column(header, CARRIER_COLUMNS)
    if id_col is None or tracking_col is None:
        raise UnreadableFile(N_("見出し行に「お客様管理番号」と「伝票番号」の列が必要です。"))

    def cell(row: list[str], col: int | None) -> str:
        # an edited export of ours comes back with its neutralised cells: take the text as it was
        return csv_file.restore(row[col].strip()) if col is not None and col < len(row) else ""

    return [
        UploadRow(
            line=n,
            shipment_id=cell(row, id_col),
            carrier=cell(row, carrier_col),
            tracking_number=cell(row, tracking_col),
        )
        for n, row in enumerate(rows[1:], start=2)
        if any(c.strip() for c in row)
    ]
