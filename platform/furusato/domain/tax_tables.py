"""Tax parameters for the deduction-cap estimate, one table per income year.

The year is the year the donation is made (its payment completes, JST): income tax for that year
and the resident tax of the following fiscal year (based on that year's income) are reduced.
Rates are basis points (1 % = 100 bp); amounts are integer yen; every bound is inclusive (以下).

Sources (checked 2026-11): 所得税法 第28条・第86条・第89条・別表第五, 地方税法 第34条・第37条・
第37条の2 and 附則第5条の5, 国税庁 タックスアンサー No.1410/1199/2260, 総務省「ふるさと納税の
しくみ 税金の控除について」, 令和7年度・令和8年度 税制改正大綱.
- 2025 (令和7年度改正): income-tax 基礎控除 58万 for 合計所得 ≤ 2,350万, with a special addition
  for 2025–2026 (95万/88万/68万/63万 by income); 給与所得控除 minimum 55万 → 65万 (also for resident
  tax from 令和8年度); resident-tax 基礎控除 stays 43万 and its 人的控除差 stays 5万.
- 2026 (令和8年度改正): 基礎控除 本則 58万 → 62万 plus a special addition for 2026–2027 that
  makes it 104万 for 合計所得 ≤ 489万 (給与収入 ≈ 665万) and 67万 up to 655万; 給与所得控除 minimum
  69万 (+5万 special for income tax, 74万; "課税最低限 178万"). Resident tax: 基礎控除 43万 unchanged,
  給与所得控除 minimum 69万 from 令和9年度.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SalaryDeductionStep:
    """給与所得控除 for a salary up to `upto_yen`: salary × rate + add."""

    upto_yen: int | None
    rate_bp: int
    add_yen: int


@dataclass(frozen=True)
class Step:
    """An amount that applies while an income is at most `upto_yen` (None: no upper bound)."""

    upto_yen: int | None
    amount_yen: int


@dataclass(frozen=True)
class RateStep:
    """A progressive bracket: tax = taxable × rate − subtract, for taxable ≤ `upto_yen`."""

    upto_yen: int | None
    rate_bp: int
    subtract_yen: int


@dataclass(frozen=True)
class PersonalDeduction:
    """A personal deduction for income tax and resident tax, and their difference as the law
    fixes it for 調整控除 and the 特例控除 rate (人的控除差)."""

    income_tax_yen: int
    resident_tax_yen: int
    difference_yen: int


@dataclass(frozen=True)
class SpouseStep:
    """配偶者控除 (spouse without income) while the taxpayer's 合計所得 is at most `upto_yen`."""

    upto_yen: int | None
    deduction: PersonalDeduction


@dataclass(frozen=True)
class TaxYear:
    year: int
    salary_min_deduction_yen: int  # 給与所得控除の最低保障額 (income tax)
    resident_salary_min_deduction_yen: int  # the same for resident tax
    salary_deduction: tuple[SalaryDeductionStep, ...]
    basic_income_tax: tuple[Step, ...]  # by 合計所得金額
    basic_resident_tax: tuple[Step, ...]
    basic_difference_yen: int  # 基礎控除の人的控除差 (5万 since 2015, unchanged by 2025/2026)
    spouse: tuple[SpouseStep, ...]
    dependent_general: PersonalDeduction  # 一般扶養親族 (16–18)
    dependent_specific: PersonalDeduction  # 特定扶養親族 (19–22)
    income_tax_brackets: tuple[RateStep, ...]
    # 復興特別所得税 2.1 % (2013–2037): income tax × 1,021 / 1,000.
    reconstruction_per_mille: int = 1_021
    resident_income_levy_bp: int = 1_000  # 所得割 10 % (市町村民税 6 % + 道府県民税 4 %)
    adjustment_rate_bp: int = 500  # 調整控除 5 %
    adjustment_threshold_yen: int = 2_000_000
    adjustment_min_yen: int = 2_500
    adjustment_income_limit_yen: int = 25_000_000  # no 調整控除 above this 合計所得
    # 特例控除 = 所得割 × 20 % at most (the parenthesis of 地方税法 第37条の2 第11項, and of
    # 第314条の7 第11項 for the municipal tax; 第1項第1号 names the gifts to local governments).
    special_limit_bp: int = 2_000
    special_base_bp: int = 9_000  # 90 % − 所得税率 × 1.021
    # 別表第五: below this salary the table works in 4,000-yen steps (from the minimum's end).
    table_upper_yen: int = 6_600_000


# Salary-deduction formula above the minimum (unchanged since 2020).
_SALARY_STEPS = (
    SalaryDeductionStep(1_800_000, 4_000, -100_000),
    SalaryDeductionStep(3_600_000, 3_000, 80_000),
    SalaryDeductionStep(6_600_000, 2_000, 440_000),
    SalaryDeductionStep(8_500_000, 1_000, 1_100_000),
    SalaryDeductionStep(None, 0, 1_950_000),
)

