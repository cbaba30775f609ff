"""Rewards to contributors (奖励与报酬) and the statutory minimums they are checked against.

《中华人民共和国促进科技成果转化法》(2015 修正) 第四十五条: unless the organization's own rules
(or its agreement with its staff, 第四十四条) say otherwise, the rewards to those who made
and transformed an achievement are at least:
  (一) 50% of the net income from transferring or licensing it;
  (二) 50% of the shares or capital contribution ratio obtained by investing it;
  (三) 5% of the operating profit each year, for 3 to 5 consecutive years, when the
       organization implements it itself or with others.
Second paragraph: the own rules of a research institute or university established by the state
(国家设立的研究开发机构、高等院校) must meet those three standards; only other organizations' own rules take
precedence over them. Whether an organization is state-established is the registry's record
(``registry.organization.registered.v1``, replicated here); an organization the registry has not recorded as
state-established (not stated, or not announced yet) keeps the precedence of its own rules, and the check records
what was known (``state_established``: true, false or null).
A plan that falls short is stored and flagged with its findings, never silently accepted.
"""
import datetime as dt
from decimal import ROUND_DOWN, Decimal
from typing import Literal

from pydantic import Field, field_validator

from ttp_common import money
from ttp_common.fields import OptionalInteger
from ttp_common.models import StrictModel

from ttp_common.refusals import Invalid, Unprocessable


MODES = {"transfer": "转让", "licence": "许可", "investment": "作价投资", "self_implementation": "自行实施或合作实施"}
STATUTE = "促进科技成果转化法(2015) 第四十五条"
SECOND_PARAGRAPH = "促进科技成果转化法(2015) 第四十五条第二款"
STATUTORY_MINIMUM = {"transfer": Decimal("50"), "licence": Decimal("50"), "investment": Decimal("50"),
                     "self_implementation": Decimal("5")}
SELF_IMPLEMENTATION_YEARS = (3, 5)
PERCENT = Decimal("0.0001")     # percentages: as the events' decimal(9, 4)


def _yuan(value):
    """A given amount as whole fen with two decimals (``money.exact_fen``): "1.000" and "1" yuan are 1.00.

    ``decimal_places`` lets trailing zeros through ("1.000" has 2 significant places), but the events'
    decimal(20, 2) refuses an exponent finer than its scale (the event, hence the request, failed with a
    500). A fraction of a fen is refused, never rounded (the constraint refuses it first)."""
    return None if value is None else money.exact_fen(value)


def _exact(value, quantum):
    """A validated percentage with no more places than its scale: "15.00000" is 15.0000.

    As for amounts, trailing zeros past the events' decimal(9, 4) are dropped (the constraint already
    refused significant digits past the scale), so the value is unchanged; others are kept as given."""
    if value is None or value.as_tuple().exponent >= quantum.as_tuple().exponent:
        return value
    return value.quantize(quantum)


class AllocationIn(StrictModel):
    """One contributor's reward: cash (现金) for transfer/licence/self-implementation, shares for investment."""

    person_id: str = Field(min_length=1, max_length=64, description="the contributor, a talent person id")
    cash_yuan: Decimal | None = Field(default=None, ge=0, max_digits=18, decimal_places=2,
                                      description="现金奖励 (yuan; per year when self-implemented)")
    share_percent: Decimal | None = Field(default=None, ge=0, le=100, max_digits=7, decimal_places=4,
                                          description="股份或出资比例 given to this contributor, % of the company")

    @field_validator("cash_yuan")
    @classmethod
    def _cash(cls, value):
        return _yuan(value)

    @field_validator("share_percent")
    @classmethod
    def _share(cls, value):
        return _exact(value, PERCENT)


class OwnRulesIn(StrictModel):
    """The organization's own rules (单位规定或与科技人员约定), which take precedence over article 45.

    Cited rules must state their minimum, so that every plan is checked against a figure someone stated:
    a missing ``minimum_percent`` is a 400 naming it. A stated 0 is accepted (rules may set no minimum);
    then any plan under those rules, even a zero reward, is compliant, and the stored check shows the 0%
    and the rules cited for reviewers to judge.
    """

    reference: str = Field(min_length=2, max_length=200, description="e.g. 《四川大学科技成果转化管理办法》第十二条")
    minimum_percent: Decimal = Field(ge=0, le=100, max_digits=7, decimal_places=4,
                                     description="the minimum the rules set, in % (required)")

    @field_validator("minimum_percent")
    @classmethod
    def _percent(cls, value):
        return _exact(value, PERCENT)


