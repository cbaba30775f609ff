"""Browser steps of the portal's tests (run by ``ttp_testing.browser.run_steps`` in a process of their own): each
drives Chromium through the portal as a person would and returns what it saw."""

PUBLIC_PAGES = ["/", "/achievements", "/listings", "/demands", "/auctions", "/institutions", "/tasks"]


def sign_in(browser, portal, identity, username, password, state_file):
    """The portal's 登录 link, the identity service's form, back to the portal; the cookies saved to ``state_file``."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(portal + "/")
    page.get_by_role("link", name="登录").click()
    page.wait_for_selector("input[name=username]")
    sign_in_url = page.url
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.get_by_role("button", name="登录").click()
    try:
        page.wait_for_url(portal + "/", timeout=20000)
    except Exception:
        raise AssertionError(f"sign-in ended at {page.url}: {page.inner_text('body')[:1000]}") from None
    header = page.inner_text("header")
    page.goto(portal + "/me")
    result = {"sign_in_url": sign_in_url, "header": header, "me_heading": page.inner_text("h1"),
              "me": page.inner_text("main"), "cookies": context.cookies()}
    context.storage_state(path=state_file)
    context.close()
    return result


def sign_out(browser, portal, identity, state_file):
    """The page's 退出 button, then the identity service's confirmation; then 登录 again."""
    context = browser.new_context(storage_state=state_file)
    page = context.new_page()
    page.goto(portal + "/")
    page.get_by_role("button", name="退出").click()
    page.wait_for_url(identity + "/oauth/logout*")
    page.get_by_role("button", name="退出").click()
    page.wait_for_url(portal + "/")
    login_visible = page.get_by_role("link", name="登录").is_visible()
    page.goto(portal + "/me")  # not signed in any more: sent to sign in, which asks for the password again
    page.wait_for_selector("input[name=password]")
    result = {"login_link_after": login_visible, "me_leads_to": page.url}
    context.close()
    return result


def pages(browser, portal, paths=PUBLIC_PAGES, width=375):
    """Each page at phone width: its status, headings, whether it says 暂不可用, whether the navigation shows."""
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    seen = {}
    for path in paths:
        response = page.goto(portal + path)
        main = page.inner_text("main")
        seen[path] = {"status": response.status, "h1": page.locator("h1").count(), "unavailable": "暂不可用" in main,
                      "nav": page.locator("nav").is_visible(), "main": main[:2000],
                      "wider_than_screen": page.evaluate("document.documentElement.scrollWidth") > width}
    page.goto(portal + "/")
    charts = 0
    if page.locator("#charts").count():
        try:
            page.wait_for_selector("#charts .chart canvas", timeout=10000)
        except Exception:
            raise AssertionError(f"no chart drawn; script errors: {errors}") from None
        charts = page.locator("#charts .chart").count()
    context.close()
    return {"pages": seen, "charts": charts, "script_errors": errors}


def search(browser, portal, keyword, region, title):
    """The search form with a Chinese keyword and a region, then the result's page."""
    context = browser.new_context(viewport={"width": 375, "height": 800})
    page = context.new_page()
    page.goto(portal + "/achievements")
    page.get_by_label("关键词").fill(keyword)
    page.get_by_label("地区").select_option(region)
    page.get_by_role("button", name="查询").click()
    page.wait_for_url(portal + "/achievements?*")
    results = page.inner_text("main")
    page.get_by_role("link", name=title).click()
    page.wait_for_selector("h1")
    result = {"results": results, "url": page.url, "h1": page.inner_text("h1"), "main": page.inner_text("main")}
    context.close()
    return result


def draft(browser, portal, state_file, title, wrong_trl, trl):
    """My organization's achievements: a new draft with a wrong TRL (the error beside the field, what was typed
    kept), fixed and saved, then submitted."""
    context = browser.new_context(storage_state=state_file)
    page = context.new_page()
    page.goto(portal + "/my/achievements")
    page.get_by_role("link", name="登记新成果").click()
    page.get_by_label("成果名称").fill(title)
    page.get_by_label("成果类型").select_option("applied")
    page.get_by_label("成果简介").fill("面向川西高原的光伏储能协同控制技术，已完成示范运行。")
    page.get_by_label("关键词（最多三个，用顿号分隔）").fill("光伏、储能")
    page.get_by_label("所属行业").fill("新能源")
    page.get_by_label("所属专项").select_option("6")
    page.get_by_label("技术成熟度（TRL 1–9）").fill(str(wrong_trl))
    page.get_by_label("所在地区").select_option("510100")
    page.get_by_label("主要完成人").fill("李四")
    page.get_by_role("button", name="保存草稿").click()
    page.wait_for_selector(".field-error")
    refused = {"trl_error": page.inner_text("#e-trl"), "errors": page.locator(".field-error").count(),
               "title_kept": page.get_by_label("成果名称").input_value(),
               "trl_invalid": page.get_by_label("技术成熟度（TRL 1–9）").get_attribute("aria-invalid")}
    page.get_by_label("技术成熟度（TRL 1–9）").fill(str(trl))
    page.get_by_role("button", name="保存草稿").click()
    page.wait_for_url(portal + "/my/achievements/*")
    saved = {"url": page.url, "status": page.inner_text("#status")}
    page.get_by_role("button", name="提交登记").click()
    page.wait_for_url(saved["url"])
    submitted = page.inner_text("#status")
    page.goto(portal + "/my/achievements")
    listed = page.inner_text("main")
    context.close()
    return {"refused": refused, "saved": saved, "submitted": submitted, "listed": listed}


def visit(browser, portal, state_file, path):
    context = browser.new_context(storage_state=state_file)
    page = context.new_page()
    response = page.goto(portal + path)
    result = {"status": response.status, "h1": page.inner_text("h1"), "main": page.inner_text("main")}
    context.close()
    return result


def watch_auction(browser, portal, auction_id, bids):
    """An auction's page left open while others bid (``bids``: [{url, token, amount}], placed from here over the
    API one after another): the price and the count of bids must change on the page without a reload."""
    import requests

    context = browser.new_context()
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text))
    page.goto(f"{portal}/auctions/{auction_id}")
    page.evaluate("window.__not_reloaded = true")
    page.wait_for_timeout(2500)  # the page's own timers run
    seen = [{"price": page.inner_text("#auction-price"), "bids": page.inner_text("#auction-bids"),
             "left": page.inner_text("#auction-left")}]
    for number, bid in enumerate(bids, start=1):
        placed = requests.post(bid["url"], json={"amount": bid["amount"]}, timeout=10,
                               headers={"Authorization": f"Bearer {bid['token']}"})
        assert placed.status_code in (200, 201), placed.text
        for _ in range(60):  # polled from here: the page's CSP forbids the string evaluation wait_for_function uses
            if page.inner_text("#auction-bids") == str(number):
                break
            page.wait_for_timeout(250)
        else:
            live = requests.get(f"{portal}/auctions/{auction_id}/live", timeout=10)
            raise AssertionError(f"bid {number} not shown: {page.inner_text('main')[:500]}; script: {errors}; "
                                 f"live: {live.status_code} {live.text[:300]}") from None
        seen.append({"price": page.inner_text("#auction-price"), "bids": page.inner_text("#auction-bids"),
                     "left": page.inner_text("#auction-left")})
    not_reloaded = page.evaluate("window.__not_reloaded === true")
    context.close()
    return {"seen": seen, "not_reloaded": not_reloaded}
