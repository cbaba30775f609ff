"""History counts where it belongs (issue 18): each sample of examples/history/ — the 2016-2020 technology contracts
(``ttp-transactions-import``), approved transformation projects (``ttp-finance-import``), accreditations
(``ttp-registry-import-accreditations``) and registered achievements (``ttp-registry-import``) — imported twice into
real services (`nameko run`) counts once, in its own years, in the 2016-2020 plan of a real metrics service, and
not at all in a plan that starts in 2021 (a test plan: no successor has been published). The samples' bad rows
(documented in examples/history/README.md) are rejected with their row numbers and fields."""
import csv
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
import requests

from ttp_common.paths import REPO_ROOT
from ttp_common.reference import SICHUAN_REGIONS
from ttp_testing import nameko_run, tokens, wait_for
from ttp_testing.plans import plans_dir

pytestmark = pytest.mark.integration

SAMPLES = REPO_ROOT / "examples" / "history"
SAMPLE = SAMPLES / "contracts.csv"
LATER = "test-2021-2025"


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    env = {"METRICS_PLANS_DIR": str(plans_dir((LATER, "2021-01-01", "2025-12-31")))}
    with nameko_run(("registry", "transactions", "finance", "metrics"), tmp_path_factory.mktemp("history-logs"),
                    env=env) as running:
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


def imported(platform, command, sample, url, tmp_path):
    """``command`` run twice on a copy of ``sample`` (its rejection report stays out of the repository): the two
    summaries and the rejected rows ``{row: reasons}`` of the first run."""
    copy = tmp_path / sample.name
    shutil.copy(SAMPLES / sample.name, copy)
    args = [str(Path(sys.executable).parent / command), str(copy), "--url", url, "--token", tokens.admin("history")]
    runs = [subprocess.run(args, capture_output=True, text=True, timeout=120, cwd=tmp_path) for _ in range(2)]
    for run in runs:
        assert run.returncode == 1, run.stdout + run.stderr  # the documented bad rows
    rejected = {int(r["row"]): r["reasons"] for r in csv.DictReader(open(f"{copy}.rejected.csv", encoding="utf-8-sig"))}
    return [run.stdout.split(" (see ")[0].strip() for run in runs], rejected


def years(entry):
    return {b["year"]: int(Decimal(b["value"])) for b in entry["breakdowns"]["year"] if Decimal(b["value"])}


def test_approved_projects_imported_twice_count_once_in_their_own_years(platform, tmp_path):
    summaries, rejected = imported(platform, "ttp-finance-import", SAMPLES / "transformation-projects.csv",
                                   platform["finance"], tmp_path)
    assert summaries == ["created 12, already there 0, rejected 2", "created 0, already there 12, rejected 2"]
    assert set(rejected) == {14, 15}
    assert "project_number: serial 0000" in rejected[14] and "approved_on" in rejected[15]
    wait_for(lambda: target(platform, "sichuan-2016-2020", "transformation_projects")["value"] == "12",
             timeout=30, message="the 2016-2020 plan to count 12 projects")
    projects = target(platform, "sichuan-2016-2020", "transformation_projects")
    assert years(projects) == {2016: 2, 2017: 3, 2018: 2, 2019: 3, 2020: 2}
    assert target(platform, "sichuan-2016-2020", "major_transformation_projects")["value"] == "7"
    assert target(platform, LATER, "transformation_projects")["value"] == "0"


def test_accreditations_imported_twice_count_once_from_their_dates_until_revoked(platform, tmp_path):
    admin = tokens.admin("history-admin")
    for row in csv.DictReader(open(SAMPLES / "accreditations.csv", encoding="utf-8-sig")):
        code = row["统一社会信用代码"]
        if code.endswith("999997"):  # the documented unknown organization
            continue
        body = {"name": row["技术转移机构"] or f"技术转移服务机构{code[-6:]}", "credit_code": code,
                "kind": "university" if row["技术转移机构"] else "service_institution", "region_code": code[2:8]}
        assert body["region_code"] in SICHUAN_REGIONS
        response = requests.post(f"{platform['registry']}/api/v1/organizations", json=body, timeout=10,
                                 headers={"Authorization": f"Bearer {admin}"})
        assert response.status_code in (201, 409), response.text  # a university of several units: once
    summaries, rejected = imported(platform, "ttp-registry-import-accreditations", SAMPLES / "accreditations.csv",
                                   platform["registry"], tmp_path)
    assert summaries == ["created 9, already there 0, rejected 2", "created 0, already there 9, rejected 2"]
    assert set(rejected) == {11, 12}
    assert "basis: must carry the accreditation year 2018" in rejected[11] and "credit_code" in rejected[12]
    wait_for(lambda: years(target(platform, "sichuan-2016-2020", "service_institutions")) ==
             {2016: 3, 2017: 2, 2019: 1}, timeout=30, message="the 2016-2020 plan to count the accreditations")
    assert target(platform, "sichuan-2016-2020", "service_institutions")["value"] == "6"  # 9 accredited, 3 revoked
    assert target(platform, LATER, "service_institutions")["value"] == "0"


def test_registered_achievements_imported_twice_count_once_in_their_own_years(platform, tmp_path):
    summaries, rejected = imported(platform, "ttp-registry-import", SAMPLES / "achievements.csv",
                                   platform["registry"], tmp_path)
    assert summaries == ["created 8, already there 0, rejected 2", "created 0, already there 8, rejected 2"]
    assert set(rejected) == {10, 11}
    assert "registration year 2019" in rejected[10] and "digit 8 must be 1" in rejected[11]

    def registered(plan):
        body = requests.get(f"{platform['metrics']}/api/v1/progress", params={"plan": plan}, timeout=5).json()
        return next(i for i in body["indicators"] if i["key"] == "achievements_registered")

    wait_for(lambda: registered("sichuan-2016-2020")["value"] == "8", timeout=30,
             message="the 2016-2020 plan to count 8 registered achievements")
    indicator = registered("sichuan-2016-2020")
    assert years(indicator) == {2016: 1, 2017: 2, 2018: 1, 2019: 2, 2020: 2}
    assert registered(LATER)["value"] == "0"
