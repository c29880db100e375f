"""The Zengin (全銀協) general transfer file (総合振込), and a parser to read it back.

Four record kinds of exactly 120 bytes each: header (1), one data record (2) per transfer,
trailer (8) with the count and total, end (9). Text fields hold half-width katakana, upper-case
letters, digits, space and a few symbols, encoded as single bytes in Shift_JIS (CP932); records
end with CRLF. Numbers are right-aligned and zero-padded, text left-aligned and space-padded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import jaconv

RECORD_BYTES = 120
ENCODING = "cp932"
NEWLINE = b"\r\n"

# Half-width characters banks accept in names (small kana are written large).
_KANA = "ｱｲｳｴｵｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎﾏﾐﾑﾒﾓﾔﾕﾖﾗﾘﾙﾚﾛﾜｦﾝﾞﾟ"
_ALLOWED = frozenset(_KANA + "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ ().-/,｢｣\\")
_SMALL_TO_LARGE = str.maketrans("ｧｨｩｪｫｯｬｭｮ", "ｱｲｳｴｵﾂﾔﾕﾖ")


class ZenginError(ValueError):
    """A value that cannot be written into (or a file that cannot be read as) a Zengin file."""


def to_bank_kana(text: str) -> str:
    """Full- or half-width kana and letters → the half-width characters banks accept."""
    half = jaconv.z2h(jaconv.hira2kata(text), kana=True, ascii=True, digit=True)
    half = half.replace("ｰ", "-").upper().translate(_SMALL_TO_LARGE)
    bad = sorted({c for c in half if c not in _ALLOWED})
    if bad:
        raise ZenginError(f"characters not allowed in a bank name: {''.join(bad)!r} in {text!r}")
    return half


def _text(value: str, width: int, field: str) -> str:
    kana = to_bank_kana(value)
    if len(kana) > width:
        raise ZenginError(f"{field} is longer than {width} characters: {kana!r}")
    return kana.ljust(width)


def _num(value: int | str, width: int, field: str) -> str:
    digits = str(value)
    if not digits.isdigit() or len(digits) > width:
        raise ZenginError(f"{field} must be at most {width} digits: {value!r}")
    return digits.zfill(width)


@dataclass(frozen=True)
class Requester:
    """The city's account the transfers are paid from (from settings.city)."""

    code: str  # 振込依頼人コード, 10 digits
    name_kana: str
    bank_code: str
    bank_name_kana: str
    branch_code: str
    branch_name_kana: str
    account_type: str
    account_number: str


@dataclass(frozen=True)
class Transfer:
    bank_code: str
    bank_name_kana: str
    branch_code: str
    branch_name_kana: str
    account_type: str
    account_number: str
    holder_kana: str
    amount_yen: int
    customer_code: str = ""  # 顧客コード1: our payout id, to match the bank's statement


def header(req: Requester, transfer_date: date) -> str:
    return (
        "1"
        + "21"  # 種別コード: 総合振込
        + "0"  # コード区分: JIS/Shift_JIS
        + _num(req.code, 10, "requester code")
        + _text(req.name_kana, 40, "requester name")
        + f"{transfer_date:%m%d}"
        + _num(req.bank_code, 4, "bank code")
        + _text(req.bank_name_kana, 15, "bank name")
        + _num(req.branch_code, 3, "branch code")
        + _text(req.branch_name_kana, 15, "branch name")
        + _num(req.account_type, 1, "account type")
        + _num(req.account_number, 7, "account number")
        + " " * 17
    )


def data_record(t: Transfer) -> str:
    if t.amount_yen <= 0:
        raise ZenginError("a transfer amount must be positive")
    return (
        "2"
        + _num(t.bank_code, 4, "bank code")
        + _text(t.bank_name_kana, 15, "bank name")
        + _num(t.branch_code, 3, "branch code")
        + _text(t.branch_name_kana, 15, "branch name")
        + " " * 4  # 手形交換所番号: unused
        + _num(t.account_type, 1, "account type")
        + _num(t.account_number, 7, "account number")
        + _text(t.holder_kana, 30, "account holder")
        + _num(t.amount_yen, 10, "amount")
        + "0"  # 新規コード
        + (_num(t.customer_code, 10, "customer code") if t.customer_code else " " * 10)
        + " " * 10  # 顧客コード2
        + "7"  # 振込指定区分: telegraphic transfer
        + " "  # 識別表示
        + " " * 7
    )


def trailer(count: int, total_yen: int) -> str:
    return "8" + _num(count, 6, "record count") + _num(total_yen, 12, "total") + " " * 101


def end() -> str:
    return "9" + " " * 119


def build(req: Requester, transfer_date: date, transfers: Sequence[Transfer]) -> bytes:
    """The whole file, as bytes to hand to the bank."""
    if not transfers:
        raise ZenginError("a transfer file needs at least one transfer")
    lines = [header(req, transfer_date)]
    lines += [data_record(t) for t in transfers]
    lines.append(trailer(len(transfers), sum(t.amount_yen for t in transfers)))
    lines.append(end())
    out = b""
    for line in lines:
        raw = line.encode(ENCODING)
        if len(raw) != RECORD_BYTES:  # a double-byte character slipped through
            raise ZenginError(f"record is {len(raw)} bytes, not {RECORD_BYTES}: {line!r}")
        out += raw + NEWLINE
    return out


# Field layouts (name, width) for the parser; the sums are 120 each.
LAYOUT: dict[str, list[tuple[str, int]]] = {
    "1": [
        ("kind", 1),
        ("type_code", 2),
        ("code_division", 1),
        ("requester_code", 10),
        ("requester_name", 40),
        ("transfer_date", 4),
        ("bank_code", 4),
        ("bank_name", 15),
        ("branch_code", 3),
        ("branch_name", 15),
        ("account_type", 1),
        ("account_number", 7),
        ("dummy", 17),
    ],
    "2": [
        ("kind", 1),
        ("bank_code", 4),
        ("bank_name", 15),
        ("branch_code", 3),
        ("branch_name", 15),
        ("clearing_house", 4),
        ("account_type", 1),
        ("account_number", 7),
        ("holder", 30),
        ("amount", 10),
        ("new_code", 1),
        ("customer_code1", 10),
        ("customer_code2", 10),
        ("transfer_kind", 1),
        ("identification", 1),
        ("dummy", 7),
    ],
    "8": [("kind", 1), ("count", 6), ("total", 12), ("dummy", 101)],
    "9": [("kind", 1), ("dummy", 119)],
}


def parse(data: bytes) -> list[dict[str, str]]:
    """Read a file back into records of named fields (byte-exact; raises on any deviation)."""
    if not data.endswith(NEWLINE):
        raise ZenginError("the file must end with CRLF")
    records = []
    for number, raw in enumerate(data[: -len(NEWLINE)].split(NEWLINE), start=1):
        if len(raw) != RECORD_BYTES:
            raise ZenginError(f"record {number} is {len(raw)} bytes")
        kind = raw[:1].decode("ascii")
        if kind not in LAYOUT:
            raise ZenginError(f"record {number} has unknown kind {kind!r}")
        fields: dict[str, str] = {}
        offset = 0
        for name, width in LAYOUT[kind]:
            fields[name] = raw[offset : offset + width].decode(ENCODING)
            offset += width
        records.append(fields)
    return records
