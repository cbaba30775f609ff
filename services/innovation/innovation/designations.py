"""Demonstration designations (示范认定, 四(一)2–3, 四(三)3), without I/O: the department's annual calls, an
organization's application, the eligibility check against the call's criteria, the expert panel and its
weighted scores, the designation and the annual assessment that keeps or revokes it.

The department designates demonstration enterprises (示范企业), demonstration zones (示范区, a county-level
division) and industrialization bases (产业化基地), and recognizes regional, industry and international
transfer institutions. A call (年度申报) names its kind, year, criteria and weights (data: the seed's criteria
are the defaults for enterprises and zones), the pass score and the closing date. An application states its
case per criterion; the check makes it eligible or records why not; a panel of experts drawn from the talent
pool, never from the applicant's organization (回避), scores each criterion 0–100; the weighted mean over the
panel decides; each later year's assessment keeps or revokes the designation.

    submitted ──check──▶ eligible ──panel──▶ under_review ──(every expert scored)──▶ scored ──decide──▶
    designated | not_designated;  submitted ──check──▶ ineligible
"""
import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from pydantic import Field, field_validator

from ttp_common import labels, panels
from ttp_common.counties import SICHUAN_COUNTIES
from ttp_common.fields import Integer
from ttp_common.models import StrictModel
from ttp_common.refusals import Conflict, Invalid, TransitionRefused

from .fields import Id

KINDS = labels.DESIGNATION_KINDS
# The registry's organization kinds that may apply for each kind: a zone is applied for by its county's
# government (县(市、区)), institutions are service institutions (科技成果转移转化服务机构).
APPLICANT_KINDS = {
    "demonstration_enterprise": {"enterprise"},
    "demonstration_zone": {"government"},
    "industrialization_base": {"enterprise", "university", "institute", "government"},
    "regional_institution": {"service_institution"},
    "industry_institution": {"service_institution"},
    "international_institution": {"service_institution"},
}
# The seed's criteria (四(一)2 for enterprises, 四(一)3 for zones), the defaults of a call that names none.
SEED_CRITERIA = {
    "demonstration_enterprise": {
        "creation_capacity": "企业科技成果创造能力",
        "transfer_institution_team": "科技成果转移转化机构及队伍建设",
        "investment_rewards": "科技成果转化投入及奖励",
        "growth": "企业成长性",
        "industry_influence": "行业影响",
    },
    "demonstration_zone": {
        "county_institutions_talent": "县（市、区）科技成果转化机构和人才队伍建设",
        "carrying_capacity": "科技成果转化承载能力",
        "rewards": "科技成果转化奖励",
        "tech_report_system": "科技报告制度实施",
        "regional_industry_character": "区域特点、产业特色、科技创新",
    },
}
APPLICATION_STATUSES = labels.STATES["designation_application"]
DESIGNATION_STATUSES = labels.STATES["designation"]
# Which application status each step starts from.
STEPS = {"check": "submitted", "panel": "eligible", "score": "under_review", "decide": "scored"}
TWO_PLACES = Decimal("0.01")

Code = Field(min_length=2, max_length=40, pattern=r"^[a-z][a-z0-9_]*$")


class CriterionIn(StrictModel):
    code: str = Code
    name: str = Field(min_length=2, max_length=100, description="评价指标")
    weight: Integer = Field(ge=1, le=100, description="权重 (the call's weights sum to 100)")


