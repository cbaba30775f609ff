"""The subscriber guide's code does what it says, on payloads made by the platform's own codec."""
import re
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from ttp_common.events import codec

REPO = Path(__file__).resolve().parents[2]
GUIDES = [REPO / "docs" / "subscribers" / "README.md", REPO / "docs" / "subscribers" / "README.zh-CN.md"]


def python_block(guide):
    return re.search(r"```python\n(.*?)```", guide.read_text(encoding="utf-8"), re.S).group(1)


@pytest.mark.parametrize("guide", GUIDES, ids=["en", "zh-CN"])
def test_the_guide_python_decoder_reads_a_real_payload(guide, monkeypatch):
    monkeypatch.chdir(REPO)
    namespace = {}
    exec(compile(python_block(guide), str(guide), "exec"), namespace)
    when = datetime(2026, 11, 27, 8, 0, tzinfo=timezone.utc)
    payload = codec().encode("registry.organization.accredited.v1",
                             {"organization_id": "org-1", "region_code": "510100", "accredited_at": when,
                              "basis": "川科认〔2026〕1号", "effective_date": when.date()})
    assert namespace["decode"](payload) == {"organization_id": "org-1", "region_code": "510100",
                                            "accredited_at": when, "basis": "川科认〔2026〕1号",
                                            "effective_date": when.date(), "unit": None,  # r3's optional unit
                                            "imported": False}  # r4: loaded from an earlier system's records


@pytest.mark.parametrize("guide", GUIDES, ids=["en", "zh-CN"])
def test_the_options_the_guide_names_exist(guide):
    usage = subprocess.run([sys.executable, str(REPO / "examples/subscriber/consume.py"), "--help"],
                           capture_output=True, text=True, check=True).stdout
    for option in set(re.findall(r"`(--[a-z-]+)", guide.read_text(encoding="utf-8"))):
        assert option in usage, option
    for path in re.findall(r"\]\((\.\./[^)#]+)\)", guide.read_text(encoding="utf-8")):
        assert (guide.parent / path).exists(), path
