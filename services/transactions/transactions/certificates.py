"""The technology-contract registration certificate (技术合同登记证明): when a contract has one and what it states.
A registered contract has one, stating both the contract amount and the technology transaction amount (技术交易额),
the figure tax relief is granted on, and the parties; its parties, the registration body of its region and admins download it
(``handlers.contracts.visible_to``; anyone else: 404). The PDF is drawn by ``ttp_common.certificates``."""
from ttp_common import certificates, clock
from ttp_common.labels import label
from ttp_common.reference import SICHUAN_DIVISIONS, prefecture_of
from ttp_common.refusals import TransitionRefused


def check_registered(status):
    if status != "registered":
        raise TransitionRefused(f"a contract that is {status} has no registration certificate (only once registered)",
                                code="not_registered")


def issuer(region_code):
    """The registration body of the contract's region (登记机构: the seller's prefecture)."""
    return f"{label('regions', prefecture_of(region_code) or region_code)}技术合同登记机构"


def certificate(contract, organization_names, ip_rights=()):
    """The certificate's PDF. A party prints by its registered name (``organization_names``: id → name, from the
    registry), else by its organization id; the buyer also by the name the contract gives. The IP rights it
    transfers (``ip_rights``: (kind, number) from the replica, in the contract's order) print by kind and number,
    with how they pass (a licence by its kind: 独占, 排他 or 普通许可)."""
    registered_on = clock.china_date(contract.registered_at)
    seller = organization_names.get(contract.seller_organization_id, contract.seller_organization_id)
    buyer_org = contract.buyer_organization_id
    buyer = list(dict.fromkeys(part for part in (organization_names.get(buyer_org, buyer_org), contract.buyer_name)
                               if part))
    rows = [
        ("合同名称", contract.title),
        ("合同类型", label("contract_types", contract.contract_type)),
        ("卖方（登记方）", seller),
        ("买方", buyer),
        ("合同金额", certificates.yuan(contract.contract_amount)),
        ("技术交易额", certificates.yuan(contract.technology_transaction_amount)),
        *([("知识产权", [f"{label('ip_kinds', kind)} {number}" for kind, number in ip_rights]),
           ("知识产权转移方式", label("licence_kinds", contract.licence_kind) if contract.licence_kind
            else label("transfer_modes", contract.transfer_mode))] if ip_rights else []),
        ("登记地", SICHUAN_DIVISIONS.get(contract.region_code, contract.region_code)),
        ("登记日期", certificates.chinese_date(registered_on)),
    ]
    return certificates.render("技术合同登记证明", "登记编号", contract.registration_number, rows,
                               issuer(contract.region_code), registered_on)