class CallIn(StrictModel):
    """A call for applications (年度申报) of one kind and year."""

    kind: Literal[tuple(KINDS)] = Field(description="认定类型: " + ", ".join(f"{k} {v}" for k, v in KINDS.items()))
    year: Integer = Field(ge=2016, le=2100, description="申报年度")
    title: str = Field(min_length=4, max_length=200, description="申报通知标题")
    criteria: list[CriterionIn] | None = Field(
        default=None, min_length=1, max_length=20, validate_default=True,
        description="评价指标及权重 (weights sum to 100); default for enterprises and zones: the plan's criteria, "
                    "equal weights; other kinds must name theirs")
    pass_score: Integer = Field(default=60, ge=1, le=100, description="认定分数线 (weighted mean over the panel)")
    keep_score: Integer = Field(default=60, ge=1, le=100, description="年度考核保留分数线")
    panel_size: Integer = Field(default=5, ge=3, le=9, description="评审专家人数")
    expert_field: str = Field(min_length=1, max_length=30, description="专家专业领域 (talent pool field)")
    closes_on: dt.date = Field(description="申报截止日期 (China Standard Time)")

    @field_validator("criteria")
    @classmethod
    def _criteria(cls, value, info):
        kind = info.data.get("kind")
        if value is None:
            if kind is None:  # the kind is at fault already
                return value
            value = default_criteria(kind)
        codes = [c.code for c in value]
        if len(set(codes)) != len(codes):
            raise ValueError("each criterion code once")
        if sum(c.weight for c in value) != 100:
            raise ValueError("the weights sum to 100")
        return value


def default_criteria(kind):
    """The seed's criteria of ``kind`` with equal weights (ValueError for a kind the seed gives none)."""
    seed = SEED_CRITERIA.get(kind)
    if seed is None:
        raise ValueError(f"a call for {kind} names its criteria and weights")
    share, rest = divmod(100, len(seed))
    return [CriterionIn(code=code, name=name, weight=share + (1 if i < rest else 0))
            for i, (code, name) in enumerate(seed.items())]


class ApplicationIn(StrictModel):
    """An organization's application to a call (申报): its case per criterion (申报材料说明)."""

    organization_id: Id = Field(description="申报单位: a registered organization, the caller's own")
    county_code: str | None = Field(default=None, description="示范区: the county-level division applied for "
                                                              "(GB/T 2260, ttp_common.counties)")
    statements: dict[str, str] = Field(max_length=20, description="criterion code → the applicant's statement "
                                                                  "(1–2000 characters)")

    @field_validator("statements")
    @classmethod
    def _statements(cls, value):
        for code, text in value.items():
            if not 1 <= len(text.strip()) <= 2000:
                raise ValueError(f"{code}: a statement of 1–2000 characters")
        return value


class ScoresIn(StrictModel):
    """One panel expert's score sheet (评分表): 0–100 for each of the call's criteria."""

    person_id: Id = Field(description="the panel expert (talent person id)")
    scores: dict[str, Integer] = Field(max_length=20, description="criterion code → score 0–100")
    remarks: str | None = Field(default=None, max_length=2000, description="评审意见")

    @field_validator("scores")
    @classmethod
    def _range(cls, value):
        for code, score in value.items():
            if not 0 <= score <= 100:
                raise ValueError(f"{code}: a score of 0–100")
        return value


class AssessmentIn(StrictModel):
    """The annual assessment (年度考核) of a designation."""

    year: Integer = Field(ge=2016, le=2100, description="考核年度: after the designation's year")
    score: Integer = Field(ge=0, le=100, description="考核得分")
    remarks: str = Field(min_length=2, max_length=2000, description="考核意见")


# -- the call -----------------------------------------------------------------------------------------
def check_open(closes_on, today):
    """An application comes in by the call's closing date."""
    if today > closes_on:
        raise TransitionRefused(f"the call closed on {closes_on.isoformat()}")


def check_statement_codes(statements, criteria):
    """Every statement answers one of the call's criteria (400 naming the unknown one)."""
    codes = {c["code"] for c in criteria}
    for code in statements:
        if code not in codes:
            raise Invalid("not a criterion of this call", field=f"statements.{code}")


def check_county(kind, county_code):
    """A zone is a county-level division of Sichuan; the other kinds name none."""
    if kind == "demonstration_zone":
        if county_code not in SICHUAN_COUNTIES:
            raise Invalid("a county-level division of Sichuan (GB/T 2260)", field="county_code")
    elif county_code is not None:
        raise Invalid("only a demonstration zone names a county", field="county_code")


