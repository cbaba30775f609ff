"""Browser steps of the portal's tests (run by ``ttp_testing.browser.run_steps`` in a process of their own): each
drives Chromium through the portal as a person would and returns what it saw."""

PUBLIC_PAGES = ["/", "/achievements", "/listings", "/demands", "/auctions", "/institutions", "/tasks"]


def sign_in(browser, portal, identity, username, password, state_file, totp_secret=None):
    """The portal's 登录 link, the identity service's form (and its TOTP step for a privileged account), back to
    the portal; the cookies saved to ``state_file``."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(portal + "/")
    page.get_by_role("link", name="登录").click()
    page.wait_for_selector("input[name=username]")
    sign_in_url = page.url
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.get_by_role("button", name="登录").click()
    if totp_secret:
        import pyotp

        page.wait_for_selector("input[name=code]")
        page.get_by_label("验证码或恢复码").fill(pyotp.TOTP(totp_secret).now())
        page.get_by_role("button", name="验证").click()
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


def _wait_text(page, selector, text, what):
    """Polled from here: the page's CSP forbids the string evaluation ``wait_for_function`` uses."""
    for _ in range(60):
        if page.inner_text(selector) == text:
            return
        page.wait_for_timeout(250)
    raise AssertionError(f"{what}: {selector} is {page.inner_text(selector)!r}, not {text!r}")


def bid_in_turn(browser, portal, auction_id, first_state, second_state, first_amount, second_amount, too_low):
    """Two institutions' clerks on one auction's page, each in a browser of their own: the first bids the prefilled
    minimum with the form, the second's page shows it without a reload (price, count, its own prefilled minimum)
    and the second bids ``second_amount``; the first's page shows that without a reload; then the first bids
    ``too_low``: the refusal beside the amount, what was typed kept. At phone width, with the keyboard only."""
    contexts = [browser.new_context(storage_state=state, viewport={"width": 375, "height": 800})
                for state in (first_state, second_state)]
    first, second = [context.new_page() for context in contexts]
    for page in (first, second):
        page.goto(f"{portal}/auctions/{auction_id}")
    seen = {"prefilled": first.get_by_label("出价金额（元）").input_value(),
            "wider_than_screen": first.evaluate("document.documentElement.scrollWidth") > 375}
    second.evaluate("window.__not_reloaded = true")
    amount = first.get_by_label("出价金额（元）")
    amount.fill(first_amount)
    amount.press("Enter")  # the form is sent from the keyboard
    first.wait_for_url(f"{portal}/auctions/{auction_id}")
    seen["first_after"] = {"price": first.inner_text("#auction-price"), "bids": first.inner_text("#auction-bids")}
    first.evaluate("window.__not_reloaded = true")

    _wait_text(second, "#auction-bids", "1", "the first bid on the second's page")
    seen["second_sees"] = {"price": second.inner_text("#auction-price"),
                           "prefilled": second.get_by_label("出价金额（元）").input_value(),
                           "minimum": second.inner_text("#bid-minimum"),
                           "not_reloaded": second.evaluate("window.__not_reloaded === true")}
    second.get_by_label("出价金额（元）").fill(second_amount)
    second.get_by_role("button", name="出价", exact=True).click()
    second.wait_for_url(f"{portal}/auctions/{auction_id}")
    seen["second_after"] = {"price": second.inner_text("#auction-price"), "bids": second.inner_text("#auction-bids")}

    _wait_text(first, "#auction-bids", "2", "the second bid on the first's page")
    seen["first_sees"] = {"price": first.inner_text("#auction-price"), "left": first.inner_text("#auction-left"),
                          "not_reloaded": first.evaluate("window.__not_reloaded === true")}
    first.get_by_label("出价金额（元）").fill(too_low)
    first.get_by_role("button", name="出价", exact=True).click()
    first.wait_for_selector("#e-amount")
    seen["refused"] = {"error": first.inner_text("#e-amount"), "kept": first.get_by_label("出价金额（元）").input_value(),
                       "invalid": first.get_by_label("出价金额（元）").get_attribute("aria-invalid"),
                       "price": first.inner_text("#auction-price"), "bids": first.inner_text("#auction-bids")}
    for context in contexts:
        context.close()
    return seen


