"""History counts where it belongs (issue 18): the sample ledger of 2016-2020 technology contracts
(examples/history/contracts.csv) imported twice through ``ttp-transactions-import`` into a real transactions
service (`nameko run`) counts once, in its own years, in the 2016-2020 plan of a real metrics service, and not at
all in a plan that starts in 2021 (a test plan: no successor has been published)."""
import csv
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
import requests

from ttp_common.paths import REPO_ROOT
from ttp_testing import nameko_run, tokens, wait_for
from ttp_testing.plans import plans_dir

pytestmark = pytest.mark.integration

SAMPLE = REPO_ROOT / "examples" / "history" / "contracts.csv"
LATER = "test-2021-2025"


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    env = {"METRICS_PLANS_DIR": str(plans_dir((LATER, "2021-01-01", "2025-12-31")))}
    with nameko_run(("transactions", "metrics"), tmp_path_factory.mktemp("history-logs"), env=env) as running:
        yield running.urls


def target(urls, plan, key):
    body = requests.get(f"{urls['metrics']}/api/v1/progress", params={"plan": plan}, timeout=5).json()
    return next(t for t in body["targets"] if t["key"] == key)


def test_the_sample_ledger_imported_twice_counts_once_in_its_own_years(platform, tmp_path):
    rows = list(csv.DictReader(open(SAMPLE, encoding="utf-8-sig")))
    total = sum(Decimal(r["技术交易额"]) for r in rows)
    token = tokens.admin("history-admin")
    command = [str(Path(sys.executable).parent / "ttp-transactions-import"), str(SAMPLE),
               "--url", platform["transactions"], "--token", token]
    first = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert first.returncode == 0, first.stdout + first.stderr
    assert first.stdout.strip() == f"created {len(rows)}, already there 0, rejected 0"
    wait_for(lambda: Decimal(target(platform, "sichuan-2016-2020", "contract_turnover_yuan")["value"]) == total,
             timeout=30, message=f"the 2016-2020 plan to count {total}")

    second = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert second.stdout.strip() == f"created 0, already there {len(rows)}, rejected 0", second.stderr
    turnover = target(platform, "sichuan-2016-2020", "contract_turnover_yuan")
    assert Decimal(turnover["value"]) == total  # once
    years = {b["year"]: Decimal(b["value"]) for b in turnover["breakdowns"]["year"]}
    assert years == {2016: Decimal("3200000.00"), 2017: Decimal("8800000.00"), 2018: Decimal("2300000.00"),
                     2019: Decimal("450000.00"), 2020: Decimal("120000.00")}
    assert Decimal(target(platform, LATER, "contract_turnover_yuan")["value"]) == 0
    registered = requests.get(f"{platform['transactions']}/api/v1/turnover", timeout=5).json()
    assert (registered["contracts"], Decimal(registered["technology_transaction_amount"])) == (len(rows), total)
