"""How events move the plan's figures, and progress against targets: plain Python."""
from dataclasses import dataclass
from decimal import Decimal

FEN = Decimal("0.01")


def to_fen(amount: Decimal) -> int:
    """Money is counted in integer fen (分) so sums stay exact; a fraction of a fen is an error, not rounded away."""
    fen = Decimal(amount) / FEN
    if fen != fen.to_integral_value():
        raise ValueError(f"{amount} yuan is not a whole number of fen")
    return int(fen)


def from_fen(fen: int) -> Decimal:
    return (Decimal(fen) * FEN).quantize(FEN)


@dataclass(frozen=True)
class Target:
    key: str
    label: str
    goal: Decimal
    unit: str  # "count" or "yuan"


# The 2016-2020 plan's headline targets (三 主要目标). The metrics issue turns these into data files.
TARGETS = (
    Target("transformation_projects", "科技成果转化项目", Decimal(2000), "count"),
    Target("major_transformation_projects", "重大科技成果转化项目", Decimal(500), "count"),
    Target("promoted_technologies", "推广应用先进成熟适用技术成果", Decimal(1500), "count"),
    Target("service_institutions", "科技成果转移转化专业化服务机构", Decimal(1000), "count"),
    Target("contract_turnover_yuan", "技术合同登记交易额（累计）", Decimal(200_000_000_000), "yuan"),
)


def increments(event_name, data):
    """The counter increments an event causes: {counter name: int}."""
    if event_name == "registry.organization.registered.v1":
        return {"organizations_registered": 1, f"organizations_registered|region={data['region_code']}": 1}
    if event_name == "registry.organization.accredited.v1":  # 认定: counts toward the 1,000 target
        return {"service_institutions": 1, f"service_institutions|region={data['region_code']}": 1}
    if event_name == "registry.organization.accreditation_revoked.v1":
        return {"service_institutions": -1, f"service_institutions|region={data['region_code']}": -1}
    if event_name == "transactions.contract.registered.v1":
        return {
            "contracts_registered": 1,
            "contract_amount_fen": to_fen(data["contract_amount"]),
            "contract_turnover_fen": to_fen(data["technology_transaction_amount"]),
            f"contract_turnover_fen|region={data['region_code']}": to_fen(data["technology_transaction_amount"]),
        }
    if event_name == "finance.project.approved.v1":
        kind = "major_transformation_projects" if data["category"] == "major" else "promoted_technologies"
        return {"transformation_projects": 1, kind: 1, f"transformation_projects|programme={data['programme']}": 1}
    if event_name == "talent.person.registered.v1":
        return {"people_registered": 1}
    return {}


def progress(counters):
    """Every target with goal, value and ratio, from the counter values."""
    result = []
    for target in TARGETS:
        if target.unit == "yuan":
            value = from_fen(counters.get("contract_turnover_fen", 0))
        else:
            value = Decimal(counters.get(target.key, 0))
        result.append({
            "key": target.key, "label": target.label, "unit": target.unit,
            "goal": target.goal, "value": value,
            "ratio": float(value / target.goal) if target.goal else None,
        })
    return result
