"""GET /api/v1/deduction-estimate: the deduction-cap estimate with its breakdown."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import BaseModel, Field, field_validator

from furusato.domain.deduction import MAX_SALARY_YEN, Estimate, estimate
from furusato.domain.tax_tables import SUPPORTED_YEARS
from furusato.web.api.core import ApiInput, Call, from_view, operation
from furusato.web.numbers import FIRST_YEAR, LAST_YEAR, WholeNumber
from furusato.web.public_deduction import default_year

# Inline literals (not an Enum) so the OpenAPI query parameter schema needs no $ref.
FamilyCode = Literal[
    "single",
    "dual_income",
    "couple",
    "couple_child_hs",
    "couple_child_univ",
    "couple_children_univ_hs",
    "dual_income_child_hs",
    "dual_income_child_univ",
    "dual_income_children_univ_hs",
]


class EstimateQuery(ApiInput):
    salary_yen: WholeNumber = Field(
        ge=0, le=MAX_SALARY_YEN, description="年間の給与収入（税込み、円）"
    )
    family: FamilyCode = "single"
    year: WholeNumber | None = Field(
        default=None,
        ge=FIRST_YEAR,
        le=LAST_YEAR,
        description="寄附の年（決済完了日、日本時間）。省略時は今年",
    )

    @field_validator("year")
    @classmethod
    def _supported(cls, year: int | None) -> int | None:
        if year is not None and year not in SUPPORTED_YEARS:
            supported = ", ".join(str(y) for y in SUPPORTED_YEARS)
            raise ValueError(f"year must be one of {supported}")
        return year


class EstimateResponse(BaseModel):
    year: int
    salary_yen: int
    family: FamilyCode
    cap_yen: int = Field(description="控除上限額の目安（1,000円未満切り捨て）。0は控除なし")
    cap_exact_yen: int
    salary_income_yen: int
    social_insurance_yen: int
    basic_income_tax_yen: int
    basic_resident_tax_yen: int
    personal_income_tax_yen: int
    personal_resident_tax_yen: int
    income_tax_taxable_yen: int
    resident_tax_taxable_yen: int
    income_tax_rate_bp: int = Field(description="所得税率（ベーシスポイント、500 = 5%）")
    income_tax_yen: int
    adjustment_yen: int
    resident_levy_yen: int
    formula_rate_bp: int = Field(description="上限額の計算に使う所得税率（ベーシスポイント）")
    note: str = (
        "概算です。給与収入のみ、社会保険料は給与収入の15%と仮定しています。"
        "控除の年は決済が完了した日（日本時間）で決まります。"
    )

    @classmethod
    def from_view(cls, estimate: Estimate, family: FamilyCode) -> Self:
        return from_view(cls, estimate, family=family)


@operation(
    "/deduction-estimate",
    summary="Estimate the furusato nozei deduction cap from a salary",
    query=EstimateQuery,
    response=EstimateResponse,
)
def deduction_estimate(call: Call) -> EstimateResponse:
    q: EstimateQuery = call.query
    return EstimateResponse.from_view(
        estimate(q.salary_yen, q.family, q.year or default_year()), q.family
    )
