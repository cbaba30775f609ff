"""Technical income verification (技术性收入核定): the seller files the income a registered contract brought, the
registration body of the contract's region verifies it (possibly less, with a reason) or returns it, and the
seller files a returned one again. Each step is an event on the contract's topic; the verified one carries the
contract's verified total, so that a replica is set, never summed twice. The rules are in
``transactions.income``."""
import datetime as dt
import uuid
from decimal import Decimal

from ttp_common import auth, clock, regions
from ttp_common.refusals import NotFound

from .. import income
from ..documents import Contract, IncomeFiling

FILED = "transactions.contract.income_filed.v1"
VERIFIED = "transactions.contract.income_verified.v1"
RETURNED = "transactions.contract.income_returned.v1"
OPEN = ("filed", "verified")  # the filings that count against the contract's 技术交易额


def _day(value):
    return dt.datetime.combine(value, dt.time(), dt.timezone.utc)


def _seller_contract(uow, contract_id, principal):
    """The contract, for its seller's staff (admins too); anyone else: 404, as for reading it."""
    contract = uow.get(Contract, contract_id)
    if not auth.acts_for(principal, contract.seller_organization_id):
        raise NotFound("no such contract")
    return contract


def _others(uow, contract_id, excluding=None):
    return [f.amount for f in uow.find(IncomeFiling, {"contract_id": contract_id, "status": {"$in": list(OPEN)}})
            if f.id != excluding]


def file(uow, contract_id, body, principal, at):
    """The seller files the income received under a registered contract (``IncomeIn``)."""
    contract = _seller_contract(uow, contract_id, principal)
    income.check_contract_open(contract.status)
    income.check_period(body, clock.china_date(at))
    income.check_within_contract(body.amount, _others(uow, contract.id), contract.technology_transaction_amount)
    filing = IncomeFiling(id=uuid.uuid4().hex, contract_id=contract.id,
                          seller_organization_id=contract.seller_organization_id, region_code=contract.region_code,
                          status="filed", amount=body.amount, received_from=_day(body.received_from),
                          received_to=_day(body.received_to), note=body.note, filed_by=principal.sub, filed_at=at)
    uow.insert(filing)
    _emit_filed(uow, filing, body, at, False)
    return filing


def refile(uow, income_id, body, principal, at):
    """After a return, the seller files the income again, corrected (``IncomeIn``)."""
    filing = uow.get(IncomeFiling, income_id)
    contract = _seller_contract(uow, filing.contract_id, principal)
    status = income.transition(income.INCOME_TRANSITIONS, "refile", filing.status)
    income.check_contract_open(contract.status)
    income.check_period(body, clock.china_date(at))
    income.check_within_contract(body.amount, _others(uow, contract.id, filing.id),
                                 contract.technology_transaction_amount)
    filing.status, filing.amount, filing.note = status, body.amount, body.note
    filing.received_from, filing.received_to = _day(body.received_from), _day(body.received_to)
    filing.filed_by, filing.filed_at, filing.return_reasons = principal.sub, at, []
    uow.replace(filing)
    _emit_filed(uow, filing, body, at, True)
    return filing


def _for_registrar(uow, income_id, principal):
    filing = uow.get(IncomeFiling, income_id)
    auth.require_region(principal, filing.region_code, auth.Roles.REGISTRAR)
    return filing


def verify(uow, income_id, body, principal, at):
    """The registration body verifies a filing (``VerifyIn``); the contract's verified income grows by the
    verified amount, effective on the verification date (China's calendar)."""
    filing = _for_registrar(uow, income_id, principal)
    contract = uow.get(Contract, filing.contract_id)
    status = income.transition(income.INCOME_TRANSITIONS, "verify", filing.status)
    income.check_contract_open(contract.status)
    income.check_verification(body, filing.amount)
    verified = [f.verified_amount for f in uow.find(IncomeFiling, {"contract_id": contract.id, "status": "verified"})]
    income.check_within_contract(body.verified_amount, verified, contract.technology_transaction_amount,
                                 field="verified_amount")  # a change may have lowered it since the filing
    filing.status, filing.verified_amount, filing.verification_reason = status, body.verified_amount, body.reason
    filing.decided_by, filing.decided_at = principal.sub, at
    uow.replace(filing)
    contract.verified_income = Decimal(contract.verified_income or 0) + body.verified_amount
    uow.replace(contract)
    uow.emit(VERIFIED, {
        "income_id": filing.id, "contract_id": contract.id, "registration_number": contract.registration_number,
        "seller_organization_id": contract.seller_organization_id, "region_code": contract.region_code,
        "achievement_id": contract.achievement_id, "programme": contract.programme,
        "filed_amount": filing.amount, "verified_amount": body.verified_amount,
        "adjusted": body.verified_amount != Decimal(filing.amount),
        "contract_verified_income": contract.verified_income, "effective_date": clock.china_date(at),
        "verified_at": at}, subject=contract.id)
    return filing


def return_filing(uow, income_id, reasons, principal, at):
    """The registration body returns a filing with ``reasons``; the seller may file it again."""
    filing = _for_registrar(uow, income_id, principal)
    filing.status = income.transition(income.INCOME_TRANSITIONS, "return", filing.status)
    filing.return_reasons, filing.decided_by, filing.decided_at = reasons, principal.sub, at
    uow.replace(filing)
    uow.emit(RETURNED, {"income_id": filing.id, "contract_id": filing.contract_id,
                        "seller_organization_id": filing.seller_organization_id, "region_code": filing.region_code,
                        "reasons": reasons, "returned_at": at}, subject=filing.contract_id)
    return filing


def visible_to(principal, filing):
    """The seller's staff, the registration body of its region, admins."""
    if principal.role == auth.Roles.ADMIN:
        return True
    if principal.role == auth.Roles.INSTITUTION:
        return principal.org == filing.seller_organization_id
    if principal.role == auth.Roles.REGISTRAR:
        return regions.covers(principal.region, filing.region_code)
    return False


def _emit_filed(uow, filing, body, at, refiled):
    uow.emit(FILED, {"income_id": filing.id, "contract_id": filing.contract_id,
                     "seller_organization_id": filing.seller_organization_id, "region_code": filing.region_code,
                     "amount": filing.amount, "received_from": body.received_from, "received_to": body.received_to,
                     "refiled": refiled, "filed_at": at}, subject=filing.contract_id)
