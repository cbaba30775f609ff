"""Amounts of money (元), one rule for the whole platform.

Amounts are exact decimals in yuan, never floats. An amount a caller gives (a contract amount, a budget, a
bid) must be a whole number of fen (分): more decimals are refused, not rounded. An amount the platform
computes (a share of income, a subsidy at a rate, a valuation) is rounded **half-up to the fen** (0.005 →
0.01, ROUND_HALF_UP, as a cashier rounds), once, at the end of the computation. Amounts leave as JSON
strings (``"1250000.00"``) and, in events, as decimals or integer fen; sums are kept in integer fen so
they stay exact.
"""
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated

from pydantic import Field, WithJsonSchema

FEN = Decimal("0.01")


def round_fen(value):
    """A computed amount rounded half-up to the fen."""
    return Decimal(value).quantize(FEN, rounding=ROUND_HALF_UP)


def exact_fen(value):
    """A given amount with two decimals; ``ValueError`` when it has a fraction of a fen."""
    amount = Decimal(value)
    if amount != amount.quantize(FEN, rounding=ROUND_HALF_UP):
        raise ValueError(f"{value} yuan is not a whole number of fen")
    return amount.quantize(FEN)


def to_fen(value):
    """Yuan (exact, a whole number of fen) as integer fen."""
    return int(exact_fen(value) / FEN)


def from_fen(fen):
    """Integer fen as yuan with two decimals."""
    return (Decimal(fen) * FEN).quantize(FEN)


# Request fields. Strings or JSON numbers in (read exactly), at most 2 decimals and 18 digits; the OpenAPI
# document states the constraint itself (pydantic would only say "a number or any string").
POSITIVE_PATTERN = r"^([1-9][0-9]{0,15}(\.[0-9]{1,2})?|0\.([1-9][0-9]?|0[1-9]))$"
Money = Annotated[Decimal, Field(gt=0, max_digits=18, decimal_places=2, description="元, a decimal string"),
                  WithJsonSchema({"anyOf": [{"type": "string", "pattern": POSITIVE_PATTERN},
                                            {"type": "number", "exclusiveMinimum": 0, "maximum": 9999999999999998}]},
                                 mode="validation")]
"""A positive amount of yuan with at most two decimals."""
MoneyOrZero = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=2, description="元, a decimal string")]
"""A non-negative amount of yuan with at most two decimals."""