class RewardPlanIn(StrictModel):
    """An organization's reward plan for one transfer, licence, investment or self-implementation."""

    organization_id: str = Field(min_length=1, max_length=64)
    achievement_id: str = Field(min_length=1, max_length=64, description="科技成果, as in registry events")
    mode: Literal[tuple(MODES)] = Field(description="; ".join(f"{k} {v}" for k, v in MODES.items()))
    occurred_on: dt.date = Field(description="转化日期")
    net_income_yuan: Decimal | None = Field(default=None, ge=0, max_digits=18, decimal_places=2,
                                            description="transfer/licence: 净收入")
    shares_percent: Decimal | None = Field(default=None, gt=0, le=100, max_digits=7, decimal_places=4,
                                           description="investment: 股份或出资比例 the organization obtained, %")
    operating_profit_yuan: Decimal | None = Field(default=None, ge=0, max_digits=18, decimal_places=2,
                                                  description="self-implementation: 年营业利润")
    years: OptionalInteger = Field(default=None, ge=1, le=20, description="self-implementation: 连续年数")
    allocations: list[AllocationIn] = Field(min_length=1, max_length=200)
    own_rules: OwnRulesIn | None = None
    contract_id: str | None = Field(default=None, min_length=1, max_length=64,
                                    description="transfer/licence: the registered contract (技术合同) whose verified "
                                                "technical income (技术性收入核定) is the net income; net_income_yuan may "
                                                "then be omitted (the verified amount) or be at most it")

    @field_validator("net_income_yuan", "operating_profit_yuan")
    @classmethod
    def _amounts(cls, value):
        return _yuan(value)

    @field_validator("shares_percent")
    @classmethod
    def _percent(cls, value):
        return _exact(value, PERCENT)


def with_verified_income(plan, income):
    """The plan with its net income taken from the verified technical income of the contract it cites
    (``income``: the replica of the contract's ``income_verified`` events, None when there is none): 422 naming
    ``contract_id`` for a contract without verified income, of another organization or achievement, or a mode
    without a net income; naming ``net_income_yuan`` for an amount above the verified one. A plan citing no
    contract is returned as it is."""
    if plan.contract_id is None:
        return plan
    if plan.mode not in ("transfer", "licence"):
        raise Unprocessable("only a transfer or licence reward plan cites a contract's net income",
                            field="contract_id", code="not_income_based")
    if income is None or Decimal(income["verified_income"]) <= 0:
        raise Unprocessable("the contract has no verified technical income (技术性收入核定) the platform knows of; "
                            "one verified a moment ago may not have arrived yet (retry)", field="contract_id",
                            code="unverified_income")
    if income["seller_organization_id"] != plan.organization_id:
        raise Unprocessable("the contract's seller is not the plan's organization", field="contract_id",
                            code="unverified_income")
    if income.get("achievement_id") not in (None, plan.achievement_id):
        raise Unprocessable("the contract is about another achievement", field="contract_id", code="unverified_income")
    verified = Decimal(income["verified_income"])
    if plan.net_income_yuan is not None and plan.net_income_yuan > verified:
        raise Unprocessable(f"the net income exceeds the contract's verified technical income {verified}",
                            field="net_income_yuan", code="above_verified_income")
    return plan.model_copy(update={"net_income_yuan": plan.net_income_yuan if plan.net_income_yuan is not None
                                   else verified})


