"""The technology-contract registration certificate (技术合同登记证明) as PDF: its Chinese text read back with pypdf
states the number, the parties and both amounts; only the parties, the region's registration body and admins get
it, and only once the contract is registered."""
import datetime as dt
import io
from decimal import Decimal

import pypdf
import pytest

from transactions import certificates
from transactions.documents import Contract
from ttp_testing import assert_error

PATH = "/api/v1/contracts"
SELLER, BUYER = "org-cert-seller", "org-cert-buyer"


def text_of(pdf):
    return "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def test_the_certificate_states_the_number_parties_and_both_amounts():
    contract = Contract(id="c1", status="registered", contract_type="transfer", title="高温合金叶片铸造技术转让",
                        contract_amount=Decimal("3500000.00"), technology_transaction_amount=Decimal("2800000.50"),
                        seller_organization_id=SELLER, buyer_name="德阳东方汽轮机配件有限公司", region_code="510681",
                        registration_number="5106002026000007", submitted_by="x", submitted_at=dt.datetime.now(),
                        registered_at=dt.datetime(2026, 12, 2, 17, 0, tzinfo=dt.timezone.utc))
    text = text_of(certificates.certificate(contract))
    for expected in ("技术合同登记证明", "登记编号：5106002026000007", "技术转让", SELLER, "德阳东方汽轮机配件有限公司",
                     "合同金额", "3,500,000.00 元", "技术交易额", "2,800,000.50 元", "广汉市", "德阳市技术合同登记机构",
                     "2026年12月3日"):  # 17:00 UTC on 2 December is 3 December in China
        assert expected in text, expected


def test_there_is_no_certificate_before_registration():
    with pytest.raises(certificates.TransitionRefused):
        certificates.check_registered("submitted")


@pytest.mark.integration
def test_parties_and_the_registration_body_download_the_certificate_and_others_do_not(api):
    body = {"contract_type": "licence", "title": "石墨烯导热膜技术许可", "contract_amount": "1200000.50",
            "technology_transaction_amount": "1000000.25", "seller_organization_id": SELLER,
            "buyer_organization_id": BUYER, "buyer_name": "绵阳新材料科技有限公司", "region_code": "510700"}
    created = api.post(PATH, body, token=api.institution(SELLER))
    assert created.status_code == 201, created.text
    path = f"{PATH}/{created.json()['id']}/certificate"
    assert_error(api.get(path, token=api.institution(SELLER)), 409, "not_registered")

    registrar = api.token("registrar", region="510700")
    number = api.post(f"{PATH}/{created.json()['id']}/register", token=registrar).json()["registration_number"]
    for token in (api.institution(SELLER), api.institution(BUYER), registrar, api.token("registrar", region="510000"),
                  api.token("admin")):
        response = api.get(path, token=token)
        assert response.status_code == 200, response.text
        assert response.headers["Content-Type"] == "application/pdf"
        assert f'filename="contract-certificate-{number}.pdf"' in response.headers["Content-Disposition"]
        text = text_of(response.content)
        for expected in (f"登记编号：{number}", SELLER, BUYER, "绵阳新材料科技有限公司", "技术许可", "1,200,000.50 元",
                         "1,000,000.25 元", "绵阳市技术合同登记机构"):
            assert expected in text, expected

    assert_error(api.get(path, token=api.institution("org-stranger")), 404, "not_found")
    assert_error(api.get(path, token=api.token("registrar", region="510100")), 404, "not_found")  # another region's
    assert_error(api.get(path, token=api.token("reviewer", region="510700")), 403, "forbidden")
    assert_error(api.get(path), 401, "unauthenticated")
    assert_error(api.get(f"{PATH}/no-such-contract/certificate", token=api.token("admin")), 404, "not_found")
