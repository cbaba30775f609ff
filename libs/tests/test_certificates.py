"""Certificates as PDF (ttp_common.certificates): the Chinese text a person reads comes back out of the file."""
import datetime as dt
import io

import pypdf

from ttp_common import certificates


def text_of(pdf):
    return "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def test_a_certificate_carries_its_title_number_rows_and_issuer_in_chinese():
    pdf = certificates.render("科技成果登记证书", "登记号", "507202610001",
                              [("成果名称", "数控机床主轴热误差补偿技术"), ("完成单位", ["四川大学", "成都<精密>&机械厂"]),
                               ("登记日期", None)],
                              "四川省科学技术厅 成果登记机构 507", dt.date(2026, 12, 3))
    assert pdf.startswith(b"%PDF-")
    text = text_of(pdf)
    for expected in ("科技成果登记证书", "登记号：507202610001", "数控机床主轴热误差补偿技术", "四川大学",
                     "成都<精密>&机械厂", "2026年12月3日", "四川省科学技术厅"):
        assert expected in text, expected
    assert pypdf.PdfReader(io.BytesIO(pdf)).metadata.title == "科技成果登记证书 507202610001"
