"""Browser steps of the demo's story through the browser (``test_story_browser``) that the other steps files do not
have: an institution lists its published achievement from 本单位挂牌与需求 and opens an auction on the listing, and a
figure of the home page read."""


def list_achievement(browser, portal, state_file, achievement_id, price, tries=30):
    """本单位挂牌与需求 → 挂牌: the published achievement listed for transfer at ``price``; tried again while the
    transactions service has not yet learned of the publication (its refusal is on the form)."""
    context = browser.new_context(storage_state=state_file)
    page = context.new_page()
    refusals = []
    for _ in range(tries):
        page.goto(portal + "/my/market")
        page.click("main a[href='/my/listings/new']")
        page.get_by_label("挂牌的科技成果（本单位已公开的成果）").select_option(achievement_id)
        page.get_by_label("挂牌方式").select_option("transfer")
        page.get_by_label("挂牌价（元）").fill(price)
        page.get_by_label("项目说明").fill("可提供技术培训与现场指导。")
        page.get_by_role("button", name="挂牌").click()
        page.wait_for_load_state()
        if "#listing-" in page.url:
            listing_id = page.url.rsplit("#listing-", 1)[1]
            listed = page.inner_text(f"#listing-{listing_id}")
            context.close()
            return {"listing_id": listing_id, "listed": listed, "refusals": refusals}
        refusals.append(page.inner_text("main")[:300])
        page.wait_for_timeout(1000)
    context.close()
    raise AssertionError(f"the listing was refused {tries} times: {refusals[-1]}")


def open_auction(browser, portal, state_file, listing_id, start_price, increment, ends_at):
    """本单位挂牌 → 发起竞价拍卖: an auction of the listing from now until ``ends_at`` (Beijing time, as the form's
    datetime-local field takes it); its public page next."""
    context = browser.new_context(storage_state=state_file)
    page = context.new_page()
    page.goto(portal + "/my/market")
    page.locator(f"#listing-{listing_id}").get_by_role("link", name="发起竞价拍卖").click()
    page.get_by_label("起拍价（元）").fill(start_price)
    page.get_by_label("加价幅度（元）").fill(increment)
    page.get_by_label("结束时间（北京时间）").fill(ends_at)
    page.get_by_role("button", name="发起竞价拍卖").click()
    page.wait_for_url(portal + "/auctions/*")
    opened = {"auction_id": page.url.rsplit("/", 1)[1], "status": page.inner_text("#auction-status")}
    context.close()
    return opened


def home_figure(browser, portal, key):
    """The home page's current value of the target ``key`` (its table cell), as shown."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(portal + "/")
    value = page.inner_text(f"td[data-target='{key}']")
    context.close()
    return {"value": value}
