"""Market-based appraisal (评价评估) of an achievement or patent, or of an IP right of the registry (知识产权
市场化评估, ``ip_right_id``: in transactions' replica of the registry's IP events, not lapsed), by three
approaches, in exact decimals.

- cost (成本法): replacement cost × (1 + reasonable profit rate) × remaining life / total life
  (the economic obsolescence of a technology that has used up part of its life).
- market (市场法): the mean technology transaction amount of comparable registered contracts
  (技术交易额) × an adjustment factor for differences of technology, time and terms.
- income (收益法, discounted royalty / 分成率): Σ revenue_t × royalty rate / (1 + discount rate)^t
  over the forecast years t = 1..n.
Results are rounded to fen (ROUND_HALF_UP) only at the end.
"""
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field

from ttp_common.models import StrictModel
from ttp_common.money import Money, round_fen

from .fields import Id

Rate = Annotated[Decimal, Field(ge=0, le=1, max_digits=8, decimal_places=6)]


class CostInputs(StrictModel):
    replacement_cost: Money = Field(description="重置成本 (元)")
    profit_rate: Rate = Field(default=Decimal("0"), description="合理利润率, e.g. 0.15")
    elapsed_years: Decimal = Field(ge=0, le=50, max_digits=6, decimal_places=2, description="已使用年限")
    remaining_years: Decimal = Field(gt=0, le=50, max_digits=6, decimal_places=2, description="剩余经济寿命")


class MarketInputs(StrictModel):
    comparable_contract_ids: list[Id] = Field(default=[], max_length=50,
                                              description="registered contracts; empty: those of the same programme")
    adjustment_factor: Decimal = Field(default=Decimal("1"), gt=0, le=10, max_digits=8, decimal_places=4,
                                       description="调整系数 for technology, time and terms")


class IncomeInputs(StrictModel):
    projected_revenues: list[Money] = Field(min_length=1, max_length=30, description="预测收入 per year (元)")
    royalty_rate: Rate = Field(gt=0, description="提成率/分成率 on revenue, e.g. 0.05")
    discount_rate: Rate = Field(description="折现率, e.g. 0.10")


class ValuationIn(StrictModel):
    achievement_id: Id | None = Field(default=None, description="A published achievement; or give ip_right_id")
    patent_number: str | None = Field(default=None, max_length=40, description="One patent of the achievement")
    ip_right_id: Id | None = Field(default=None, description="An IP right (知识产权) of the registry instead of an "
                                   "achievement: pending or in force")
    method: Literal["cost", "market", "income"]
    cost: CostInputs | None = None
    market: MarketInputs | None = None
    income: IncomeInputs | None = None


def check_subject(body):
    """(field, message) unless the valuation has one subject: an achievement (with or without one of its
    patents) or an IP right."""
    if body.ip_right_id is None and body.achievement_id is None:
        return "achievement_id", "give the achievement or the IP right (ip_right_id) valued"
    if body.ip_right_id is not None and (body.achievement_id is not None or body.patent_number is not None):
        return "ip_right_id", "an IP right is valued on its own: no achievement_id or patent_number with it"
    return None


def check_inputs(body):
    """(field, message) when the inputs do not fit the method, else None: exactly the method's inputs."""
    if getattr(body, body.method) is None:
        return body.method, f"required for method '{body.method}'"
    for other in ("cost", "market", "income"):
        if other != body.method and getattr(body, other) is not None:
            return other, f"does not belong to method '{body.method}'"
    return None


class NoComparables(ValueError):
    """The market approach found no registered contract to compare with."""


def cost_value(replacement_cost, profit_rate, elapsed_years, remaining_years):
    life = Decimal(elapsed_years) + Decimal(remaining_years)
    return round_fen(Decimal(replacement_cost) * (1 + Decimal(profit_rate)) * Decimal(remaining_years) / life)


def market_value(comparable_amounts, adjustment_factor):
    amounts = [Decimal(a) for a in comparable_amounts]
    if not amounts:
        raise NoComparables("no comparable registered contract")
    return round_fen(sum(amounts) / len(amounts) * Decimal(adjustment_factor))


def income_value(projected_revenues, royalty_rate, discount_rate):
    rate, factor, total = Decimal(royalty_rate), 1 + Decimal(discount_rate), Decimal(0)
    for year, revenue in enumerate(projected_revenues, start=1):
        total += Decimal(revenue) * rate / factor ** year
    return round_fen(total)