def file_contract(browser, portal, state_file, title, buyer, amount, wrong_technology_amount, technology_amount):
    """My organization's contracts at phone width: a new contract whose 技术交易额 exceeds its amount (the error
    beside the field, what was typed kept), fixed and submitted; it is listed 待登记."""
    context = browser.new_context(storage_state=state_file, viewport={"width": 375, "height": 800})
    page = context.new_page()
    page.goto(portal + "/")
    page.get_by_role("link", name="本单位合同", exact=True).click()
    page.get_by_role("link", name="申请技术合同认定登记").click()
    form = {"seller": page.get_by_label("卖方机构编号").input_value(),
            "wider_than_screen": page.evaluate("document.documentElement.scrollWidth") > 375}
    page.get_by_label("合同类型").select_option("transfer")
    page.get_by_label("合同名称").fill(title)
    page.get_by_label("合同金额（元）").fill(amount)
    page.get_by_label("技术交易额（元，不超过合同金额）").fill(wrong_technology_amount)
    page.get_by_label("买方名称（不在平台上的买方）").fill(buyer)
    page.get_by_label("登记地（卖方所在地区）").select_option("510100")
    page.get_by_role("button", name="提交认定登记").click()
    page.wait_for_selector(".field-error")
    technology = page.get_by_label("技术交易额（元，不超过合同金额）")
    refused = {"error": page.inner_text("#e-technology_transaction_amount"),
               "errors": page.locator(".field-error").count(), "invalid": technology.get_attribute("aria-invalid"),
               "title_kept": page.get_by_label("合同名称").input_value(), "kept": technology.input_value()}
    technology.fill(technology_amount)
    page.get_by_role("button", name="提交认定登记").click()
    page.wait_for_url(portal + "/my/contracts*")
    [item] = [i for i in page.locator("#contracts > li").all() if title in i.inner_text()]
    listed = {"id": item.get_attribute("id").removeprefix("contract-"), "status": item.locator(".status").inner_text(),
              "text": item.inner_text()}
    context.close()
    return {"form": form, "refused": refused, "listed": listed}


def registered_contract(browser, portal, state_file, contract_id, download_to):
    """My organization's contracts: the registered one with its number, its certificate downloaded."""
    context = browser.new_context(storage_state=state_file)
    page = context.new_page()
    page.goto(portal + "/my/contracts")
    item = page.locator(f"#contract-{contract_id}")
    shown = {"status": item.locator(".status").inner_text(), "number": item.locator(".registration-number").inner_text()}
    with page.expect_download() as download:
        item.get_by_role("link", name="下载技术合同登记证明（PDF）").click()
    download.value.save_as(download_to)
    shown["filename"] = download.value.suggested_filename
    context.close()
    return shown


def review_return(browser, portal, state_file, title, reason):
    """The reviewer's queue at phone width: the submitted achievement's page (its history), returned with a
    reason."""
    context = browser.new_context(storage_state=state_file, viewport={"width": 375, "height": 800})
    page = context.new_page()
    page.goto(portal + "/")
    header = page.inner_text("header")
    page.get_by_role("link", name="成果审核", exact=True).click()
    queue = page.inner_text("#queue")
    wider = [page.evaluate("document.documentElement.scrollWidth") > 375]
    page.get_by_role("link", name=title).click()
    history = page.inner_text("#history")
    wider.append(page.evaluate("document.documentElement.scrollWidth") > 375)
    page.get_by_label("退回原因（每行一条）").fill(reason)
    page.get_by_role("button", name="退回").click()
    page.wait_for_selector("#status")
    result = {"header": header, "queue": queue, "history": history, "status": page.inner_text("#status"),
              "history_after": page.inner_text("#history"), "url": page.url, "wider_than_screen": wider}
    context.close()
    return result


def edit_draft(browser, portal, state_file, achievement_id, wrong_trl, trl, title):
    """A returned draft: its reason on its page, 修改 (the form filled with what was saved), a wrong field refused
    beside it with what was typed kept, fixed and saved, then submitted again."""
    context = browser.new_context(storage_state=state_file)
    page = context.new_page()
    page.goto(f"{portal}/my/achievements/{achievement_id}")
    shown = {"status": page.inner_text("#status"), "main": page.inner_text("main")}
    page.get_by_role("link", name="修改").click()
    form = {"title": page.get_by_label("成果名称").input_value(), "trl": page.get_by_label("技术成熟度（TRL 1–9）").input_value(),
            "region": page.get_by_label("所在地区").input_value(), "contributor": page.get_by_label("主要完成人").input_value(),
            "reasons": page.inner_text("main")}
    page.get_by_label("成果名称").fill(title)
    page.get_by_label("技术成熟度（TRL 1–9）").fill(str(wrong_trl))
    page.get_by_role("button", name="保存草稿").click()
    page.wait_for_selector(".field-error")
    refused = {"trl_error": page.inner_text("#e-trl"), "errors": page.locator(".field-error").count(),
               "title_kept": page.get_by_label("成果名称").input_value()}
    page.get_by_label("技术成熟度（TRL 1–9）").fill(str(trl))
    page.get_by_role("button", name="保存草稿").click()
    page.wait_for_url(f"{portal}/my/achievements/{achievement_id}")
    saved = {"h1": page.inner_text("h1"), "status": page.inner_text("#status")}
    page.get_by_role("button", name="提交登记").click()
    page.wait_for_url(f"{portal}/my/achievements/{achievement_id}")
    result = {"shown": shown, "form": form, "refused": refused, "saved": saved, "submitted": page.inner_text("#status")}
    context.close()
    return result


