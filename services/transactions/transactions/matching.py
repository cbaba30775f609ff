"""Matching supply and demand (供需对接): a score in [0, 1] with the reasons that make it up.

Weights (sum 1): keywords 0.40 (share of the demand's terms found in the listing), programme
0.20, region 0.15 (same division; 0.05 for another division of Sichuan), maturity 0.10 (TRL at
least the demand's minimum; less in proportion), price 0.15 (asking price within budget; less
in proportion above it; half when either side gives no figure). A pair with neither a shared
term nor the same programme is not a match at all.
"""
from dataclasses import dataclass
from decimal import Decimal

from ttp_common import search_terms

WEIGHTS = {"keywords": 0.40, "programme": 0.20, "region": 0.15, "trl": 0.10, "price": 0.15}


@dataclass(frozen=True)
class Demand:
    terms: frozenset
    programme: int | None
    region_code: str
    min_trl: int
    budget: Decimal | None


@dataclass(frozen=True)
class Supply:
    terms: frozenset
    programme: int | None
    region_code: str
    trl: int
    asking_price: Decimal


def demand_terms(title, problem, keywords):
    return frozenset(search_terms.terms(title, problem, " ".join(keywords)))


def supply_terms(title, summary, keywords, industry=""):
    return frozenset(search_terms.terms(title, summary, " ".join(keywords), industry))


def score(demand, supply):
    """(score rounded to 4 places, reasons) or (0.0, []) when the pair does not match."""
    shared = demand.terms & supply.terms
    same_programme = demand.programme is not None and demand.programme == supply.programme
    if not shared and not same_programme:
        return 0.0, []
    parts, reasons = {}, []
    if demand.terms:
        parts["keywords"] = len(shared) / len(demand.terms)
    if shared:
        reasons.append({"factor": "keywords", "detail": "共同关键词: " + "、".join(sorted(shared)[:10])})
    if same_programme:
        parts["programme"] = 1.0
        reasons.append({"factor": "programme", "detail": f"同属专项 {demand.programme}"})
    if demand.region_code == supply.region_code:
        parts["region"] = 1.0
        reasons.append({"factor": "region", "detail": f"同一地区 {demand.region_code}"})
    else:
        parts["region"] = 1 / 3
    if supply.trl >= demand.min_trl:
        parts["trl"] = 1.0
        reasons.append({"factor": "trl", "detail": f"成熟度 TRL {supply.trl} ≥ {demand.min_trl}"})
    else:
        parts["trl"] = supply.trl / demand.min_trl
    if demand.budget is None:
        parts["price"] = 0.5
    elif supply.asking_price <= demand.budget:
        parts["price"] = 1.0
        reasons.append({"factor": "price", "detail": f"挂牌价 {supply.asking_price} 在预算 {demand.budget} 内"})
    else:
        parts["price"] = float(demand.budget / supply.asking_price)
    total = sum(WEIGHTS[k] * v for k, v in parts.items())
    return round(min(total, 1.0), 4), reasons


def rank(subject_score, candidates, limit=20):
    """``candidates`` (id, other) ranked by ``subject_score(other)``: best first, then by id; no zero scores."""
    scored = []
    for candidate_id, other in candidates:
        value, reasons = subject_score(other)
        if value > 0:
            scored.append((-value, candidate_id, reasons))
    scored.sort()
    return [{"id": cid, "score": -neg, "reasons": reasons} for neg, cid, reasons in scored[:limit]]
