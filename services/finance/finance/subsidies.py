"""Fiscal instruments (财政支持方式) as data: per-year rules and the computation, without I/O.

Each year's rules live in ``rules/<year>.yaml`` and are validated at start-up. A rule names
the deal instruments it applies to, its basis (what the share is taken of), the share and the
cap; the computation below is the same for every instrument, so a new instrument or a new
year is a data change, not a code change:

    amount    deal amount × share                        (引导计划, 担保补助 on the guaranteed sum)
    interest  amount × annual rate × months/12 × share   (贴息; months capped by max_term_months)
    loss      loss × share                               (风险补助: a share of the lender's loss)
    premium   premium paid × share                       (保费补贴)
    fee       guarantee fee paid × share                 (担保补助 on the fee)

then capped by ``cap`` and rounded half-up to the fen. A deal gets the rules of the year it closed
in, in China Standard Time (a deal closed at 01:00 on 1 January in Chengdu is of the new year).
"""
from dataclasses import dataclass
from datetime import timezone
from decimal import Decimal
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ttp_common import money
from ttp_common.clock import china_date
from ttp_common.fields import Integer, OptionalInteger
from ttp_common.models import StrictModel
from ttp_common.refusals import Invalid, TransitionRefused

from .pool import INSTRUMENTS, INVESTOR_KINDS

SUBSIDY_INSTRUMENTS = {"guidance": "引导计划", "risk_compensation": "风险补助", "interest_subsidy": "贴息",
                       "premium_subsidy": "保费补贴", "guarantee_subsidy": "担保补助"}
BASES = ("amount", "interest", "loss", "premium", "fee")
FACT_OF_BASIS = {"loss": "loss", "premium": "premium", "fee": "guarantee_fee"}  # what the applicant states
RULES_DIR = Path(__file__).parent / "rules"
SUBSIDY_STATUSES = ("applied", "approved", "rejected")
DECISIONS = {"approve": "approved", "reject": "rejected"}  # from "applied" only


class Refused(Invalid):
    """The application does not fit the rules; ``field`` names the offending field (answered with 400)."""

    def __init__(self, field, message):
        super().__init__(message, field=field)


def _amount(description):
    return Field(default=None, gt=0, lt=Decimal("1e15"), max_digits=18, decimal_places=2, description=description)


class SubsidyIn(StrictModel):
    """An application for a subsidy on a closed deal (申请财政补助)."""

    deal_id: str = Field(min_length=1, max_length=64)
    instrument: Literal[tuple(SUBSIDY_INSTRUMENTS)] = Field(description="财政支持方式")
    amount: Decimal | None = _amount("申请金额 (元); default: what the rules give. Above the cap: 400")
    loss: Decimal | None = _amount("损失金额 (元), for risk compensation")
    premium: Decimal | None = _amount("保费 (元), for a premium subsidy")
    guarantee_fee: Decimal | None = _amount("担保费 (元), for a guarantee subsidy on the fee")


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str = Field(min_length=1)
    deal_instruments: list[Literal[tuple(INSTRUMENTS)]] = Field(min_length=1)
    basis: Literal[BASES]
    share: Decimal = Field(gt=0, le=1)
    cap: Decimal = Field(gt=0, decimal_places=2)
    min_deal_amount: Decimal = Field(default=Decimal(0), ge=0)
    max_term_months: OptionalInteger = Field(default=None, ge=1, le=600)
    investor_kinds: list[Literal[tuple(INVESTOR_KINDS)]] | None = None


class YearRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    year: Integer = Field(ge=2016, le=2100)
    instruments: dict[Literal[tuple(SUBSIDY_INSTRUMENTS)], Rule] = Field(min_length=1)


def load_rules(directory=RULES_DIR):
    """{year: YearRules} from ``<directory>/<year>.yaml``; ValueError naming the file on any mistake."""
    rules = {}
    for path in sorted(Path(directory).glob("*.yaml")):
        try:
            year_rules = YearRules.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
        except (ValidationError, yaml.YAMLError) as exc:
            raise ValueError(f"invalid subsidy rules in {path.name}: {exc}") from exc
        if str(year_rules.year) != path.stem:
            raise ValueError(f"{path.name} states year {year_rules.year}")
        rules[year_rules.year] = year_rules
    if not rules:
        raise ValueError(f"no subsidy rules in {directory}")
    return rules


def rules_for(rules, year):
    """The rules in force in ``year``: that year's, else the latest earlier year's (rules stay in force
    until replaced); None before the first year."""
    earlier = [y for y in rules if y <= year]
    return rules[max(earlier)] if earlier else None


def rule_year(moment):
    """The calendar year of ``moment`` in China Standard Time (a naive datetime is taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return china_date(moment).year


def decide(action, status):
    """The status after ``action`` (approve, reject) on an application that is ``status``; only an
    application still pending (applied) is decided, once."""
    if status != "applied":
        raise TransitionRefused(f"cannot {action} an application that is {status}")
    return DECISIONS[action]


@dataclass(frozen=True)
class Deal:
    """What the rules read of a closed deal."""

    instrument: str
    amount: Decimal
    investor_kind: str
    annual_rate: Decimal | None = None
    term_months: int | None = None


@dataclass(frozen=True)
class Computation:
    amount: Decimal     # what the rules give, capped
    uncapped: Decimal
    capped: bool
    cap: Decimal


def compute(rule, deal, loss=None, premium=None, guarantee_fee=None):
    """The subsidy ``rule`` gives for ``deal``; ``Refused`` when it does not apply."""
    if deal.instrument not in rule.deal_instruments:
        raise Refused("instrument", f"{rule.label} applies to {', '.join(rule.deal_instruments)} deals, "
                                    f"not {deal.instrument}")
    if rule.investor_kinds is not None and deal.investor_kind not in rule.investor_kinds:
        raise Refused("instrument", f"{rule.label} applies to deals with {', '.join(rule.investor_kinds)}")
    if deal.amount < rule.min_deal_amount:
        raise Refused("deal_id", f"{rule.label} needs a deal of at least {rule.min_deal_amount} yuan")
    facts = {"loss": loss, "premium": premium, "fee": guarantee_fee}
    if rule.basis == "amount":
        base = deal.amount
    elif rule.basis == "interest":
        if deal.annual_rate is None or deal.term_months is None:
            raise Refused("deal_id", f"{rule.label} needs a deal with an annual rate and a term")
        months = min(deal.term_months, rule.max_term_months or deal.term_months)
        base = deal.amount * deal.annual_rate * months / 12
    else:
        base = facts[rule.basis]
        field = FACT_OF_BASIS[rule.basis]
        if base is None:
            raise Refused(field, f"{rule.label} is computed from the {field.replace('_', ' ')}: state it")
        if rule.basis == "loss" and base > deal.amount:
            raise Refused(field, "the loss cannot exceed the amount financed")
    uncapped = money.round_fen(base * rule.share)
    amount = min(uncapped, rule.cap)
    return Computation(amount=amount, uncapped=uncapped, capped=uncapped > rule.cap, cap=rule.cap)


def granted(computation, requested=None):
    """The amount applied for: the computed one, or a lower ``requested`` one (never above the cap)."""
    if requested is None:
        return computation.amount
    if requested > computation.cap:
        raise Refused("amount", f"{requested} is above the cap of {computation.cap} yuan")
    if requested > computation.amount:
        raise Refused("amount", f"{requested} is above the {computation.amount} yuan the rules give")
    return requested
