"""Browser steps of the demo's story through the browser (``test_story_browser``) that the other steps files do not
have: an institution lists its published achievement from 本单位挂牌与需求, and a figure of the home page read."""


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


def home_figure(browser, portal, key):
    """The home page's current value of the target ``key`` (its table cell), as shown."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(portal + "/")
    value = page.inner_text(f"td[data-target='{key}']")
    context.close()
    return {"value": value}
