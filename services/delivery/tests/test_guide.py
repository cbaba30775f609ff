"""The subscriber guide's webhook check (docs/subscribers, both languages) accepts what the platform signs and refuses
a forgery, a tampered body and a stale replay."""
import re
import time
from pathlib import Path

import pytest

from delivery import messages

GUIDES = [Path(__file__).resolve().parents[3] / "docs" / "subscribers" / name
          for name in ("README.md", "README.zh-CN.md")]
ATTRIBUTES = {"specversion": "1.0", "id": "e-1", "source": "/ttp/registry", "type": "cn.gov.sc.ttp.registry.x.y.v1",
              "subject": "org-1", "datacontenttype": "application/json"}


def guide_verify(guide):
    block = next(b for b in re.findall(r"```python\n(.*?)```", guide.read_text(encoding="utf-8"), re.S)
                 if "def verify_webhook" in b)
    namespace = {}
    exec(compile(block, str(guide), "exec"), namespace)
    return namespace["verify_webhook"]


@pytest.mark.parametrize("guide", GUIDES, ids=["en", "zh-CN"])
def test_the_guides_check_accepts_the_platforms_signature_and_refuses_forgeries(guide):
    verify = guide_verify(guide)
    secret = "whsec_guide"
    headers, body = messages.request(ATTRIBUTES, '{"region_code": "510100"}', "binary", secret, time.time(), "d-1")
    lower = {k.lower(): v for k, v in headers.items()}
    verify(secret, lower, body)
    for secret_, headers_, body_ in ((secret, lower, body.replace(b"510100", b"510300")),
                                     ("whsec_other", lower, body),
                                     (secret, {**lower, "ttp-webhook-signature": "v1=" + "0" * 64}, body)):
        with pytest.raises(ValueError):
            verify(secret_, headers_, body_)
    stale_headers, stale_body = messages.request(ATTRIBUTES, "{}", "binary", secret, time.time() - 600, "d-2")
    with pytest.raises(ValueError):
        verify(secret, {k.lower(): v for k, v in stale_headers.items()}, stale_body)
