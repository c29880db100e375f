"""The deduction-cap estimate: computed from the tax tables, close to the published guide."""

from __future__ import annotations

import pytest

from furusato.domain.deduction import (
    SELF_PAYMENT_YEN,
    Family,
    adjustment_deduction,
    cap_from_levy,
    estimate,
    salary_income,
)
from furusato.domain.tax_tables import SUPPORTED_YEARS, UnsupportedYear, tax_year_table

# 総務省「全額控除されるふるさと納税額（年間上限）の目安」, single earner.
SINGLE_GUIDE = {3_000_000: 28_000, 4_000_000: 42_000, 5_000_000: 61_000, 6_000_000: 77_000}
# The same table for other households (5,000,000 yen salary).
HOUSEHOLD_GUIDE_5M = {
    Family.COUPLE: 49_000,
    Family.COUPLE_CHILD_HS: 40_000,
    Family.COUPLE_CHILD_UNIV: 36_000,
    Family.DUAL_INCOME_CHILD_HS: 49_000,
    Family.DUAL_INCOME_CHILD_UNIV: 44_000,
    Family.COUPLE_CHILDREN_UNIV_HS: 28_000,
}


# The guide's whole table (給与収入 × household, yen), in its column order: 独身又は共働き, 夫婦,
# 共働き+高校生, 共働き+大学生, 夫婦+高校生, 共働き+大学生と高校生, 夫婦+大学生と高校生.
GUIDE_COLUMNS = (
    Family.SINGLE,
    Family.COUPLE,
    Family.DUAL_INCOME_CHILD_HS,
    Family.DUAL_INCOME_CHILD_UNIV,
    Family.COUPLE_CHILD_HS,
    Family.DUAL_INCOME_CHILDREN_UNIV_HS,
    Family.COUPLE_CHILDREN_UNIV_HS,
)
GUIDE_TABLE: dict[int, tuple[int | None, ...]] = {
    3_000_000: (28_000, 19_000, 19_000, 15_000, 11_000, 7_000, None),  # None: "−" in the guide
    4_000_000: (42_000, 33_000, 33_000, 29_000, 25_000, 21_000, 12_000),
    5_000_000: (61_000, 49_000, 49_000, 44_000, 40_000, 36_000, 28_000),
    6_000_000: (77_000, 69_000, 69_000, 66_000, 60_000, 57_000, 43_000),
    7_000_000: (108_000, 86_000, 86_000, 83_000, 78_000, 75_000, 66_000),
    8_000_000: (129_000, 120_000, 120_000, 116_000, 110_000, 107_000, 85_000),
}
# Where the estimate is still 1,000–2,000 yen above the guide: the guide's assumption for salaries
# over 8.5 million (where the salary deduction stops growing) is not in its notes (README).
GUIDE_NOT_YET_MATCHED: dict[int, tuple[int, ...]] = {
    9_000_000: (151_000, 141_000, 141_000, 138_000, 132_000, 128_000, 119_000),
    10_000_000: (176_000, 166_000, 166_000, 163_000, 157_000, 153_000, 144_000),
}


@pytest.mark.parametrize("year", [2025, 2026])
@pytest.mark.parametrize("salary", sorted(GUIDE_TABLE))
def test_the_estimate_is_the_guide_value_exactly(year: int, salary: int) -> None:
    """Every household of the guide's rows up to 8 million yen, to the yen."""
    got = tuple(estimate(salary, family, year).cap_yen for family in GUIDE_COLUMNS)
    want = GUIDE_TABLE[salary]
    assert [g for g, w in zip(got, want, strict=True) if w is not None] == [
        w for w in want if w is not None
    ]


@pytest.mark.xfail(strict=True, reason="the guide's rows over 8.5 million yen: see README")
@pytest.mark.parametrize("salary", sorted(GUIDE_NOT_YET_MATCHED))
def test_the_guide_rows_over_eight_and_a_half_million(salary: int) -> None:
    """Fails today (the estimate is 1,000–2,000 yen higher); strict, so a fix is noticed."""
    got = tuple(estimate(salary, family, 2026).cap_yen for family in GUIDE_COLUMNS)
    assert got == GUIDE_NOT_YET_MATCHED[salary]


def within(value: int, guide: int, percent: int = 3) -> bool:
    return abs(value - guide) * 100 <= guide * percent


@pytest.mark.parametrize("year", [2025, 2026])
@pytest.mark.parametrize(("salary", "guide"), sorted(SINGLE_GUIDE.items()))
def test_single_earner_matches_the_published_guide(year: int, salary: int, guide: int) -> None:
    """A single earner's computed cap is within ±3 % of the guide value for this year's table."""
    result = estimate(salary, Family.SINGLE, year)
    assert within(result.cap_yen, guide), (year, salary, result.cap_yen)
    assert within(result.cap_exact_yen, guide)


@pytest.mark.parametrize(("family", "guide"), sorted(HOUSEHOLD_GUIDE_5M.items()))
def test_households_match_the_guide(family: Family, guide: int) -> None:
    """Spouse and children deductions lower the cap as the guide table says."""
    assert within(estimate(5_000_000, family, 2026).cap_yen, guide)