def region_of(kind, county_code, organization_region):
    """The designation's region: the zone's county, else the applicant organization's region."""
    return county_code if kind == "demonstration_zone" else organization_region


def prefecture_of(region_code):
    """The prefecture (市州) of a six-digit division code: 510104 → 510100."""
    return None if not region_code else region_code[:4] + "00"


# -- eligibility ----------------------------------------------------------------------------------------
def eligibility(kind, criteria, statements, organization_kind, already_designated):
    """The reasons the application is not eligible ([] when it is), each ``{"criterion", "reason"}``:
    the applicant is of a kind the call admits, holds no designation of this kind in force, and states its
    case for every criterion."""
    reasons = []
    if organization_kind not in APPLICANT_KINDS[kind]:
        reasons.append({"criterion": None, "reason": f"organizations of kind {organization_kind} may not apply "
                                                     f"for {kind}"})
    if already_designated:
        reasons.append({"criterion": None, "reason": f"already holds a {kind} designation in force"})
    for criterion in criteria:
        if not (statements.get(criterion["code"]) or "").strip():
            reasons.append({"criterion": criterion["code"], "reason": "no statement for this criterion"})
    return reasons


# -- the panel -------------------------------------------------------------------------------------------
# The draw (never an expert of the applicant's organization, reproducible for the application id) is the
# platform's one rule, shared with the registry's IP analysis and review: ttp_common.panels.
conflicted, draw_panel = panels.conflicted, panels.draw_panel


# -- scores ----------------------------------------------------------------------------------------------
def check_sheet(person_id, scores, panel, scored, criteria):
    """A panel expert scores once (``scored``: the sheets so far), every criterion and nothing else."""
    if person_id not in panel:
        raise Invalid("not an expert of this application's panel", field="person_id")
    if person_id in {sheet["person_id"] for sheet in scored}:
        raise Conflict("this expert has already scored the application", field="person_id")
    codes = [c["code"] for c in criteria]
    for code in scores:
        if code not in codes:
            raise Invalid("not a criterion of this call", field=f"scores.{code}")
    missing = [code for code in codes if code not in scores]
    if missing:
        raise Invalid("score every criterion", fields=[(f"scores.{code}", "missing") for code in missing])


def weighted(scores, criteria):
    """One sheet's weighted score, to two places: Σ score × weight / 100."""
    total = sum(Decimal(scores[c["code"]]) * c["weight"] for c in criteria) / 100
    return total.quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def panel_score(sheet_scores):
    """The panel's score: the mean of its sheets' weighted scores, to two places."""
    if not sheet_scores:
        return None
    return (sum(sheet_scores, Decimal(0)) / len(sheet_scores)).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


# -- transitions -----------------------------------------------------------------------------------------
def check_step(step, status):
    expected = STEPS[step]
    if status != expected:
        raise TransitionRefused(f"the application is {status}, not {expected}")


def after_score(scored_count, panel_size):
    """The status once a sheet is in: scored when every panel expert has scored."""
    return "scored" if scored_count >= panel_size else "under_review"


def decision(score, pass_score):
    """designated at or above the call's pass score, else not_designated."""
    return "designated" if score >= pass_score else "not_designated"


@dataclass(frozen=True)
class Assessment:
    outcome: str  # kept | revoked
    status: str  # the designation's status after it


def assess(status, designated_year, assessed_years, year, score, keep_score, this_year):
    """An annual assessment of a designation in force: a year after its designation, not in the future, once a
    year; kept at or above the keep score, else revoked."""
    if status != "designated":
        raise TransitionRefused(f"the designation is {status}")
    if year <= designated_year:
        raise Invalid(f"assessments start the year after the designation ({designated_year})", field="year")
    if year > this_year:
        raise Invalid("the year has not begun", field="year")
    if year in assessed_years:
        raise Conflict(f"{year} has already been assessed", field="year")
    kept = score >= keep_score
    return Assessment("kept" if kept else "revoked", "designated" if kept else "revoked")
