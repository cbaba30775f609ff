"""The technology-contract registration certificate (技术合同登记证明): when a contract has one and what it states.
A registered contract has one, stating both the contract amount and the technology transaction amount (技术交易额),
the figure tax relief is granted on; its parties, the registration body of its region and admins download it
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


def certificate(contract):
    """The certificate's PDF. Parties print as the platform knows them: the seller's organization id, the buyer's
    name and organization id."""
    registered_on = clock.china_date(contract.registered_at)
    buyer = [part for part in (contract.buyer_name, contract.buyer_organization_id) if part]
    rows = [
        ("合同名称", contract.title),
        ("合同类型", label("contract_types", contract.contract_type)),
        ("卖方（登记方）", contract.seller_organization_id),
        ("买方", buyer),
        ("合同金额", certificates.yuan(contract.contract_amount)),
        ("技术交易额", certificates.yuan(contract.technology_transaction_amount)),
        ("登记地", SICHUAN_DIVISIONS.get(contract.region_code, contract.region_code)),
        ("登记日期", certificates.chinese_date(registered_on)),
    ]
    return certificates.render("技术合同登记证明", "登记编号", contract.registration_number, rows,
                               issuer(contract.region_code), registered_on)
