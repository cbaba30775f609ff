"""Changes and cancellations of registered technology contracts (变更登记, 注销登记; JJ-001 practice): what
they must hold and what they change. Free of brokers and databases.

Who acts: under the 技术合同认定登记管理办法 the parties apply and the registration body that registered the contract
registers the change or the cancellation (当事人申请，原登记机构办理). The application itself is the paper form the
seller hands in (with the amended or terminating agreement); what changes the public record is the registration
body's act. So the platform records that act, by a registrar of the contract's region (or an admin), with the
reference of the seller's application (``request_reference``), rather than a second filing-and-review round
trip that would only duplicate the paper.

A change (``ChangeIn``) may set a new contract amount and/or 技术交易额 and a new buyer (the seller, whose
region is the registration body's, stays: another seller is another contract, cancelled and registered anew);
it takes effect on its ``effective_date``. A cancellation (``CancelIn``) ends the contract on its
``effective_date`` (``registered → cancelled``). Effective dates lie between the registration date and today
(China's calendar) and never before the contract's last change. Events carry the amounts' differences (a change)
or the amounts taken out (a cancellation) and the registration date, so that metrics takes them out of a plan
only when the plan counted the registration (``metrics.progress``).
"""
import datetime as dt
from decimal import Decimal

from pydantic import Field

from ttp_common.models import StrictModel
from ttp_common.money import Money
from ttp_common.refusals import Invalid

from . import states
from .contracts import check_parties
from .fields import Id

AMENDMENT_TRANSITIONS = {  # action: (allowed from, to)
    "change": ({"registered"}, "registered"),
    "cancel": ({"registered"}, "cancelled"),
}
CHANGEABLE = ("contract_amount", "technology_transaction_amount", "buyer_organization_id", "buyer_name")
transition = states.transition


class ChangeIn(StrictModel):
    """A change of a registered contract (变更登记), on the seller's application."""

    effective_date: dt.date = Field(description="变更生效日期 (China's calendar): from the registration date to today")
    request_reference: str = Field(min_length=1, max_length=100, description="当事人变更申请的编号或文号")
    reason: str = Field(min_length=1, max_length=500, description="变更原因")
    contract_amount: Money | None = Field(default=None, description="变更后的合同金额 (元)")
    technology_transaction_amount: Money | None = Field(default=None,
                                                        description="变更后的技术交易额 (元), at most the contract amount")
    buyer_organization_id: Id | None = Field(default=None, description="变更后的买方机构")
    buyer_name: str | None = Field(default=None, max_length=200, description="变更后的买方名称")


class CancelIn(StrictModel):
    """A cancellation of a registered contract (注销登记: the contract was rescinded or terminated)."""

    effective_date: dt.date = Field(description="注销生效日期 (China's calendar): from the registration date to today")
    request_reference: str = Field(min_length=1, max_length=100, description="当事人注销申请的编号或文号")
    reason: str = Field(min_length=1, max_length=500, description="注销原因 (合同解除、终止等)")


def check_effective_date(day, registered_on, last_effective, today):
    """An amendment takes effect between the registration date (or the last change's date) and today."""
    if day > today:
        raise Invalid("the effective date must not be after today", field="effective_date")
    earliest = max(registered_on, last_effective or registered_on)
    if day < earliest:
        raise Invalid(f"the effective date must not be before {earliest.isoformat()} (the registration or the "
                      "last change)", field="effective_date")


def changed_fields(contract, body, verified_income):
    """``{field: new value}`` of what ``body`` changes in ``contract`` (a mapping of its current fields); refuses a
    change that changes nothing, amounts that break the contract's rules or fall below its verified income."""
    wanted = {name: getattr(body, name) for name in CHANGEABLE if getattr(body, name) is not None}
    changes = {name: value for name, value in wanted.items() if value != contract[name]}
    if not changes:
        raise Invalid("the change changes nothing: give a new contract_amount, technology_transaction_amount, "
                      "buyer_organization_id or buyer_name", field="contract_amount")
    amount = Decimal(changes.get("contract_amount", contract["contract_amount"]))
    technology = Decimal(changes.get("technology_transaction_amount", contract["technology_transaction_amount"]))
    if technology > amount:
        raise Invalid("technology_transaction_amount must not exceed contract_amount",
                      field="technology_transaction_amount")
    if technology < Decimal(verified_income):
        raise Invalid(f"the contract's verified technical income ({verified_income}) exceeds the new technology "
                      "transaction amount", field="technology_transaction_amount")
    buyer = changes.get("buyer_organization_id", contract["buyer_organization_id"])
    name = changes.get("buyer_name", contract["buyer_name"])
    problem = check_parties(contract["seller_organization_id"], buyer, name)
    if problem:
        raise Invalid(problem[1], field=problem[0])
    return changes


def deltas(contract, changes):
    """(contract amount, 技术交易额) differences a change makes: new minus old, exact (zero when unchanged)."""
    def delta(name):
        return Decimal(changes[name]) - Decimal(contract[name]) if name in changes else Decimal("0.00")
    return delta("contract_amount"), delta("technology_transaction_amount")
