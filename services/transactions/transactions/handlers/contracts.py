"""Technology contracts and their registration (技术合同认定登记): submission by a party, return with reasons or
registration with a 16-digit number by the registration body of the contract's region (a registrar of that
region), correction and resubmission after a return, and the registered turnover (技术合同登记交易额). The rules
(origin, parties, transitions, the number) are in ``transactions.contracts``."""
import uuid
from decimal import Decimal

from ttp_common import auth, clock, regions
from ttp_common.mongo import next_serial
from ttp_common.money import round_fen
from ttp_common.refusals import NotAllowed, NotFound

from .. import contracts, listings
from ..contracts import CONTRACT_TRANSITIONS
from ..documents import AchievementReplica, Auction, Contract, Listing
from . import ip_rights
from .common import acting_org, invalid_if

SUBMITTED = "transactions.contract.submitted.v1"
RETURNED = "transactions.contract.returned.v1"
REGISTERED = "transactions.contract.registered.v1"
EVENT_FIELDS = ("contract_type", "contract_amount", "technology_transaction_amount", "seller_organization_id",
                "buyer_organization_id", "region_code", "listing_id", "auction_id", "achievement_id", "ip_right_ids",
                "transfer_mode", "licence_kind")


def submit(uow, body, principal, at):
    """A party (seller or buyer organization, or an admin) submits a contract (``ContractIn``) for registration
    (认定登记申请)."""
    fields = _fields(uow, body, principal)
    contract = Contract(id=uuid.uuid4().hex, status="submitted", submitted_at=at, submitted_by=principal.sub,
                        submitted_by_organization_id=acting_org(principal), **fields)
    uow.insert(contract)
    uow.emit(SUBMITTED, _submitted_data(contract, False), subject=contract.id)
    return contract


def resubmit(uow, contract_id, body, principal, at):
    """After a return, a party corrects and resubmits the contract; the review starts again."""
    contract = uow.get(Contract, contract_id)
    if not auth.acts_for(principal, contract.seller_organization_id, contract.buyer_organization_id):
        raise NotFound("no such contract")
    status = contracts.transition(CONTRACT_TRANSITIONS, "resubmit", contract.status)
    for name, value in _fields(uow, body, principal).items():
        setattr(contract, name, value)
    contract.status, contract.submitted_at, contract.submitted_by = status, at, principal.sub
    uow.replace(contract)
    uow.emit(SUBMITTED, _submitted_data(contract, True), subject=contract.id)
    return contract


def return_contract(uow, contract_id, reasons, principal, at):
    """The registration body returns a submitted contract with ``reasons``."""
    contract = _for_review(uow, contract_id, principal)
    contract.status = contracts.transition(CONTRACT_TRANSITIONS, "return", contract.status)
    contract.return_reasons = reasons
    uow.replace(contract)
    uow.emit(RETURNED, {"contract_id": contract.id, "seller_organization_id": contract.seller_organization_id,
                        "region_code": contract.region_code, "reasons": reasons, "returned_at": at},
             subject=contract.id)
    return contract


def register(uow, contract_id, principal, at):
    """The registration body registers a submitted contract: the next number of its region and year, drawn
    after every check and outside the transaction (``next_serial``: a number is skipped when the transaction
    does not commit)."""
    contract = _for_review(uow, contract_id, principal)
    contract.status = contracts.transition(CONTRACT_TRANSITIONS, "register", contract.status)
    year = clock.china_date(at).year  # the registration date's year, in China
    serial = next_serial(uow.db, contracts.registration_counter(contract.region_code, year))
    contract.registration_number = contracts.registration_number(contract.region_code, year, serial)
    contract.registered_at, contract.registered_by, contract.return_reasons = at, principal.sub, []
    uow.replace(contract)
    uow.emit(REGISTERED, {
        "contract_id": contract.id, "registration_number": contract.registration_number, "registered_at": at,
        "effective_date": clock.china_date(at), "broker_person_ids": list(contract.broker_person_ids), "programme": contract.programme,
        **{k: contract[k] for k in EVENT_FIELDS}}, subject=contract.id)
    return contract


