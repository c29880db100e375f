"""The furusato nozei deduction cap, estimated from a salary and a household.

cap = 住民税所得割額 × 20 % ÷ (90 % − 所得税率 × 1.021) + 2,000 yen, the largest donation whose
part above 2,000 yen still comes back in full (the 特例控除 is limited to 20 % of 所得割).

Steps: salary → 給与所得 (別表第五, 4,000-yen steps below 6.6M) → minus social insurance (assumed
15 % of salary) and the personal deductions → taxable income for income tax and for resident tax
(each rounded down to 1,000 yen) → 所得割 = 10 % minus 調整控除 → the formula. The 所得税率 in the
formula is, as the law fixes it (地方税法 第37条の2 第11項 and its table; × 1.021 by
附則第5条の5), the bracket of the resident-tax
taxable income minus the 人的控除差 (5万 for the basic deduction): it approximates the income-tax
rate without following the income-tax basic deduction, so the 2025/2026 rises of that deduction
change the income tax owed but not the rate in this formula.

Integer yen throughout; rates are basis points. Not modelled (the result is an estimate): other
income, 所得金額調整控除 (salaries over 8.5M with a child under 23), the 所得割 exemption for very
low incomes, 住宅ローン控除 and other credits, the 40 %/30 % of-income ceilings (never reached at
the cap), and the 2027+ limit on the 特例控除 for very high incomes.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from furusato.domain.tax_tables import (
    PersonalDeduction,
    SalaryDeductionStep,
    TaxYear,
    rate_step,
    spouse_deduction,
    step_amount,
    tax_year_table,
)

SELF_PAYMENT_YEN = 2_000
SOCIAL_INSURANCE_BP = 1_500  # 健康保険・厚生年金・雇用保険 ≈ 15 % of salary
CAP_UNIT_YEN = 1_000  # the cap is shown rounded down to this, as the 総務省 guide table does
MAX_SALARY_YEN = 1_000_000_000


class Family(StrEnum):
    SINGLE = "single"  # 独身
    DUAL_INCOME = "dual_income"  # 共働き (the spouse has their own income: no spouse deduction)
    COUPLE = "couple"  # 夫婦 (the spouse has no income)
    COUPLE_CHILD_HS = "couple_child_hs"  # 夫婦 + 高校生 (16–18)
    COUPLE_CHILD_UNIV = "couple_child_univ"  # 夫婦 + 大学生 (19–22)
    COUPLE_CHILDREN_UNIV_HS = "couple_children_univ_hs"  # 夫婦 + 大学生 + 高校生
    DUAL_INCOME_CHILD_HS = "dual_income_child_hs"
    DUAL_INCOME_CHILD_UNIV = "dual_income_child_univ"
    DUAL_INCOME_CHILDREN_UNIV_HS = "dual_income_children_univ_hs"


@dataclass(frozen=True)
class Household:
    spouse: bool  # a spouse the taxpayer may deduct (配偶者控除)
    general_dependents: int  # 一般扶養親族, 16–18
    specific_dependents: int  # 特定扶養親族, 19–22


HOUSEHOLDS: dict[Family, Household] = {
    Family.SINGLE: Household(False, 0, 0),
    Family.DUAL_INCOME: Household(False, 0, 0),
    Family.COUPLE: Household(True, 0, 0),
    Family.COUPLE_CHILD_HS: Household(True, 1, 0),
    Family.COUPLE_CHILD_UNIV: Household(True, 0, 1),
    Family.COUPLE_CHILDREN_UNIV_HS: Household(True, 1, 1),
    Family.DUAL_INCOME_CHILD_HS: Household(False, 1, 0),
    Family.DUAL_INCOME_CHILD_UNIV: Household(False, 0, 1),
    Family.DUAL_INCOME_CHILDREN_UNIV_HS: Household(False, 1, 1),
}


@dataclass(frozen=True)
class Estimate:
    year: int
    salary_yen: int
    family: Family
    salary_income_yen: int  # 給与所得 (income tax; resident tax may differ below ~2.2M)
    resident_salary_income_yen: int
    social_insurance_yen: int
    basic_income_tax_yen: int  # 基礎控除
    basic_resident_tax_yen: int
    personal_income_tax_yen: int  # 配偶者控除 + 扶養控除
    personal_resident_tax_yen: int
    income_tax_taxable_yen: int  # 課税所得 (所得税)
    resident_tax_taxable_yen: int  # 課税総所得金額 (住民税)
    income_tax_rate_bp: int  # the income-tax bracket of the income-tax taxable income
    income_tax_yen: int  # with the 2.1 % reconstruction surtax, before any credits
    personal_difference_yen: int  # 人的控除差の合計
    resident_levy_before_adjustment_yen: int
    adjustment_yen: int  # 調整控除
    resident_levy_yen: int  # 住民税所得割額
    formula_rate_bp: int  # the 所得税率 the formula uses (see the module docstring)
    cap_exact_yen: int
    cap_yen: int  # rounded down to CAP_UNIT_YEN; 0 when there is no 所得割 to deduct from

    @property
    def has_deduction(self) -> bool:
        return self.cap_yen > SELF_PAYMENT_YEN


def _floor(amount: int, unit: int) -> int:
    return amount // unit * unit


def _salary_formula(salary_yen: int, steps: tuple[SalaryDeductionStep, ...]) -> int:
    for step in steps:
        if step.upto_yen is None or salary_yen <= step.upto_yen:
            return salary_yen * step.rate_bp // 10_000 + step.add_yen
    raise ValueError("the salary table must end with an unbounded step")


def salary_income(salary_yen: int, table: TaxYear, *, resident: bool = False) -> int:
    """給与所得: salary minus 給与所得控除; below 6.6M the law's table works in 4,000-yen steps."""
    if salary_yen <= 0:
        return 0
    minimum = (
        table.resident_salary_min_deduction_yen if resident else table.salary_min_deduction_yen
    )
    stepped = _floor(salary_yen, 4_000) if salary_yen < table.table_upper_yen else salary_yen
    formula = _salary_formula(stepped, table.salary_deduction)
    if formula > minimum:
        return max(stepped - formula, 0)
    return max(salary_yen - minimum, 0)


