"""The demo's story through the browser (issue 16, "Tests in a real browser", first bullet), one test against real
identity, registry, transactions, metrics and portal processes: an institution's clerk signs in, drafts an
achievement (a wrong field refused beside it, fixed) and submits it; Chengdu's reviewer signs in, registers and
publishes it; an anonymous visitor finds it by a Chinese keyword; the institution lists it; two other institutions'
clerks bid in its auction and each sees the other's bid appear without a reload; the institution files a contract
and Chengdu's registrar registers it; the home page's turnover figure moves by its 技术交易额 (the metrics service
follows a test plan in force today, ``ttp_testing.plans``: the 2016-2020 plan counts nothing registered now).

The seller's clerk opens the auction on its listing from 本单位挂牌 too (发起竞价拍卖)."""
import time
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from ttp_testing.browser import run_steps
from ttp_testing.plans import plans_dir

from _portal import browser_sign_in as sign_in, running_portal

pytestmark = pytest.mark.integration

STEPS = Path(__file__).with_name("browser_steps.py")
STORY = Path(__file__).with_name("story_steps.py")
TURNOVER = "contract_turnover_yuan"  # 技术合同登记交易额 (技术交易额, cumulative) on the home page


@pytest.fixture(scope="module")
def stack():
    # a contract registered today counts only in a plan whose period holds today: the home page follows one
    with running_portal(env={"METRICS_PLANS_DIR": str(plans_dir(in_force=True))}) as running:
        yield running


def yuan(text):
    return Decimal(text.replace("¥", "").replace(",", ""))


def test_the_demos_story_through_the_browser(stack, tmp_path):
    portal, title = stack.portal_url, "高原光伏储能协同控制技术（演示）"
    clerk = sign_in(stack, tmp_path, "dev-institution")
    drafted = run_steps(STEPS, "draft", portal=portal, state_file=clerk, title=title, wrong_trl=12, trl=7)
    assert drafted["refused"]["trl_error"] == "不能大于 9" and drafted["refused"]["title_kept"] == title
    assert drafted["submitted"] == "已提交"
    achievement_id = drafted["saved"]["url"].rsplit("/", 1)[1]

    reviewer = sign_in(stack, tmp_path, "dev-reviewer-chengdu")
    published = run_steps(STEPS, "review_register_publish", portal=portal, state_file=reviewer, title=title,
                          download_to=str(tmp_path / "published.xlsx"))
    assert published["registered"]["status"] == "已登记" and published["published"]["status"] == "已公开"

    found = run_steps(STEPS, "search", portal=portal, keyword="光伏", region="510100", title=title)
    assert title in found["results"] and found["h1"] == title
    assert found["url"].endswith(f"/achievements/{achievement_id}")

    listed = run_steps(STORY, "list_achievement", portal=portal, state_file=clerk, achievement_id=achievement_id,
                       price="500000")
    assert title in listed["listed"] or "500,000" in listed["listed"]
    ends = (datetime.now(timezone(timedelta(hours=8))) + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    opened = run_steps(STORY, "open_auction", portal=portal, state_file=clerk, listing_id=listed["listing_id"],
                       start_price="100000", increment="10000", ends_at=ends)
    assert opened["status"] == "竞价中"

    first, second = sign_in(stack, tmp_path, "dev-bidder"), sign_in(stack, tmp_path, "dev-buyer")
    bids = run_steps(STEPS, "bid_in_turn", portal=portal, auction_id=opened["auction_id"], first_state=first,
                     second_state=second, first_amount="100000.00", second_amount="130000", too_low="135000")
    assert bids["second_sees"]["price"] == "¥100,000.00" and bids["second_sees"]["not_reloaded"]
    assert bids["first_sees"]["price"] == "¥130,000.00" and bids["first_sees"]["not_reloaded"]

    before = yuan(run_steps(STORY, "home_figure", portal=portal, key=TURNOVER)["value"])
    filed = run_steps(STEPS, "file_contract", portal=portal, state_file=clerk, title="光伏储能控制技术转让合同（演示）",
                      buyer="成都高新区某能源企业", amount="800000", wrong_technology_amount="900000",
                      technology_amount="600000")
    assert filed["refused"]["error"] == "不能超过合同金额" and filed["listed"]["status"] == "待登记"
    registrar = sign_in(stack, tmp_path, "dev-registrar-chengdu")
    registered = run_steps(STEPS, "register_contract", portal=portal, state_file=registrar,
                           contract_id=filed["listed"]["id"], download_to=str(tmp_path / "registered.xlsx"))
    assert registered["registered"]["status"] == "已登记" and len(registered["registered"]["number"]) == 16

    deadline, after = time.monotonic() + 60, before
    while after != before + 600000 and time.monotonic() < deadline:  # the metrics projection reads the event
        time.sleep(2)
        after = yuan(run_steps(STORY, "home_figure", portal=portal, key=TURNOVER)["value"])
    assert after == before + 600000, (before, after)