# 所得税法 第89条 (unchanged since 2015).
_INCOME_TAX = (
    RateStep(1_950_000, 500, 0),
    RateStep(3_300_000, 1_000, 97_500),
    RateStep(6_950_000, 2_000, 427_500),
    RateStep(9_000_000, 2_300, 636_000),
    RateStep(18_000_000, 3_300, 1_536_000),
    RateStep(40_000_000, 4_000, 2_796_000),
    RateStep(None, 4_500, 4_796_000),
)

_RESIDENT_BASIC = (
    Step(24_000_000, 430_000),
    Step(24_500_000, 290_000),
    Step(25_000_000, 150_000),
    Step(None, 0),
)

# 配偶者控除 (一般, spouse under 70) by the taxpayer's 合計所得: income tax / resident tax / 差.
_SPOUSE = (
    SpouseStep(9_000_000, PersonalDeduction(380_000, 330_000, 50_000)),
    SpouseStep(9_500_000, PersonalDeduction(260_000, 220_000, 40_000)),
    SpouseStep(10_000_000, PersonalDeduction(130_000, 110_000, 20_000)),
    SpouseStep(None, PersonalDeduction(0, 0, 0)),
)
_GENERAL = PersonalDeduction(380_000, 330_000, 50_000)
_SPECIFIC = PersonalDeduction(630_000, 450_000, 180_000)

TAX_YEARS: dict[int, TaxYear] = {
    2024: TaxYear(
        year=2024,
        salary_min_deduction_yen=550_000,
        resident_salary_min_deduction_yen=550_000,
        salary_deduction=_SALARY_STEPS,
        basic_income_tax=(
            Step(24_000_000, 480_000),
            Step(24_500_000, 320_000),
            Step(25_000_000, 160_000),
            Step(None, 0),
        ),
        basic_resident_tax=_RESIDENT_BASIC,
        basic_difference_yen=50_000,
        spouse=_SPOUSE,
        dependent_general=_GENERAL,
        dependent_specific=_SPECIFIC,
        income_tax_brackets=_INCOME_TAX,
    ),
    2025: TaxYear(
        year=2025,
        salary_min_deduction_yen=650_000,
        resident_salary_min_deduction_yen=650_000,
        salary_deduction=_SALARY_STEPS,
        basic_income_tax=(
            Step(1_320_000, 950_000),
            Step(3_360_000, 880_000),
            Step(4_890_000, 680_000),
            Step(6_550_000, 630_000),
            Step(23_500_000, 580_000),
            Step(24_000_000, 480_000),
            Step(24_500_000, 320_000),
            Step(25_000_000, 160_000),
            Step(None, 0),
        ),
        basic_resident_tax=_RESIDENT_BASIC,
        basic_difference_yen=50_000,
        spouse=_SPOUSE,
        dependent_general=_GENERAL,
        dependent_specific=_SPECIFIC,
        income_tax_brackets=_INCOME_TAX,
    ),
    2026: TaxYear(
        year=2026,
        salary_min_deduction_yen=740_000,
        resident_salary_min_deduction_yen=690_000,
        salary_deduction=_SALARY_STEPS,
        basic_income_tax=(
            Step(4_890_000, 1_040_000),
            Step(6_550_000, 670_000),
            Step(23_500_000, 620_000),
            Step(24_000_000, 480_000),
            Step(24_500_000, 320_000),
            Step(25_000_000, 160_000),
            Step(None, 0),
        ),
        basic_resident_tax=_RESIDENT_BASIC,
        basic_difference_yen=50_000,
        spouse=_SPOUSE,
        dependent_general=_GENERAL,
        dependent_specific=_SPECIFIC,
        income_tax_brackets=_INCOME_TAX,
    ),
}

SUPPORTED_YEARS: tuple[int, ...] = tuple(sorted(TAX_YEARS))


class UnsupportedYear(ValueError):
    """No tax table for that year."""


def tax_year_table(year: int) -> TaxYear:
    try:
        return TAX_YEARS[year]
    except KeyError:
        raise UnsupportedYear(f"no tax table for {year}") from None


def step_amount(steps: tuple[Step, ...], income_yen: int) -> int:
    for step in steps:
        if step.upto_yen is None or income_yen <= step.upto_yen:
            return step.amount_yen
    raise ValueError("a step table must end with an unbounded step")


def rate_step(steps: tuple[RateStep, ...], taxable_yen: int) -> RateStep:
    for step in steps:
        if step.upto_yen is None or taxable_yen <= step.upto_yen:
            return step
    raise ValueError("a rate table must end with an unbounded step")


def spouse_deduction(steps: tuple[SpouseStep, ...], income_yen: int) -> PersonalDeduction:
    for step in steps:
        if step.upto_yen is None or income_yen <= step.upto_yen:
            return step.deduction
    raise ValueError("a spouse table must end with an unbounded step")
