"""The technology-contract registration certificate (技术合同登记证明) as PDF: its Chinese text read back with pypdf
states the number, the parties and both amounts; only the parties, the region's registration body and admins get
it, and only once the contract is registered."""
import datetime as dt
import io
import uuid
from decimal import Decimal

import pypdf
import pytest

from transactions import certificates
from transactions.documents import Contract
from ttp_common.reference import uscc_check_character
from ttp_testing import assert_error, metric_sample, service_api_fixture

PATH = "/api/v1/contracts"
ISSUED = "ttp_transactions_certificates_issued_total"
SELLER, BUYER = "org-cert-seller", "org-cert-buyer"

# the registry on the RabbitMQ virtual host of ``rpc_api`` (both are function-scoped on nameko's rabbit_config)
registry_rpc = service_api_fixture("registry", own_vhost=True)


def issued(api, parties_named):
    return metric_sample(api.get("/metrics").text, ISSUED, parties_named=parties_named) or 0


def text_of(pdf):
    return "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def test_the_certificate_states_the_number_parties_and_both_amounts():
    contract = Contract(id="c1", status="registered", contract_type="transfer", title="高温合金叶片铸造技术转让",
                        contract_amount=Decimal("3500000.00"), technology_transaction_amount=Decimal("2800000.50"),
                        seller_organization_id=SELLER, buyer_name="德阳东方汽轮机配件有限公司", region_code="510681",
                        registration_number="5106002026000007", submitted_by="x", submitted_at=dt.datetime.now(),
                        registered_at=dt.datetime(2026, 12, 2, 17, 0, tzinfo=dt.timezone.utc))
    text = text_of(certificates.certificate(contract, {SELLER: "中国科学院成都有机化学有限公司"}))
    for expected in ("技术合同登记证明", "登记编号：5106002026000007", "技术转让", "中国科学院成都有机化学有限公司",
                     "德阳东方汽轮机配件有限公司",
                     "合同金额", "3,500,000.00 元", "技术交易额", "2,800,000.50 元", "广汉市", "德阳市技术合同登记机构",
                     "2026年12月3日"):  # 17:00 UTC on 2 December is 3 December in China
        assert expected in text, expected


def test_a_party_unknown_to_the_registry_prints_by_its_id_and_the_buyer_also_by_its_contract_name():
    contract = Contract(id="c2", status="registered", contract_type="licence", title="", contract_amount=Decimal(1),
                        technology_transaction_amount=Decimal(1), seller_organization_id=SELLER,
                        buyer_organization_id=BUYER, buyer_name="某企业", region_code="510100",
                        registration_number="5101002026000001", submitted_by="x", submitted_at=dt.datetime.now(),
                        registered_at=dt.datetime(2026, 12, 3, tzinfo=dt.timezone.utc))
    text = text_of(certificates.certificate(contract, {BUYER: "成都某企业有限公司"}))
    assert SELLER in text and "成都某企业有限公司" in text and "某企业" in text and BUYER not in text


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


@pytest.mark.integration
def test_the_certificate_names_the_parties_as_the_registry_registered_them(rpc_api, registry_rpc):
    def organization(name, kind):
        first17 = f"91510700MA{uuid.uuid4().int % 10**7:07d}"
        body = {"name": name, "credit_code": first17 + uscc_check_character(first17), "kind": kind,
                "region_code": "510700"}
        response = registry_rpc.post("/api/v1/organizations", body, token=registry_rpc.token("admin"))
        assert response.status_code == 201, response.text
        return response.json()["id"]

    seller, buyer = organization("西南科技大学", "university"), organization("绵阳九洲新材料有限公司", "enterprise")
    body = {"contract_type": "transfer", "title": "特种陶瓷膜制备技术转让", "contract_amount": "800000.00",
            "technology_transaction_amount": "750000.00", "seller_organization_id": seller,
            "buyer_organization_id": buyer, "region_code": "510700"}
    created = rpc_api.post(PATH, body, token=rpc_api.institution(seller))
    assert created.status_code == 201, created.text
    registrar = rpc_api.token("registrar", region="510700")
    number = rpc_api.post(f"{PATH}/{created.json()['id']}/register", token=registrar).json()["registration_number"]
    before = issued(rpc_api, "true")
    response = rpc_api.get(f"{PATH}/{created.json()['id']}/certificate", token=rpc_api.institution(buyer))
    assert response.status_code == 200, response.text
    assert issued(rpc_api, "true") == before + 1
    text = text_of(response.content)
    for expected in (f"登记编号：{number}", "西南科技大学", "绵阳九洲新材料有限公司", "800,000.00 元", "750,000.00 元"):
        assert expected in text, expected
    assert seller not in text and buyer not in text  # by name, not by id


@pytest.mark.integration
def test_while_the_registry_is_not_running_the_certificate_prints_the_parties_by_id(rpc_api):
    body = {"contract_type": "service", "title": "检测技术服务", "contract_amount": "50000.00",
            "technology_transaction_amount": "50000.00", "seller_organization_id": SELLER,
            "buyer_organization_id": BUYER, "region_code": "510700"}
    created = rpc_api.post(PATH, body, token=rpc_api.institution(SELLER))
    registrar = rpc_api.token("registrar", region="510700")
    assert rpc_api.post(f"{PATH}/{created.json()['id']}/register", token=registrar).status_code == 200
    before = issued(rpc_api, "false")
    response = rpc_api.get(f"{PATH}/{created.json()['id']}/certificate", token=registrar)  # no registry on its vhost
    assert response.status_code == 200, response.text
    assert issued(rpc_api, "false") == before + 1
    text = text_of(response.content)
    assert SELLER in text and BUYER in text and "50,000.00 元" in text
