"""Brokers' performance (技术经纪人业绩), computed only from registered technology contracts they took part in; a
contract whose registration is cancelled (注销) leaves it again, with exactly what it had added.

Figures are kept as exact decimal strings: totals, and per year of registration. The amounts come from the
transactions service's events (whole fen, ``ttp_common.money.exact_fen``): they are added, never rounded.
"""
from decimal import Decimal

from ttp_common.money import exact_fen

ZERO = {"contracts": 0, "contract_amount": "0.00", "technology_transaction_amount": "0.00"}


def empty(person_id):
    return {"_id": person_id, **ZERO, "by_year": {}, "by_type": {}, "contract_ids": [], "counted": {},
            "cancelled_ids": []}


def _add(figures, contract_amount, technology_amount):
    return {
        "contracts": figures["contracts"] + 1,
        "contract_amount": str(Decimal(figures["contract_amount"]) + contract_amount),
        "technology_transaction_amount": str(Decimal(figures["technology_transaction_amount"]) + technology_amount),
    }


def apply_contract(record, contract):
    """``record`` plus one registered contract (``contract``: the event's data). A contract already
    counted (same contract_id, e.g. re-published under another event id) does not count again."""
    if contract["contract_id"] in record["contract_ids"] or contract["contract_id"] in record["cancelled_ids"]:
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
        "counted": {**record["counted"], contract["contract_id"]: {
            "contract_amount": str(amount), "technology_transaction_amount": str(technology), "year": year,
            "contract_type": kind}},
    }


def _subtract(figures, contract_amount, technology_amount):
    return {
        "contracts": figures["contracts"] - 1,
        "contract_amount": str(Decimal(figures["contract_amount"]) - contract_amount),
        "technology_transaction_amount": str(Decimal(figures["technology_transaction_amount"]) - technology_amount),
    }


def remove_contract(record, cancelled):
    """``record`` without a contract whose registration was cancelled (``cancelled``: the
    ``transactions.contract.cancelled.v1`` data): what it added comes off, from the totals, its registration
    year and its type; it never counts again. A contract not counted is left alone (the same record back).
    Contracts counted before the record kept what each added fall back to the cancellation's amounts and its
    registration date's year."""
    cid = cancelled["contract_id"]
    if cid not in record["contract_ids"]:
        return record
    added = record["counted"].get(cid) or {
        "contract_amount": str(cancelled["contract_amount"]),
        "technology_transaction_amount": str(cancelled["technology_transaction_amount"]),
        "year": str(cancelled["registration_date"].year), "contract_type": cancelled["contract_type"]}
    amount, technology = Decimal(added["contract_amount"]), Decimal(added["technology_transaction_amount"])
    year, kind = added["year"], added["contract_type"]
    by_year, by_type = dict(record["by_year"]), dict(record["by_type"])
    if year in by_year:
        by_year[year] = _subtract(by_year[year], amount, technology)
    if kind in by_type:
        by_type[kind] = _subtract(by_type[kind], amount, technology)
    return {**record, **_subtract(record, amount, technology), "by_year": by_year, "by_type": by_type,
            "contract_ids": [c for c in record["contract_ids"] if c != cid],
            "counted": {k: v for k, v in record["counted"].items() if k != cid},
            "cancelled_ids": record["cancelled_ids"] + [cid]}


def brokers_of(contract):
    """The distinct broker person ids of a contract, in order."""
    return list(dict.fromkeys(p for p in contract.get("broker_person_ids") or () if p))


def view(record):
    return {k: record[k] for k in ("contracts", "contract_amount", "technology_transaction_amount",
                                   "by_year", "by_type")}
