"""Matching supply and demand (供需对接): a score in [0, 1] with the reasons that make it up.

Weights (sum 1): keywords 0.40, programme 0.20, region 0.15 (same division; 0.05 for another
division of Sichuan), maturity 0.10 (TRL at least the demand's minimum; less in proportion), price
0.15 (asking price within budget; less in proportion above it; half when either side gives no
figure).

Keywords weigh what the demand declares: a declared keyword matches when all its search terms are
in the achievement's title or keywords, or one of the achievement's keywords lies within it. The
keyword factor is 0.75 × the share of declared keywords matched + 0.25 × the share of the demand's
meaningful search terms (title, problem, keywords) found in the achievement's text. Generic words
(``GENERIC``: 技术, 降低, 成本, …) count for nothing: nearly every text has them. They are taken out of
the text before it is cut into terms (``meaningful_terms``), so a phrase of generic words gives no
term at all (降低成本 would otherwise give 低成). A pair with neither a matched keyword nor the same
programme is not a match at all.
"""
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from ttp_common import search_terms

WEIGHTS = {"keywords": 0.40, "programme": 0.20, "region": 0.15, "trl": 0.10, "price": 0.15}
DECLARED_SHARE = 0.75  # of the keyword factor; the rest is the overlap of meaningful text terms
GENERIC = frozenset("技术 研究 应用 降低 提高 成本 系统 方法 关键 开发 产品 企业 工艺".split())


@dataclass(frozen=True)
class Demand:
    meaningful: frozenset  # meaningful_terms of title, problem and keywords
    programme: int | None
    region_code: str
    min_trl: int
    budget: Decimal | None
    keywords: tuple = ()  # as declared


@dataclass(frozen=True)
class Supply:
    terms: frozenset  # search terms of title, summary, keywords and industry
    programme: int | None
    region_code: str
    trl: int
    asking_price: Decimal
    keywords: tuple = ()  # the achievement's
    title: str = ""


def demand_terms(title, problem, keywords):
    """The stored search terms of a demand (generic words included: they are searched for)."""
    return frozenset(search_terms.terms(title, problem, " ".join(keywords)))


def supply_terms(title, summary, keywords, industry=""):
    return frozenset(search_terms.terms(title, summary, " ".join(keywords), industry))


def meaningful_terms(*texts):
    """The search terms of ``texts`` with the generic words taken out first: none for a phrase of generic words.
    Only terms of the whole text are kept, so no character left alone between generic words (低 of 低成本)."""
    texts = [unicodedata.normalize("NFKC", text or "") for text in texts]
    stripped = []
    for text in texts:
        for word in GENERIC:
            text = text.replace(word, " ")
        stripped.append(text)
    return frozenset(search_terms.terms(*stripped)) & frozenset(search_terms.terms(*texts))


def matched_keywords(demand, supply):
    """The demand's declared keywords that the achievement's title or keywords carry, in declared order."""
    theirs = frozenset(search_terms.terms(supply.title, *supply.keywords))
    their_keywords = [t for t in map(meaningful_terms, supply.keywords) if t]
    found = []
    for keyword in demand.keywords:
        own = meaningful_terms(keyword)
        if own and (own <= theirs or any(t <= own for t in their_keywords)):
            found.append(keyword)
    return found


def listing_prefilter_terms(keywords):
    """Terms of which a listing must have one to match a demand declaring ``keywords`` (a database filter):
    a matched keyword has a meaningful term, and the listing's terms hold it."""
    return sorted(set().union(*map(meaningful_terms, keywords)))


def demand_prefilter_terms(title, keywords):
    """Terms of which a demand must have one to match the achievement's ``title`` and ``keywords``."""
    return sorted(set(search_terms.terms(title, *keywords)) - GENERIC)


def score(demand, supply):
    """(score rounded to 4 places, reasons) or (0.0, []) when the pair does not match."""
    matched = matched_keywords(demand, supply)
    same_programme = demand.programme is not None and demand.programme == supply.programme
    if not matched and not same_programme:
        return 0.0, []
    parts, reasons = {}, []
    meaningful = demand.meaningful
    shared = meaningful & supply.terms
    declared = len(matched) / len(demand.keywords) if demand.keywords else 0.0
    parts["keywords"] = DECLARED_SHARE * declared + (1 - DECLARED_SHARE) * (
        len(shared) / len(meaningful) if meaningful else 0.0)
    if matched:
        reasons.append({"factor": "keywords", "detail": "共同关键词: " + "、".join(matched[:10])})
    elif shared:
        reasons.append({"factor": "keywords", "detail": "相关词语: " + "、".join(sorted(shared)[:10])})
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
