"""The financing project pool (投融资项目库), investors, funds, deals and roadshows, without I/O.

Deal lifecycle: interested (投资意向) → due_diligence (尽职调查) → closed (签约) or declined;
declined also from interested. Closing states the instrument, amount and terms; it needs the
project still listed and may not take its raised amount past its financing need, nor a fund past
its committed capital. Sub-funds together commit no more than their guidance fund.
"""
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from typing import Literal

from pydantic import Field, field_validator, model_validator

from ttp_common.fields import OptionalInteger
from ttp_common.models import StrictModel
from ttp_common.refusals import TransitionRefused

from .fields import Region, check_ids, ids_field
from .projects import STAGES

INSTRUMENTS = {"equity": "股权投资", "loan": "科技贷款", "guarantee": "科技担保", "insurance": "科技保险",
               "ip_pledge": "知识产权质押融资", "equity_pledge": "股权质押融资"}
INVESTOR_KINDS = {"bank": "银行", "venture_capital": "创业投资机构", "guarantee": "担保机构", "insurance": "保险机构",
                  "guidance_fund_manager": "引导基金管理机构"}
FUND_KINDS = {"guidance": "引导基金", "sub_fund": "子基金", "venture": "创业投资基金"}
DEAL_STATUSES = ("interested", "due_diligence", "closed", "declined")
ROADSHOW_KINDS = {"roadshow": "路演", "matchmaking": "对接会"}
SORTS = {"newest": [("listed_at", -1), ("_id", -1)], "amount_desc": [("amount_fen", -1), ("_id", -1)],
         "amount_asc": [("amount_fen", 1), ("_id", 1)]}
MAX_AMOUNT = Decimal("1e15")
RATE_PLACES = Decimal("0.000001")
ROADSHOW_EARLIEST = datetime(2016, 1, 1, tzinfo=timezone.utc)  # the plan's first year
ROADSHOW_LATEST = datetime(2101, 1, 1, tzinfo=timezone.utc)


class FinancingProjectIn(StrictModel):
    """A financing need listed by an organization (融资需求)."""

    title: str = Field(min_length=2, max_length=200, description="项目名称")
    organization_id: str = Field(min_length=1, max_length=64, description="融资主体")
    region_code: Region
    amount: Decimal = Field(gt=0, lt=MAX_AMOUNT, max_digits=18, decimal_places=2, description="融资需求金额 (元)")
    stage: Literal[tuple(STAGES)] = Field(description="实施阶段")
    instruments: list[Literal[tuple(INSTRUMENTS)]] = Field(min_length=1, max_length=6, description="融资方式")
    industry: str = Field(min_length=2, max_length=100, description="所属行业")
    summary: str | None = Field(default=None, max_length=5000, description="项目简介")
    achievement_ids: list[str] = ids_field("科技成果")
    contract_ids: list[str] = ids_field("已登记技术合同")
    transformation_project_id: str | None = Field(default=None, min_length=1, max_length=64)

    @field_validator("achievement_ids", "contract_ids")
    @classmethod
    def _ids(cls, value):
        return check_ids(value)

    @field_validator("instruments")
    @classmethod
    def _distinct(cls, value):
        if len(set(value)) != len(value):
            raise ValueError("instruments must be distinct")
        return value


class InvestorIn(StrictModel):
    name: str = Field(min_length=2, max_length=200, description="机构名称")
    kind: Literal[tuple(INVESTOR_KINDS)]
    organization_id: str = Field(min_length=1, max_length=64, description="its institution accounts' org claim")


class FundIn(StrictModel):
    name: str = Field(min_length=2, max_length=200, description="基金名称")
    kind: Literal[tuple(FUND_KINDS)]
    investor_id: str = Field(min_length=1, max_length=64, description="基金管理人")
    parent_fund_id: str | None = Field(default=None, min_length=1, max_length=64)
    committed_amount: Decimal = Field(gt=0, lt=MAX_AMOUNT, max_digits=18, decimal_places=2, description="认缴规模 (元)")

    @model_validator(mode="after")
    def _parent(self):
        if (self.kind == "sub_fund") != (self.parent_fund_id is not None):
            raise ValueError("a sub-fund names its parent guidance fund (parent_fund_id), other funds do not")
        return self


class InterestIn(StrictModel):
    financing_project_id: str = Field(min_length=1, max_length=64)
    investor_id: str = Field(min_length=1, max_length=64)
    instrument: Literal[tuple(INSTRUMENTS)]
    fund_id: str | None = Field(default=None, min_length=1, max_length=64)
    roadshow_id: str | None = Field(default=None, min_length=1, max_length=64)


class CloseIn(StrictModel):
    """The signed terms (签约)."""

    amount: Decimal = Field(gt=0, lt=MAX_AMOUNT, max_digits=18, decimal_places=2, description="融资金额 (元)")
    annual_rate: Decimal | None = Field(default=None, gt=0, lt=1, max_digits=9, decimal_places=6,
                                        description="annual interest rate as a fraction, e.g. 0.0435")
    term_months: OptionalInteger = Field(default=None, ge=1, le=600)
    terms: str | None = Field(default=None, max_length=2000, description="主要条款")
    pledged_ip_right_ids: list[str] = Field(
        default_factory=list, max_length=20, description="An ip_pledge deal's pledged IP rights (质押的知识产权): the "
        "registry's, in force and held by the financed organization; no other instrument names any")

    @field_validator("pledged_ip_right_ids")
    @classmethod
    def _distinct_ids(cls, value):
        if len(set(value)) != len(value):
            raise ValueError("names an IP right twice")
        if any(not item or len(item) > 64 for item in value):
            raise ValueError("ids are 1 to 64 characters")
        return value

    @field_validator("annual_rate")
    @classmethod
    def _six_places(cls, value):
        # pydantic counts decimal places without trailing zeros, so "0.0500000000" passes as 6 places but
        # keeps its 10: the event's decimal(9, 6) then refused it (a 500). Store and publish it at scale 6.
        return None if value is None else value.quantize(RATE_PLACES)