def visible_to(principal, contract):
    """Whether ``principal`` may read ``contract``: its parties, the registration body of its region, admins."""
    if principal.role == auth.Roles.ADMIN:
        return True
    if principal.role == auth.Roles.INSTITUTION:
        return principal.org in (contract.seller_organization_id, contract.buyer_organization_id)
    if principal.role == auth.Roles.REGISTRAR:
        return regions.covers(principal.region, contract.region_code)
    return False


def turnover(repo, region=None):
    """The registered turnover of ``region`` (None or the province: every division): contracts, contract amount
    and technology transaction amount, exact."""
    count, amount, technology = 0, Decimal(0), Decimal(0)
    for doc in repo.collection(Contract).find({"status": "registered", **regions.query(region)},
                                              {"contract_amount": 1, "technology_transaction_amount": 1}):
        count += 1
        amount += Decimal(doc["contract_amount"])
        technology += Decimal(doc["technology_transaction_amount"])
    return {"region_code": region or regions.PROVINCE, "contracts": count, "contract_amount": round_fen(amount),
            "technology_transaction_amount": round_fen(technology)}


def _submitted_data(contract, resubmission):
    return {"contract_id": contract.id, "resubmission": resubmission, "submitted_at": contract.submitted_at,
            **{k: contract[k] for k in EVENT_FIELDS}}


def _for_review(uow, contract_id, principal):
    """The contract, read in the transaction; a registrar reviews only those of their region (admins all)."""
    contract = uow.get(Contract, contract_id)
    auth.require_region(principal, contract.region_code, auth.Roles.REGISTRAR)
    return contract


def _fields(uow, body, principal):
    """The contract's fields from ``body``, its origin checked against the market's records; the caller's
    organization is the seller or the buyer (the buyer may come from the auction)."""
    listing_id, achievement_id, buyer = body.listing_id, body.achievement_id, body.buyer_organization_id
    sold = bool(body.auction_id)  # checked by from_auction: only a sold auction is accepted
    listing = None
    if body.auction_id:
        listing_id, buyer = contracts.from_auction(body, uow.find_one(Auction, {"_id": body.auction_id}))
    if listing_id:
        listing = uow.find_one(Listing, {"_id": listing_id})
        achievement_id = contracts.from_listing(body, listing, achievement_id)
        sold = sold or listing.close_reason == "sold"
    programme = None
    if achievement_id:
        replica = uow.find_one(AchievementReplica, {"_id": achievement_id})
        contracts.check_achievement(replica, sold)
        programme = replica.programme
    invalid_if(contracts.check_parties(body.seller_organization_id, buyer, body.buyer_name))
    if not auth.acts_for(principal, body.seller_organization_id, buyer):
        raise NotAllowed("only a party to the contract may submit it", field="seller_organization_id",
                         detail="the caller's organization is not a party")
    rights, problem = contracts.ip_rights_of(body.contract_type, listing, body.ip_right_ids, body.transfer_mode)
    invalid_if(problem)
    ip_right_ids, transfer_mode = rights
    licence_kind, problem = contracts.licence_kind_of(listing, transfer_mode, body.licence_kind)
    invalid_if(problem)
    listings.check_ip_rights(ip_right_ids, ip_rights.replicas(uow, ip_right_ids), body.seller_organization_id)
    return {**body.model_dump(exclude={"listing_id", "auction_id", "achievement_id", "buyer_organization_id",
                                       "ip_right_ids", "transfer_mode", "licence_kind"}),
            "listing_id": listing_id, "auction_id": body.auction_id, "achievement_id": achievement_id,
            "programme": programme, "buyer_organization_id": buyer, "ip_right_ids": ip_right_ids,
            "transfer_mode": transfer_mode, "licence_kind": licence_kind}
