"""Brokers' performance (技术经纪人业绩), computed only from registered technology contracts they took part in.

Figures are kept as exact decimal strings: totals, and per year of registration. The amounts come from the
transactions service's events (whole fen, ``ttp_common.money.exact_fen``): they are added, never rounded.
"""
from decimal import Decimal

from ttp_common.money import exact_fen

ZERO = {"contracts": 0, "contract_amount": "0.00", "technology_transaction_amount": "0.00"}


def empty(person_id):
    return {"_id": person_id, **ZERO, "by_year": {}, "by_type": {}, "contract_ids": []}


def _add(figures, contract_amount, technology_amount):
    return {
        "contracts": figures["contracts"] + 1,
        "contract_amount": str(Decimal(figures["contract_amount"]) + contract_amount),
        "technology_transaction_amount": str(Decimal(figures["technology_transaction_amount"]) + technology_amount),
    }


def apply_contract(record, contract):
    """``record`` plus one registered contract (``contract``: the event's data). A contract already
    counted (same contract_id, e.g. re-published under another event id) does not count again."""
    if contract["contract_id"] in record["contract_ids"]:
        return record
    amount = exact_fen(contract["contract_amount"])
    technology = exact_fen(contract["technology_transaction_amount"])
    year = str(contract["registered_at"].year)
    kind = contract["contract_type"]
    return {
        **record, **_add(record, amount, technology),
        "by_year": {**record["by_year"], year: _add(record["by_year"].get(year, ZERO), amount, technology)},
        "by_type": {**record["by_type"], kind: _add(record["by_type"].get(kind, ZERO), amount, technology)},
        "contract_ids": record["contract_ids"] + [contract["contract_id"]],
    }


def brokers_of(contract):
    """The distinct broker person ids of a contract, in order."""
    return list(dict.fromkeys(p for p in contract.get("broker_person_ids") or () if p))


def view(record):
    return {k: record[k] for k in ("contracts", "contract_amount", "technology_transaction_amount",
                                   "by_year", "by_type")}
