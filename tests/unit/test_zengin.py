"""The Zengin general transfer file: 120-byte records, bank kana, totals; read back exactly."""

from __future__ import annotations

from datetime import date

import pytest

from furusato.domain import zengin

REQ = zengin.Requester(
    code="0000000001",
    name_kana="ｲｽﾞﾐｻﾉｼ",
    bank_code="0179",
    bank_name_kana="ｲｽﾞﾐｻﾉｼﾝｷﾝ",
    branch_code="001",
    branch_name_kana="ﾎﾝﾃﾝ",
    account_type="1",
    account_number="1234567",
)


def transfer(amount: int, holder: str = "カ）イズミサノタオル", **kw: str) -> zengin.Transfer:
    values = {
        "bank_code": "0001",
        "bank_name_kana": "ミズホ",
        "branch_code": "002",
        "branch_name_kana": "ｻﾉ",
        "account_type": "1",
        "account_number": "0012345",
    }
    values.update(kw)
    return zengin.Transfer(holder_kana=holder, amount_yen=amount, customer_code="17", **values)


def test_file_parses_back_field_by_field() -> None:
    """Header, data, trailer and end records are 120 bytes each and read back to the values."""
    data = zengin.build(REQ, date(2027, 4, 5), [transfer(533_333), transfer(1_000_000, "ｻﾉ ﾊﾅｺ")])
    lines = data.split(b"\r\n")
    assert lines[-1] == b"" and all(len(line) == 120 for line in lines[:-1])
    header, first, second, trailer, end = zengin.parse(data)
    assert header["kind"] == "1" and header["type_code"] == "21" and header["code_division"] == "0"
    assert header["requester_code"] == "0000000001"
    assert header["requester_name"] == "ｲｽﾞﾐｻﾉｼ".ljust(40)
    assert header["transfer_date"] == "0405"
    assert (header["bank_code"], header["branch_code"]) == ("0179", "001")
    assert (header["account_type"], header["account_number"]) == ("1", "1234567")
    assert first["bank_name"] == "ﾐｽﾞﾎ".ljust(15) and first["branch_code"] == "002"
    assert first["holder"] == "ｶ)ｲｽﾞﾐｻﾉﾀｵﾙ".ljust(30)
    assert first["amount"] == "0000533333" and second["amount"] == "0001000000"
    assert first["account_number"] == "0012345" and first["customer_code1"] == "0000000017"
    assert trailer["count"] == "000002" and trailer["total"] == "000001533333"
    assert end["kind"] == "9" and end["dummy"] == " " * 119


def test_names_are_single_byte_katakana_in_shift_jis() -> None:
    """Full-width and hiragana names become half-width katakana, one byte each in CP932."""
    data = zengin.build(REQ, date(2027, 4, 5), [transfer(5_000, "かぶしきがいしゃ　ショウ")])
    record = data.split(b"\r\n")[1]
    holder = record[50:80]  # after kind, bank, branch, clearing house, type, number
    assert holder.decode("cp932").rstrip() == "ｶﾌﾞｼｷｶﾞｲｼﾔ ｼﾖｳ"  # small kana are written large
    assert all(0xA1 <= b <= 0xDF or b == 0x20 for b in holder)


@pytest.mark.parametrize(
    "bad",
    [
        {"holder": "泉佐野タオル"},  # kanji
        {"holder": "ｱ" * 31},  # too long
        {"account_number": "12345678"},
        {"amount": 0},
    ],
)
def test_values_a_bank_would_refuse_are_refused(bad: dict[str, object]) -> None:
    """Kanji, over-long names, bad numbers and non-positive amounts raise ZenginError."""
    kwargs = {"amount": 1_000, "holder": "ｻﾉ"} | bad
    account = str(kwargs.pop("account_number", "0012345"))
    with pytest.raises(zengin.ZenginError):
        zengin.build(
            REQ,
            date(2027, 4, 5),
            [transfer(int(kwargs["amount"]), str(kwargs["holder"]), account_number=account)],  # type: ignore[call-overload]
        )