def _personal(table: TaxYear, household: Household, total_income_yen: int) -> PersonalDeduction:
    spouse = (
        spouse_deduction(table.spouse, total_income_yen)
        if household.spouse
        else PersonalDeduction(0, 0, 0)
    )
    g, s = household.general_dependents, household.specific_dependents
    gen, spec = table.dependent_general, table.dependent_specific
    return PersonalDeduction(
        income_tax_yen=spouse.income_tax_yen + g * gen.income_tax_yen + s * spec.income_tax_yen,
        resident_tax_yen=spouse.resident_tax_yen
        + g * gen.resident_tax_yen
        + s * spec.resident_tax_yen,
        difference_yen=spouse.difference_yen + g * gen.difference_yen + s * spec.difference_yen,
    )


def adjustment_deduction(
    table: TaxYear, taxable_yen: int, difference_yen: int, total_income_yen: int
) -> int:
    """調整控除 (地方税法 第37条): 5 % of the 人的控除差, less as taxable income passes 200万."""
    if taxable_yen <= 0 or total_income_yen > table.adjustment_income_limit_yen:
        return 0
    rate = table.adjustment_rate_bp
    if taxable_yen <= table.adjustment_threshold_yen:
        return min(difference_yen, taxable_yen) * rate // 10_000
    reduced = (difference_yen - (taxable_yen - table.adjustment_threshold_yen)) * rate // 10_000
    return max(reduced, table.adjustment_min_yen)


def cap_from_levy(table: TaxYear, levy_yen: int, rate_bp: int) -> int:
    """所得割 × 20 % ÷ (90 % − rate × 1.021) + 2,000, in integers (units of 1/10,000,000)."""
    if levy_yen <= 0:
        return 0
    denominator = table.special_base_bp * 1_000 - rate_bp * table.reconstruction_per_mille
    return levy_yen * table.special_limit_bp * 1_000 // denominator + SELF_PAYMENT_YEN


def estimate(salary_yen: int, family: Family | str, year: int) -> Estimate:
    """Estimate the deduction cap. Raises ValueError for a negative or absurd salary or an
    unknown family, and UnsupportedYear (a ValueError) for a year without a tax table."""
    if salary_yen < 0 or salary_yen > MAX_SALARY_YEN:
        raise ValueError("salary out of range")
    household_kind = Family(family)
    household = HOUSEHOLDS[household_kind]
    table = tax_year_table(year)

    income = salary_income(salary_yen, table)
    resident_income = salary_income(salary_yen, table, resident=True)
    social = salary_yen * SOCIAL_INSURANCE_BP // 10_000
    personal = _personal(table, household, income)

    basic_it = step_amount(table.basic_income_tax, income)
    basic_rt = step_amount(table.basic_resident_tax, resident_income)
    it_taxable = _floor(max(income - social - basic_it - personal.income_tax_yen, 0), 1_000)
    rt_taxable = _floor(
        max(resident_income - social - basic_rt - personal.resident_tax_yen, 0), 1_000
    )

    bracket = rate_step(table.income_tax_brackets, it_taxable)
    base_tax = max(it_taxable * bracket.rate_bp // 10_000 - bracket.subtract_yen, 0)
    income_tax = _floor(base_tax * table.reconstruction_per_mille // 1_000, 100)

    difference = table.basic_difference_yen + personal.difference_yen
    levy_before = rt_taxable * table.resident_income_levy_bp // 10_000
    adjustment = adjustment_deduction(table, rt_taxable, difference, resident_income)
    levy = _floor(max(levy_before - adjustment, 0), 100)

    basis = rt_taxable - difference
    formula_rate = rate_step(table.income_tax_brackets, basis).rate_bp if basis >= 0 else 0
    cap_exact = cap_from_levy(table, levy, formula_rate)

    return Estimate(
        year=year,
        salary_yen=salary_yen,
        family=household_kind,
        salary_income_yen=income,
        resident_salary_income_yen=resident_income,
        social_insurance_yen=social,
        basic_income_tax_yen=basic_it,
        basic_resident_tax_yen=basic_rt,
        personal_income_tax_yen=personal.income_tax_yen,
        personal_resident_tax_yen=personal.resident_tax_yen,
        income_tax_taxable_yen=it_taxable,
        resident_tax_taxable_yen=rt_taxable,
        income_tax_rate_bp=bracket.rate_bp if it_taxable > 0 else 0,
        income_tax_yen=income_tax,
        personal_difference_yen=difference,
        resident_levy_before_adjustment_yen=levy_before,
        adjustment_yen=adjustment,
        resident_levy_yen=levy,
        formula_rate_bp=formula_rate,
        cap_exact_yen=cap_exact,
        cap_yen=_floor(cap_exact, CAP_UNIT_YEN),
    )
