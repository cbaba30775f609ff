"""Changes and cancellations of registered contracts (变更登记, 注销登记), registered by the registration body of the
contract's region on the seller's application (why the registrar acts: ``transactions.amendments``). Each is an
event on the contract's topic carrying what metrics needs to adjust the plan's figures from its effective date:
the differences of a change, the amounts a cancellation takes out, the registration date and the breakdowns'
fields (region, programme, contract type)."""
import datetime as dt
from decimal import Decimal

from ttp_common import auth, clock

from .. import amendments
from ..documents import Contract

CHANGED = "transactions.contract.changed.v1"
CANCELLED = "transactions.contract.cancelled.v1"


def _registered_contract(uow, contract_id, principal, action):
    contract = uow.get(Contract, contract_id)
    auth.require_region(principal, contract.region_code, auth.Roles.REGISTRAR)
    status = amendments.transition(amendments.AMENDMENT_TRANSITIONS, action, contract.status)
    return contract, status


def _dates(contract, body, at):
    last = contract.changes[-1]["effective_date"] if contract.changes else None
    registered_on = clock.china_date(contract.registered_at)
    amendments.check_effective_date(body.effective_date, registered_on,
                                    dt.date.fromisoformat(last) if last else None, clock.china_date(at))
    return registered_on


def _common(contract, registered_on, body, at):
    return {"contract_id": contract.id, "registration_number": contract.registration_number,
            "seller_organization_id": contract.seller_organization_id, "region_code": contract.region_code,
            "contract_type": contract.contract_type, "programme": contract.programme,
            "achievement_id": contract.achievement_id, "registration_date": registered_on,
            "effective_date": body.effective_date, "request_reference": body.request_reference}


def change(uow, contract_id, body, principal, at):
    """Register a change (``ChangeIn``) of a registered contract."""
    contract, status = _registered_contract(uow, contract_id, principal, "change")
    registered_on = _dates(contract, body, at)
    changes = amendments.changed_fields(contract, body, contract.verified_income or Decimal(0))
    amount_delta, technology_delta = amendments.deltas(contract, changes)
    record = {"effective_date": body.effective_date.isoformat(), "request_reference": body.request_reference,
              "reason": body.reason, "changed_at": at, "changed_by": principal.sub,
              "fields": {name: {"old": _plain(contract[name]), "new": _plain(value)} for name, value in changes.items()}}
    for name, value in changes.items():
        setattr(contract, name, value)
    contract.status = status
    contract.changes = [*contract.changes, record]
    uow.replace(contract)
    uow.emit(CHANGED, {
        **_common(contract, registered_on, body, at), "changed_fields": sorted(changes),
        "contract_amount": contract.contract_amount, "technology_transaction_amount": contract.technology_transaction_amount,
        "contract_amount_delta": amount_delta, "technology_transaction_amount_delta": technology_delta,
        "buyer_organization_id": contract.buyer_organization_id, "changed_at": at}, subject=contract.id)
    return contract


def cancel(uow, contract_id, body, principal, at):
    """Register the cancellation (``CancelIn``) of a registered contract: its amounts leave the turnover."""
    contract, status = _registered_contract(uow, contract_id, principal, "cancel")
    registered_on = _dates(contract, body, at)
    contract.status = status
    contract.cancellation = {"effective_date": body.effective_date.isoformat(), "request_reference": body.request_reference,
                             "reason": body.reason, "cancelled_at": at, "cancelled_by": principal.sub}
    uow.replace(contract)
    uow.emit(CANCELLED, {
        **_common(contract, registered_on, body, at), "reason": body.reason,
        "contract_amount": contract.contract_amount, "technology_transaction_amount": contract.technology_transaction_amount,
        "broker_person_ids": list(contract.broker_person_ids), "cancelled_at": at}, subject=contract.id)
    return contract


def _plain(value):
    return str(value) if isinstance(value, Decimal) else value