def review_register_publish(browser, portal, state_file, title, download_to):
    """The reviewer registers the achievement from the queue, publishes it, and downloads the published queue as
    an Excel file (to ``download_to``)."""
    context = browser.new_context(storage_state=state_file)
    page = context.new_page()
    page.goto(portal + "/review/achievements")
    page.get_by_role("link", name=title).click()
    page.get_by_role("button", name="登记", exact=True).click()
    page.wait_for_selector("#registration-number")
    registered = {"status": page.inner_text("#status"), "number": page.inner_text("#registration-number")}
    page.get_by_role("link", name="返回审核队列").click()
    page.get_by_role("link", name="已登记", exact=True).click()
    to_publish = page.inner_text("#queue")
    page.get_by_role("link", name=title).click()
    page.get_by_role("button", name="公开", exact=True).click()
    page.wait_for_selector("#status")
    published = {"status": page.inner_text("#status"), "history": page.inner_text("#history")}
    page.goto(portal + "/review/achievements?status=published&region=510100")
    with page.expect_download() as download:
        page.get_by_role("link", name="导出 Excel").click()
    download.value.save_as(download_to)
    result = {"registered": registered, "to_publish": to_publish, "published": published,
              "filename": download.value.suggested_filename}
    context.close()
    return result


def register_contract(browser, portal, state_file, contract_id, download_to):
    """The registrar's queue at phone width: the contract with the days left of its limit, registered; the
    registered queue downloaded as an Excel file."""
    context = browser.new_context(storage_state=state_file, viewport={"width": 375, "height": 800})
    page = context.new_page()
    page.goto(portal + "/")
    page.get_by_role("link", name="合同登记", exact=True).click()
    item = page.locator(f"#contract-{contract_id}")
    queued = {"text": item.inner_text(), "days_left": item.locator(".days-left").inner_text(),
              "wider_than_screen": page.evaluate("document.documentElement.scrollWidth") > 375}
    item.get_by_role("button", name="登记", exact=True).click()
    page.wait_for_url(portal + "/review/contracts?status=submitted")
    still_queued = page.locator(f"#contract-{contract_id}").count()
    page.get_by_role("link", name="已登记", exact=True).click()
    item = page.locator(f"#contract-{contract_id}")
    registered = {"status": item.locator(".status").inner_text(),
                  "number": item.locator(".registration-number").inner_text()}
    with page.expect_download() as download:
        page.get_by_role("link", name="导出 Excel").click()
    download.value.save_as(download_to)
    context.close()
    return {"queued": queued, "still_queued": still_queued, "registered": registered}


def review_report(browser, portal, state_file, item, download_to):
    """The reviewer's annual reports: one accepted, then forwarded; the forwarded ones downloaded."""
    context = browser.new_context(storage_state=state_file)
    page = context.new_page()
    page.goto(portal + "/")
    page.get_by_role("link", name="年度报告", exact=True).click()
    report = page.locator(f"#{item}")
    queued = {"status": report.locator(".status").inner_text(), "text": report.inner_text()}
    report.get_by_role("button", name="审核通过").click()
    page.wait_for_url(portal + "/review/annual-reports?status=submitted")
    page.get_by_role("link", name="已审核", exact=True).click()
    report = page.locator(f"#{item}")
    accepted = report.locator(".status").inner_text()
    report.get_by_role("button", name="转报").click()
    page.wait_for_url(portal + "/review/annual-reports?status=accepted")
    page.get_by_role("link", name="已转报", exact=True).click()
    forwarded = page.locator(f"#{item} .status").inner_text()
    with page.expect_download() as download:
        page.get_by_role("link", name="导出 Excel").click()
    download.value.save_as(download_to)
    context.close()
    return {"queued": queued, "accepted": accepted, "forwarded": forwarded}
