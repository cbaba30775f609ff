"""An institution's technology contract form (技术合同认定登记, the JJ-001 fields of the transactions API): what
the form's fields become in the contract sent, a form prefilled from a listing or an auction the organization won,
and the API's field errors put back beside the fields in Chinese. The transactions API decides what is valid (the
parties, the origin, the amounts); this only translates between the form and the API."""
import re

from ttp_common import labels

from . import drafts

FIELDS = tuple(labels.CONTRACT_FORM)
_OPTIONAL = ("buyer_organization_id", "listing_id", "auction_id", "achievement_id")
_MESSAGES = [
    (re.compile(r"greater than 0\b"), "金额必须大于零"),
    (re.compile(r"must not exceed contract_amount"), "不能超过合同金额"),
    (re.compile(r"decimal places|valid decimal|valid number|Decimal input"), "请填写金额（元，最多两位小数）"),
    (re.compile(r"a contract needs a buyer"), "请填写买方机构编号或买方名称"),
    (re.compile(r"the buyer must not be the seller"), "买方不能是卖方"),
    (re.compile(r"only a party to the contract"), "本单位须是合同的卖方或买方"),
    (re.compile(r"not a sold auction"), "不是已成交的竞价拍卖"),
    (re.compile(r"not the auction's seller|not the listing's seller"), "与拍卖或挂牌的卖方不一致"),
    (re.compile(r"not the auction's winner"), "不是该场拍卖的竞得机构"),
    (re.compile(r"not the auctioned listing|no such listing"), "没有这个挂牌项目，或与拍卖不一致"),
    (re.compile(r"not the listed achievement|not an achievement the registry has published"),
     "不是已公开的科技成果，或与挂牌不一致"),
    (re.compile(r"[Ff]ield required"), "此项必填"),
    (re.compile(r"Input should be"), "请从列表中选择"),
]


def chinese(message):
    """The API's message in Chinese where it is one of the usual ones; else the achievement form's translations,
    else as it came (never dropped)."""
    for pattern, text in _MESSAGES:
        if pattern.search(message or ""):
            return text
    return drafts.chinese(message)


def body_of(form, stored=None):
    """The contract the API is sent: the form's values as typed (optional ids left out when empty); for a
    correction of ``stored``, what the form does not show (its brokers) is kept as it was, not dropped."""
    body = {name: form.get(name, "").strip() for name in FIELDS}
    for name in _OPTIONAL:
        if not body[name]:
            body[name] = None
    if stored and stored.get("broker_person_ids"):
        body["broker_person_ids"] = list(stored["broker_person_ids"])
    return body


def form_of(contract):
    """A stored contract as the form shows it (to correct a returned one)."""
    return {name: "" if contract.get(name) is None else str(contract.get(name)) for name in FIELDS}


def from_auction(auction, organization_id):
    """The form of a contract for an auction ``organization_id`` won: the seller, the price, the origin."""
    return {"contract_type": "transfer", "seller_organization_id": auction.get("seller_organization_id", ""),
            "buyer_organization_id": organization_id, "contract_amount": auction.get("current_price") or "",
            "technology_transaction_amount": auction.get("current_price") or "", "auction_id": auction.get("id", ""),
            "listing_id": auction.get("listing_id", ""), "achievement_id": auction.get("achievement_id", "")}


def from_listing(listing, organization_id):
    """The form of a contract for a listing: its seller, its asking price and achievement; the buyer is the
    organization unless it is the seller itself."""
    seller = listing.get("seller_organization_id", "")
    mode = listing.get("mode")
    return {"contract_type": "licence" if mode == "licence" else "transfer", "seller_organization_id": seller,
            "buyer_organization_id": "" if seller == organization_id else organization_id,
            "contract_amount": listing.get("asking_price") or "", "listing_id": listing.get("id", ""),
            "achievement_id": listing.get("achievement_id", ""), "region_code": listing.get("region_code", "")}


def field_errors(refusal):
    """{form field: Chinese message} of the API's refusal; what fits no field goes under ``""``."""
    errors = {}
    for item in refusal.fields or []:
        field = str(item.get("path", "")).split(".")[0]
        errors.setdefault(field if field in FIELDS else "", chinese(item.get("message", "")))
    if not errors:
        errors[""] = chinese(refusal.message)
    return errors