def check_plan_fields(plan):
    """The amounts each mode needs, as ``Invalid`` naming each field; nothing else is stored."""
    errors = []
    needs = {"transfer": "net_income_yuan", "licence": "net_income_yuan", "investment": "shares_percent",
             "self_implementation": "operating_profit_yuan"}[plan.mode]
    for name in ("net_income_yuan", "shares_percent", "operating_profit_yuan"):
        if name == needs and getattr(plan, name) is None:
            errors.append((name, f"required for {plan.mode}"))
        elif name != needs and getattr(plan, name) is not None:
            errors.append((name, f"not used for {plan.mode}"))
    if plan.mode == "self_implementation" and plan.years is None:
        errors.append(("years", "required for self_implementation"))
    if plan.mode != "self_implementation" and plan.years is not None:
        errors.append(("years", f"not used for {plan.mode}"))
    part = "share_percent" if plan.mode == "investment" else "cash_yuan"
    other = "cash_yuan" if part == "share_percent" else "share_percent"
    seen = set()
    for i, allocation in enumerate(plan.allocations):
        if getattr(allocation, part) is None:
            errors.append((f"allocations.{i}.{part}", f"required for {plan.mode}"))
        if getattr(allocation, other) is not None:
            errors.append((f"allocations.{i}.{other}", f"not used for {plan.mode}"))
        if allocation.person_id in seen:
            errors.append((f"allocations.{i}.person_id", "each contributor once"))
        seen.add(allocation.person_id)
    if not errors:
        basis, total = basis_and_total(plan)
        if total > basis:
            errors.append(("allocations", f"the rewards ({total}) exceed what was obtained ({basis})"))
    if errors:
        raise Invalid(f"{len(errors)} invalid field(s)", fields=errors)


def basis_and_total(plan):
    """(what the organization obtained, what it gives its contributors), in the mode's unit."""
    if plan.mode == "investment":
        return plan.shares_percent, sum((a.share_percent for a in plan.allocations), Decimal(0))
    basis = plan.operating_profit_yuan if plan.mode == "self_implementation" else plan.net_income_yuan
    return basis, sum((a.cash_yuan for a in plan.allocations), Decimal(0))


def check_plan(plan, state_established=None):
    """The article 45 check (or the organization's own rules). ``state_established``: the registry's record of
    the organization (True: a state-established institute or university, whose own rules count only up from
    the statutory standards; False or None: its own rules take precedence). Returns a dict stored with the
    plan: ``compliant``, ``basis`` (statutory/own_rules), ``source``, ``required_percent`` (the minimum that
    applied), ``actual_percent``, ``findings`` and ``state_established``."""
    obtained, total = basis_and_total(plan)
    # A percentage, not an amount of money (ttp_common.money's half-up rule is for fen): rounded down, so a
    # plan just short of the minimum never shows the minimum itself (49.99995% is 49.9999%, never 50.0000%).
    actual = (total * 100 / obtained).quantize(PERCENT, rounding=ROUND_DOWN) if obtained else None
    findings = []
    statutory, law = STATUTORY_MINIMUM[plan.mode], STATUTE
    if plan.own_rules is None:
        basis, required, source = "statutory", statutory, STATUTE
        requirement = f"{STATUTE} requires at least {required}%"
    else:
        basis, required, source = "own_rules", plan.own_rules.minimum_percent, plan.own_rules.reference
        requirement = f"{source} requires at least {required}%"
        if state_established is True:
            law = SECOND_PARAGRAPH
            if required < statutory:
                requirement = (f"{source} sets {required}%, but {SECOND_PARAGRAPH} requires at least {statutory}% "
                               f"under the own rules of a state-established research institute or university "
                               f"(国家设立的研究开发机构、高等院校)")
                required = statutory
    if obtained and total * 100 < required * obtained:
        findings.append({"code": "below_minimum",
                         "message": f"rewards are {actual}% of {_what(plan.mode)}; {requirement}"})
    if plan.mode == "self_implementation" and (basis == "statutory" or state_established is True):
        low, high = SELF_IMPLEMENTATION_YEARS
        if not low <= plan.years <= high:
            findings.append({"code": "years_out_of_range",
                             "message": f"rewards run for {plan.years} years; {law} requires {low} to {high}"})
    return {"compliant": not findings, "basis": basis, "source": source,
            "required_percent": required, "actual_percent": actual, "findings": findings,
            "state_established": state_established}


def _what(mode):
    return {"transfer": "the net income", "licence": "the net income", "investment": "the shares obtained",
            "self_implementation": "the yearly operating profit"}[mode]
