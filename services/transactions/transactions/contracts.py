"""Technology contracts and their recognition and registration (技术合同认定登记): what a submission must hold,
where it may come from, the review's state machine and the registration number. Free of brokers and databases.

A party submits a contract (``ContractIn``); its origin, when named, must be a sale the market made (a sold
auction, a listing of the seller, an achievement the registry published); the registration body of its region
returns it with reasons (``ReturnIn``) or registers it: ``submitted → registered | returned``, ``returned →
submitted`` (``CONTRACT_TRANSITIONS``). A registered contract gets a 16-digit number, region + year + serial
(``registration_number``); the serial counts up per region and year (``registration_counter``) and is drawn
with ``ttp_common.mongo.next_serial`` after every check, outside the review's transaction.
"""
from typing import Annotated, Literal

from pydantic import Field, field_validator

from ttp_common.models import StrictModel
from ttp_common.money import Money
from ttp_common.refusals import Invalid

from . import states
from .fields import Id, Region
from .listings import IP_RIGHTS_AT_MOST, LICENCE_KINDS, TRANSFER_MODES, check_licence_kind

CONTRACT_TYPES = {
    "development": "技术开发",
    "transfer": "技术转让",
    "licence": "技术许可",
    "consulting": "技术咨询",
    "service": "技术服务",
}
TRANSFER_MODE_OF_TYPE = {"transfer": "assignment", "licence": "licence"}  # the IP rights' passage a type implies
CONTRACT_STATUSES = ("submitted", "returned", "registered", "cancelled")
CONTRACT_TRANSITIONS = {  # action: (allowed from, to)
    "register": ({"submitted"}, "registered"),
    "return": ({"submitted"}, "returned"),
    "resubmit": ({"returned"}, "submitted"),
}
transition = states.transition


def not_above_contract_amount(cls, value, info):
    """A validator of ``technology_transaction_amount`` (a field validator, so that a 400 names the field): at most
    the contract amount."""
    contract_amount = info.data.get("contract_amount")  # absent when it was itself invalid
    if contract_amount is not None and value > contract_amount:
        raise ValueError("technology_transaction_amount must not exceed contract_amount")
    return value


class ContractIn(StrictModel):
    """A technology contract submitted for recognition and registration by one of its parties."""

    contract_type: Literal[tuple(CONTRACT_TYPES)] = Field(description="合同类型")
    title: str = Field(default="", max_length=200, description="合同名称")
    contract_amount: Money = Field(description="合同金额 (元)")
    technology_transaction_amount: Money = Field(description="技术交易额 (元), at most the contract amount")
    seller_organization_id: Id = Field(description="卖方机构")
    buyer_organization_id: Id | None = Field(default=None, description="买方机构, when known to the platform "
                                                                       "(not the seller; taken from auction_id)")
    buyer_name: str = Field(default="", max_length=200, description="买方名称: required without a buyer "
                                                                    "organization")
    region_code: Region = Field(description="登记地: the seller's division (GB/T 2260)")
    listing_id: Id | None = Field(default=None, description="挂牌 the contract came from")
    auction_id: Id | None = Field(default=None, description="竞价拍卖 the contract came from")
    achievement_id: Id | None = Field(default=None, description="科技成果 the contract is about")
    broker_person_ids: list[Id] = Field(default=[], max_length=20, description="技术经纪人 (talent person ids)")
    ip_right_ids: list[Id] = Field(default=[], max_length=IP_RIGHTS_AT_MOST,
                                   description="The registry's IP rights (知识产权) the contract transfers or licenses, "
                                               "held by the seller (from listing_id: the listing's, by default)")
    transfer_mode: Literal[tuple(TRANSFER_MODES)] | None = Field(
        default=None, description="How the IP rights pass: assignment 转让 · licence 许可 (default: the listing's, "
                                  "or the one a transfer or licence contract implies)")
    licence_kind: Literal[tuple(LICENCE_KINDS)] | None = Field(
        default=None, description="The licence's kind when the IP rights are licensed (required then, refused "
                                  "otherwise; from listing_id: the listing's): exclusive 独占许可 · sole 排他许可 · "
                                  "non_exclusive 普通许可")

    # Field validators (not a model validator) so that a 400 names the offending field.
    _not_above_contract_amount = field_validator("technology_transaction_amount")(not_above_contract_amount)

    @field_validator("broker_person_ids")
    @classmethod
    def _distinct(cls, value):
        if len(set(value)) != len(value):
            raise ValueError("broker ids must be distinct")
        return value

    @field_validator("ip_right_ids")
    @classmethod
    def _distinct_rights(cls, value):
        if len(set(value)) != len(value):
            raise ValueError("names an IP right twice")
        return value


class ReturnIn(StrictModel):
    reasons: list[Annotated[str, Field(min_length=1, max_length=500)]] = Field(min_length=1, max_length=20)


# -- where a contract comes from -------------------------------------------------------------

