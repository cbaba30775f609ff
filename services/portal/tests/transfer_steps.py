"""Browser steps of the transfer pages' tests (run by ``ttp_testing.browser.run_steps`` in a process of their own):
an auction opened on a listing, technical income filed, returned, corrected and verified, and a duty-achievement
disclosure decided and made a draft — each a main path and a refusal beside its field with what was typed kept."""


def _refused(page, field):
    page.wait_for_selector(".field-error")
    return {"error": page.inner_text(f"#e-{field}"), "invalid": page.locator(f"#f-{field}").get_attribute("aria-invalid"),
            "errors": page.locator(".field-error").count()}


def auction(browser, portal, state_file, listing_id, past_end, end):
    context = browser.new_context(storage_state=state_file, viewport={"width": 375, "height": 800})
    page = context.new_page()
    page.goto(portal + "/my/market")
    page.locator(f"#listing-{listing_id}").get_by_role("link", name="发起竞价拍卖").click()
    page.wait_for_url(portal + f"/my/listings/{listing_id}/auction")
    page.get_by_label("起拍价（元）").fill("200000")
    page.get_by_label("加价幅度（元）").fill("5000")
    page.get_by_label("结束时间（北京时间）").fill(past_end)
    page.get_by_role("button", name="发起竞价拍卖").click()
    refused = {**_refused(page, "ends_at"), "kept": page.get_by_label("起拍价（元）").input_value(),
               "increment_kept": page.get_by_label("加价幅度（元）").input_value()}
    page.get_by_label("结束时间（北京时间）").fill(end)
    page.get_by_role("button", name="发起竞价拍卖").click()
    page.wait_for_url(portal + "/auctions/*")
    auction_id = page.url.rsplit("/", 1)[1]
    shown = {"status": page.inner_text("#auction-status"), "price": page.inner_text("#auction-price"),
             "wider_than_screen": page.evaluate("document.documentElement.scrollWidth > window.innerWidth")}
    page.goto(portal + f"/my/listings/{listing_id}/auction")
    linked = page.locator("#listing-auctions a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    context.close()
    return {"refused": refused, "auction_id": auction_id, "shown": shown, "linked": linked}


def file_income(browser, portal, state_file, contract_id, too_much, amount):
    context = browser.new_context(storage_state=state_file)
    page = context.new_page()
    page.goto(portal + "/my/contracts")
    page.locator(f"#contract-{contract_id}").get_by_role("link", name="技术性收入申报").click()
    page.wait_for_url(portal + f"/my/contracts/{contract_id}/income")
    page.get_by_label("实际收到的技术性收入（元）").fill(too_much)
    page.get_by_label("收入期间起").fill("2026-01-01")
    page.get_by_label("收入期间止（到账日期）").fill("2026-03-31")
    page.get_by_label("说明（可不填）").fill("第一期技术转让费")
    page.get_by_role("button", name="申报", exact=True).click()
    refused = {**_refused(page, "amount"), "kept": page.get_by_label("实际收到的技术性收入（元）").input_value(),
               "note_kept": page.get_by_label("说明（可不填）").input_value()}
    page.get_by_label("实际收到的技术性收入（元）").fill(amount)
    page.get_by_role("button", name="申报", exact=True).click()
    page.wait_for_url(portal + f"/my/contracts/{contract_id}/income#income-*")
    income_id = page.url.rsplit("#income-", 1)[1]
    filed = {"status": page.inner_text(f"#income-{income_id} .status"),
             "amount": page.inner_text(f"#income-{income_id} .amount")}
    context.close()
    return {"refused": refused, "income_id": income_id, "filed": filed}


def return_income(browser, portal, state_file, income_id, reason):
    context = browser.new_context(storage_state=state_file)
    page = context.new_page()
    page.goto(portal + "/")
    page.get_by_role("link", name="收入核定", exact=True).click()
    item = page.locator(f"#income-{income_id}")
    queued = {"status": item.locator(".status").inner_text(), "amount": item.locator(".amount").inner_text()}
    item.get_by_label("退回原因（每行一条）").fill(reason)
    item.get_by_role("button", name="退回").click()
    page.wait_for_url(portal + "/review/incomes?status=filed")
    still = page.locator(f"#income-{income_id}").count()
    context.close()
    return {"queued": queued, "still_queued": still}


def refile_income(browser, portal, state_file, contract_id, income_id, amount):
    context = browser.new_context(storage_state=state_file)
    page = context.new_page()
    page.goto(portal + f"/my/contracts/{contract_id}/income")
    item = page.locator(f"#income-{income_id}")
    returned = {"status": item.locator(".status").inner_text(), "reasons": item.locator(".return-reasons").inner_text()}
    item.get_by_role("link", name="修改并重新申报").click()
    page.wait_for_url(portal + f"/my/incomes/{income_id}/edit")
    kept = page.get_by_label("实际收到的技术性收入（元）").input_value()
    page.get_by_label("实际收到的技术性收入（元）").fill(amount)
    page.get_by_role("button", name="重新申报").click()
    page.wait_for_url(portal + f"/my/contracts/{contract_id}/income#income-{income_id}")
    status = page.inner_text(f"#income-{income_id} .status")
    context.close()
    return {"returned": returned, "kept": kept, "status": status}


def verify_income(browser, portal, state_file, income_id, reduced, reason, download_to):
    context = browser.new_context(storage_state=state_file, accept_downloads=True)
    page = context.new_page()
    page.goto(portal + "/review/incomes")
    item = page.locator(f"#income-{income_id}")
    item.get_by_label("核定金额（元）").fill(reduced)
    item.get_by_role("button", name="核定").click()
    page.wait_for_selector(".field-error")
    item = page.locator(f"#income-{income_id}")
    refused = {"error": item.locator(f"#e-reason-{income_id}").inner_text(),
               "invalid": item.locator(f"#reason-{income_id}").get_attribute("aria-invalid"),
               "kept": item.get_by_label("核定金额（元）").input_value()}
    item.get_by_label("核减理由（核定金额低于申报金额时必填）").fill(reason)
    item.get_by_role("button", name="核定").click()
    page.wait_for_url(portal + "/review/incomes?status=filed")
    still = page.locator(f"#income-{income_id}").count()
    page.get_by_role("link", name="已核定", exact=True).click()
    verified = page.inner_text(f"#income-{income_id} .status")
    with page.expect_download() as download:
        page.get_by_role("link", name="导出 Excel").click()
    download.value.save_as(download_to)
    context.close()
    return {"refused": refused, "still_queued": still, "verified": verified}


def verified_income(browser, portal, state_file, contract_id):
    context = browser.new_context(storage_state=state_file)
    page = context.new_page()
    page.goto(portal + f"/my/contracts/{contract_id}/income")
    shown = page.inner_text("#verified-income")
    context.close()
    return {"verified_income": shown}


def disclose(browser, portal, state_file, title, short_summary, summary):
    context = browser.new_context(storage_state=state_file)
    page = context.new_page()
    page.goto(portal + "/my/disclosures")
    page.get_by_role("link", name="披露职务科技成果").click()
    page.get_by_label("成果名称").fill(title)
    page.get_by_label("成果类型").select_option("applied")
    page.get_by_label("成果简介").fill(short_summary)
    page.get_by_label("关键词（最多三个，用顿号分隔）").fill("储能、热管理")
    page.get_by_label("所属行业").fill("新能源")
    page.get_by_label("所属专项").select_option("6")
    page.get_by_label("技术成熟度（TRL 1–9）").fill("6")
    page.get_by_label("所在地区").select_option("510100")
    page.get_by_label("主要完成人").fill("王五")
    page.get_by_label("职务科技成果的依据").select_option("institution_resources")
    page.get_by_label("补充说明（可不填）").fill("利用本校储能实验室完成。")
    page.get_by_role("button", name="披露", exact=True).click()
    refused = {**_refused(page, "summary"), "title_kept": page.get_by_label("成果名称").input_value(),
               "basis_kept": page.get_by_label("职务科技成果的依据").input_value()}
    page.get_by_label("成果简介").fill(summary)
    page.get_by_role("button", name="披露", exact=True).click()
    page.wait_for_url(portal + "/my/disclosures/*")
    disclosure_id = page.url.rsplit("/", 1)[1]
    shown = {"status": page.inner_text("#disclosure-facts .status"), "h1": page.inner_text("h1")}
    # the researcher who disclosed it does not decide on it: the registry's refusal beside the decision
    page.get_by_label("单位决定").select_option("transfer")
    page.get_by_label("决定理由").fill("拟转让给省内储能企业。")
    page.get_by_role("button", name="作出决定").click()
    own = {**_refused(page, "decision"), "reasons_kept": page.get_by_label("决定理由").input_value()}
    context.close()
    return {"refused": refused, "disclosure_id": disclosure_id, "shown": shown, "own_decision": own}


def decide(browser, portal, state_file, disclosure_id):
    context = browser.new_context(storage_state=state_file)
    page = context.new_page()
    page.goto(portal + "/my/disclosures")
    item = page.locator(f"#disclosure-{disclosure_id}")
    listed = {"status": item.locator(".status").inner_text(), "overdue": item.get_attribute("class") or ""}
    item.get_by_role("link").first.click()
    page.wait_for_url(portal + f"/my/disclosures/{disclosure_id}")
    page.get_by_label("单位决定").select_option("transfer")
    page.get_by_label("决定理由").fill("拟转让给省内储能企业，市场前景明确。")
    page.get_by_role("button", name="作出决定").click()
    page.wait_for_url(portal + f"/my/disclosures/{disclosure_id}")
    decided = {"status": page.inner_text("#disclosure-facts .status"),
               "decision": page.inner_text("#disclosure-facts .decision")}
    page.get_by_role("button", name="转为成果登记草稿").click()
    page.wait_for_url(portal + "/my/achievements/*")
    achievement_id = page.url.rsplit("/", 1)[1]
    page.goto(portal + f"/my/disclosures/{disclosure_id}")
    drafted = page.locator("#drafted").get_attribute("href")
    context.close()
    return {"listed": listed, "decided": decided, "achievement_id": achievement_id, "drafted": drafted}


def overdue_list(browser, portal, state_file):
    context = browser.new_context(storage_state=state_file)
    page = context.new_page()
    page.goto(portal + "/my/disclosures")
    page.get_by_role("link", name="逾期未决定").click()
    items = page.locator("#disclosures li.overdue").evaluate_all("items => items.map(li => li.id)")
    marks = page.locator("#disclosures .overdue-mark").count()
    context.close()
    return {"overdue": items, "marks": marks}