class DeclineIn(StrictModel):
    reason: str = Field(min_length=2, max_length=500)


class RoadshowIn(StrictModel):
    title: str = Field(min_length=2, max_length=200, description="活动名称")
    kind: Literal[tuple(ROADSHOW_KINDS)]
    region_code: Region
    starts_at: datetime = Field(description="开始时间, with a time zone; in the years 2016 to 2100")
    organizer: str = Field(min_length=2, max_length=200, description="主办单位")
    financing_project_ids: list[str] = Field(min_length=1, max_length=100, description="路演项目")

    @field_validator("financing_project_ids")
    @classmethod
    def _ids(cls, value):
        return check_ids(value)

    @field_validator("starts_at")
    @classmethod
    def _aware(cls, value):
        if value.utcoffset() is None:
            raise ValueError("give a time zone, e.g. 2026-06-01T09:00:00+08:00")
        # An aware comparison cannot overflow; converting, say, 0001-01-01T00:00+14:00 to UTC (as BSON and
        # the JSON view do) would: an OverflowError, not a ValueError, so a 500 instead of this 400.
        if not ROADSHOW_EARLIEST <= value < ROADSHOW_LATEST:
            raise ValueError(f"must lie in the years {ROADSHOW_EARLIEST.year} to {ROADSHOW_LATEST.year - 1}")
        return value.replace(microsecond=value.microsecond // 1000 * 1000)  # MongoDB keeps milliseconds


class RoadshowRegistrationIn(StrictModel):
    investor_id: str = Field(min_length=1, max_length=64)


INVESTOR, ORGANIZATION = "investor", "organization"


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset
    target: str
    actors: frozenset
    event: str


DEAL_TRANSITIONS = {t.name: t for t in (
    Transition("due-diligence", frozenset({"interested"}), "due_diligence", frozenset({INVESTOR}),
               "finance.deal.due_diligence_started.v1"),
    Transition("close", frozenset({"due_diligence"}), "closed", frozenset({INVESTOR}), "finance.deal.closed.v1"),
    Transition("decline", frozenset({"interested", "due_diligence"}), "declined", frozenset({INVESTOR, ORGANIZATION}),
               "finance.deal.declined.v1"),
)}
DEAL_BODIES = {"close": CloseIn, "decline": DeclineIn}


def deal_transition(name, status):
    t = DEAL_TRANSITIONS[name]
    if status not in t.sources:
        raise TransitionRefused(f"cannot {name} a deal that is {status} (only from: {', '.join(sorted(t.sources))})")
    return t


def check_instrument_sought(instrument, sought):
    if instrument not in sought:
        raise TransitionRefused(f"the project does not seek {instrument} (it seeks {', '.join(sought)})")


TERMS_NEEDED = {"loan": ("annual_rate", "term_months"), "ip_pledge": ("annual_rate", "term_months"),
                "equity_pledge": ("annual_rate", "term_months"), "guarantee": ("term_months",),
                "insurance": ("term_months",), "equity": ()}


def check_terms(instrument, terms):
    """[(field, message)]: loans and pledge loans state a rate and a term, guarantees and insurance a
    term; an equity deal has no interest rate; an IP pledge names the rights it pledges, no other deal any."""
    problems = [(f, f"a {instrument} deal states its {f.replace('_', ' ')}")
                for f in TERMS_NEEDED[instrument] if getattr(terms, f) is None]
    if instrument == "equity" and terms.annual_rate is not None:
        problems.append(("annual_rate", "an equity deal has no interest rate"))
    if instrument == "ip_pledge" and not terms.pledged_ip_right_ids:
        problems.append(("pledged_ip_right_ids", "an ip_pledge deal names the IP rights it pledges"))
    if instrument != "ip_pledge" and terms.pledged_ip_right_ids:
        problems.append(("pledged_ip_right_ids", f"a {instrument} deal pledges no IP rights"))
    return problems


def check_fund_capacity(committed, invested, amount):
    """A fund cannot invest beyond its committed capital."""
    if invested + amount > committed:
        raise TransitionRefused(f"the fund has {committed - invested} yuan left of its {committed} committed; "
                                f"cannot invest {amount}")


def check_within_need(need, raised, amount):
    """A message when closing ``amount`` would take a project's raised amount past its financing need, else None."""
    if raised + amount > need:
        return f"the project seeks {need} yuan and has raised {raised}: at most {need - raised} more, not {amount}"
    return None


def check_sub_fund_commitment(parent_committed, sub_funds_committed, amount):
    """A message when a sub-fund committing ``amount`` would take its guidance fund's sub-funds past the
    guidance fund's own commitment, else None."""
    if sub_funds_committed + amount > parent_committed:
        return (f"the guidance fund commits {parent_committed} yuan and its sub-funds {sub_funds_committed}: "
                f"at most {parent_committed - sub_funds_committed} more, not {amount}")
    return None


def check_ip_pledge_eligible(instruments, eligible):
    """IP pledge financing (知识产权质押融资) needs a registered technology contract (as seller) or a
    published achievement of the organization, learnt from the other services' events."""
    if "ip_pledge" in instruments and not eligible:
        raise TransitionRefused("ip_pledge needs a registered technology contract or a published achievement "
                                "of the organization", field="instruments")
