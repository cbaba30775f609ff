"""docs/openapi/<service>.json: the five services' OpenAPI documents in one place, up to date."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SERVICES = ("registry", "transactions", "finance", "talent", "metrics")


def test_collected_documents_match_the_services():
    result = subprocess.run([sys.executable, str(REPO / "scripts" / "collect_openapi.py"), "--check"],
                            capture_output=True, text=True, timeout=120, cwd=REPO)
    assert result.returncode == 0, result.stderr[-2000:]


@pytest.mark.parametrize("service", SERVICES)
def test_each_document_is_openapi_3_with_the_platform_endpoints(service):
    spec = json.loads((REPO / "docs" / "openapi" / f"{service}.json").read_text(encoding="utf-8"))
    assert spec["openapi"].startswith("3.") and spec["info"]["title"] and spec["info"]["version"]
    assert {"/health", "/metrics", "/api/v1/openapi.json"} <= set(spec["paths"])
    assert any(path.startswith("/api/v1/") and path != "/api/v1/openapi.json" for path in spec["paths"])