def test_a_spouse_and_children_lower_the_cap() -> None:
    """More deductible family members mean less 所得割 and a lower cap."""
    caps = [
        estimate(6_000_000, f, 2025).cap_yen
        for f in (Family.SINGLE, Family.COUPLE, Family.COUPLE_CHILD_HS, Family.COUPLE_CHILD_UNIV)
    ]
    assert caps == sorted(caps, reverse=True) and len(set(caps)) == 4
    assert estimate(6_000_000, Family.DUAL_INCOME, 2025).cap_yen == caps[0]


def test_worked_example_for_five_million_in_2026() -> None:
    """Each step of the breakdown for 5,000,000 yen, single, 2026, checked by hand."""
    e = estimate(5_000_000, "single", 2026)
    assert e.salary_income_yen == 3_560_000  # 5,000,000 − (20 % + 440,000)
    assert e.social_insurance_yen == 750_000
    assert e.basic_income_tax_yen == 1_040_000  # 令和8年: 62万 + 42万 up to 489万
    assert e.basic_resident_tax_yen == 430_000
    assert e.income_tax_taxable_yen == 1_770_000 and e.income_tax_rate_bp == 500
    assert e.resident_tax_taxable_yen == 2_380_000
    assert e.resident_levy_before_adjustment_yen == 238_000
    assert e.adjustment_yen == 2_500
    assert e.resident_levy_yen == 235_500
    # The formula's rate follows resident taxable income − 人的控除差 (2,330,000 → 10 %).
    assert e.formula_rate_bp == 1_000
    assert e.cap_exact_yen == 61_029 and e.cap_yen == 61_000


def test_2025_basic_deduction_steps_with_income() -> None:
    """The 2025 income-tax basic deduction is 95/88/68/63/58万 by 合計所得."""
    amounts = {
        s: estimate(s, Family.SINGLE, 2025).basic_income_tax_yen
        for s in (1_500_000, 3_000_000, 5_000_000, 7_500_000, 10_000_000)
    }
    assert amounts == {
        1_500_000: 950_000,
        3_000_000: 880_000,
        5_000_000: 680_000,
        7_500_000: 630_000,
        10_000_000: 580_000,
    }
    assert estimate(10_000_000, Family.SINGLE, 2024).basic_income_tax_yen == 480_000
    assert estimate(10_000_000, Family.SINGLE, 2025).basic_resident_tax_yen == 430_000


def test_salary_income_uses_the_year_minimum_and_table_steps() -> None:
    """給与所得: 65万 minimum from 2025, 55万 before; 4,000-yen steps below 6.6M."""
    assert salary_income(1_500_000, tax_year_table(2025)) == 850_000
    assert salary_income(1_500_000, tax_year_table(2024)) == 950_000
    assert salary_income(500_000, tax_year_table(2025)) == 0
    # 3,001,999 is read as 3,000,000 in the law's table.
    assert salary_income(3_001_999, tax_year_table(2025)) == 2_020_000
    assert salary_income(10_000_000, tax_year_table(2025)) == 8_050_000


def test_adjustment_deduction_rules() -> None:
    """調整控除: 5 % of the smaller amount up to 200万, at least 2,500 yen above it."""
    table = tax_year_table(2025)
    assert adjustment_deduction(table, 1_000_000, 50_000, 2_000_000) == 2_500
    assert adjustment_deduction(table, 30_000, 50_000, 500_000) == 1_500
    assert adjustment_deduction(table, 3_000_000, 50_000, 4_000_000) == 2_500
    assert adjustment_deduction(table, 2_050_000, 280_000, 3_000_000) == 11_500
    assert adjustment_deduction(table, 30_000_000, 50_000, 30_000_000) == 0


def test_formula_is_integer_and_matches_the_decimal_form() -> None:
    """所得割 × 20 % ÷ (90 % − rate × 1.021) + 2,000 without floats."""
    table = tax_year_table(2025)
    assert cap_from_levy(table, 111_500, 500) == 111_500 * 2_000_000 // 8_489_500 + 2_000
    assert cap_from_levy(table, 300_500, 1_000) == 77_322  # 60,100 ÷ 0.7979 + 2,000
    assert cap_from_levy(table, 0, 500) == 0


def test_no_income_means_no_deduction() -> None:
    """Without 所得割 there is nothing to deduct from: the cap is 0."""
    for salary in (0, 1_000_000):
        e = estimate(salary, Family.SINGLE, 2026)
        assert e.cap_yen == 0 and not e.has_deduction
    assert estimate(3_000_000, Family.SINGLE, 2026).cap_yen > SELF_PAYMENT_YEN


def test_cap_grows_with_salary() -> None:
    """A higher salary never lowers the estimate."""
    caps = [estimate(s * 100_000, Family.COUPLE, 2025).cap_exact_yen for s in range(20, 250, 5)]
    assert caps == sorted(caps)


def test_bad_input_is_refused() -> None:
    """Negative salary, unknown family and unsupported year raise ValueError."""
    with pytest.raises(ValueError):
        estimate(-1, Family.SINGLE, 2025)
    with pytest.raises(ValueError):
        estimate(5_000_000, "triple", 2025)
    with pytest.raises(UnsupportedYear):
        estimate(5_000_000, Family.SINGLE, 1999)
    assert {2025, 2026} <= set(SUPPORTED_YEARS)