def from_auction(body, auction):
    """(listing id, buyer) of a contract naming ``auction`` (None when there is none): a sold auction of the
    contract's seller; its winner is the buyer and its listing the one named, if any."""
    if auction is None or auction.status != "sold":
        raise Invalid("not a sold auction", field="auction_id")
    if auction.seller_organization_id != body.seller_organization_id:
        raise Invalid("not the auction's seller", field="seller_organization_id")
    if body.buyer_organization_id not in (None, auction.leader_organization_id):
        raise Invalid("not the auction's winner", field="buyer_organization_id")
    if body.listing_id not in (None, auction.listing_id):
        raise Invalid("not the auctioned listing", field="listing_id")
    return auction.listing_id, auction.leader_organization_id


def from_listing(body, listing, achievement_id):
    """The achievement of a contract naming ``listing`` (None when there is none): a listing of the contract's
    seller, of the achievement named, if any."""
    if listing is None:
        raise Invalid("no such listing", field="listing_id")
    if listing.seller_organization_id != body.seller_organization_id:
        raise Invalid("not the listing's seller", field="seller_organization_id")
    if achievement_id not in (None, listing.achievement_id):
        raise Invalid("not the listed achievement", field="achievement_id")
    return listing.achievement_id


def check_achievement(replica, sold):
    """The achievement a contract is about is published at the registry, unless the contract names a sale made
    before the registry withdrew it (``sold``: a sold auction or a listing closed as sold)."""
    if replica is None or (replica.status != "published" and not sold):
        raise Invalid("not an achievement the registry has published", field="achievement_id")


def ip_rights_of(contract_type, listing, ip_right_ids, transfer_mode):
    """(IP right ids, transfer mode) a contract transfers, or the problem (field, message). From an IP listing
    (``listing``, None without one) it carries the listing's rights (those named must be among them) and its
    transfer mode; otherwise the rights named, passing by ``transfer_mode`` or by the one a transfer (assignment)
    or licence (licence) contract implies, required for the other types. A transfer contract cannot merely
    license them, nor a licence contract assign them."""
    listed = list(listing.ip_right_ids or ()) if listing is not None else []
    if listed:
        outside = [i for i, right in enumerate(ip_right_ids) if right not in listed]
        if outside:
            return None, (f"ip_right_ids.{outside[0]}", "not an IP right of the listing (listing_id)")
        if transfer_mode not in (None, listing.transfer_mode):
            return None, ("transfer_mode", f"the listing passes its IP rights by {listing.transfer_mode}")
        ip_right_ids, transfer_mode = list(ip_right_ids) or listed, listing.transfer_mode
    if not ip_right_ids:
        return (([], None), None) if transfer_mode is None else (
            None, ("transfer_mode", "names no IP right (ip_right_ids)"))
    implied = TRANSFER_MODE_OF_TYPE.get(contract_type)
    if transfer_mode is not None and implied is not None and transfer_mode != implied:
        return None, ("transfer_mode", f"a {contract_type} contract passes its IP rights by {implied}")
    transfer_mode = transfer_mode or implied
    if transfer_mode is None:
        return None, ("transfer_mode", f"required: how a {contract_type} contract passes its IP rights")
    return (list(ip_right_ids), transfer_mode), None


def licence_kind_of(listing, transfer_mode, licence_kind):
    """The licence's kind of a contract passing its IP rights by ``transfer_mode``, or the problem (field,
    message): an IP licence listing's (one named must be it), else the one named; required for a licence,
    refused otherwise (``listings.check_licence_kind``)."""
    listed = getattr(listing, "licence_kind", None) if listing is not None else None
    if listed is not None and transfer_mode == "licence":
        if licence_kind not in (None, listed):
            return None, ("licence_kind", f"the listing licenses its IP rights as {listed}")
        licence_kind = listed
    problem = check_licence_kind(transfer_mode, licence_kind)
    return (None, problem) if problem else (licence_kind, None)


def check_parties(seller_organization_id, buyer_organization_id, buyer_name):
    """The contract's parties are acceptable (None) or not (field, message): a buyer is named
    (an organization of the platform or by name) and it is not the seller."""
    if not buyer_organization_id and not buyer_name:
        return "buyer_organization_id", "a contract needs a buyer: give buyer_organization_id or buyer_name"
    if buyer_organization_id == seller_organization_id:
        return "buyer_organization_id", "the buyer must not be the seller"
    return None


# -- registration (认定登记) ------------------------------------------------------------------

def registration_counter(region_code, year):
    """The serial counter (``ttp_common.mongo.next_serial``) of a region's registrations in ``year``."""
    return f"contract|{region_code}|{year}"


def registration_number(region_code, year, serial):
    """16 digits: region (6) + year (4) + serial (6), as on form JJ-001 registrations."""
    if not 1 <= serial <= 999_999:  # a 7-digit serial would silently make a 17-digit number
        raise ValueError(f"serial {serial} does not fit the 6 digits of a registration number")
    return f"{region_code}{year:04d}{serial:06d}"
