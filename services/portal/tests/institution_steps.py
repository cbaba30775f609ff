"""Browser steps of the institution staff pages' tests (run by ``ttp_testing.browser.run_steps`` in a process of
their own): bulk import, listings and demands, the annual report, reward plans — each a main path and a refusal
beside its field with what was typed kept."""


def _refused(page, field):
    page.wait_for_selector(".field-error")
    return {"error": page.inner_text(f"#e-{field}"), "invalid": page.locator(f"#f-{field}").get_attribute("aria-invalid"),
            "errors": page.locator(".field-error").count()}


def market(browser, portal, state_file, achievement_id, wrong_price, price, demand_title, past_deadline, deadline):
    context = browser.new_context(storage_state=state_file, viewport={"width": 375, "height": 800})
    page = context.new_page()
    page.goto(portal + "/my/market")
    page.click("main a[href='/my/listings/new']")
    page.get_by_label("挂牌的科技成果（本单位已公开的成果）").select_option(achievement_id)
    page.get_by_label("挂牌方式").select_option("transfer")
    page.get_by_label("挂牌价（元）").fill(wrong_price)
    page.get_by_label("项目说明").fill("可提供技术培训与现场指导。")
    page.get_by_role("button", name="挂牌").click()
    listing_refused = {**_refused(page, "asking_price"), "kept": page.get_by_label("挂牌价（元）").input_value(),
                       "description_kept": page.get_by_label("项目说明").input_value(),
                       "achievement_kept": page.get_by_label("挂牌的科技成果（本单位已公开的成果）").input_value()}
    page.get_by_label("挂牌价（元）").fill(price)
    page.get_by_role("button", name="挂牌").click()
    page.wait_for_url(portal + "/my/market*")
    listing_id = page.url.rsplit("#listing-", 1)[1]
    listed = page.inner_text(f"#listing-{listing_id}")
    wider = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    # withdraw it: an empty reason is refused beside the field
    page.locator(f"#listing-{listing_id}").get_by_role("link", name="撤牌").click()
    page.get_by_role("button", name="撤牌").click()
    withdraw_refused = _refused(page, "reason")
    page.get_by_label("撤回原因").fill("已与企业达成转让意向")
    page.get_by_role("button", name="撤牌").click()
    page.wait_for_url(portal + "/my/market")
    after_withdrawal = page.locator(f"#listing-{listing_id}").count()
    # a demand: a past deadline refused beside the field, the title kept; fixed; withdrawn without a reason
    page.get_by_role("link", name="发布技术需求").click()
    page.get_by_label("需求名称").fill(demand_title)
    page.get_by_label("需要解决的技术难题").fill("高寒地区锂电池低温性能衰减，需要保温与热管理方案。")
    page.get_by_label("关键词（以顿号或逗号分隔）").fill("储能、热管理")
    page.get_by_label("所在地区").select_option("510100")
    page.get_by_label("预算（元，可不填）").fill("500000")
    page.get_by_label("征集截止日期").fill(past_deadline)
    page.get_by_role("button", name="发布需求").click()
    demand_refused = {**_refused(page, "deadline"), "title_kept": page.get_by_label("需求名称").input_value()}
    page.get_by_label("征集截止日期").fill(deadline)
    page.get_by_role("button", name="发布需求").click()
    page.wait_for_url(portal + "/my/market*")
    demand_id = page.url.rsplit("#demand-", 1)[1]
    demand_listed = page.inner_text(f"#demand-{demand_id}")
    page.locator(f"#demand-{demand_id}").get_by_role("link", name="撤回需求").click()
    page.get_by_role("button", name="撤回需求").click()
    page.wait_for_url(portal + "/my/market")
    demand_after = page.locator(f"#demand-{demand_id}").count()
    context.close()
    return {"listing_refused": listing_refused, "listing_id": listing_id, "listed": listed, "wider_than_screen": wider,
            "withdraw_refused": withdraw_refused, "after_withdrawal": after_withdrawal,
            "demand_refused": demand_refused, "demand_id": demand_id, "demand_listed": demand_listed,
            "demand_after": demand_after}


def annual_report(browser, portal, state_file, short_summary, summary):
    context = browser.new_context(storage_state=state_file)
    page = context.new_page()
    page.goto(portal + "/my/annual-reports")
    opened = {"url": page.url, "h1": page.inner_text("h1"), "deadline": page.inner_text(".filing-deadline"),
              "status": page.inner_text("#report-facts .status")}
    for deal, (count, amount) in {"转让": ("3", "1500000"), "许可": ("1", "200000"), "作价投资": ("0", "0"),
                                  "技术开发、咨询、服务合同": ("12", "4800000")}.items():
        page.get_by_label(f"{deal}项数").fill(count)
        page.get_by_label(f"{deal}金额（元）").fill(amount)
    page.get_by_label("奖励与报酬（元）").fill("600000")
    page.get_by_label("获奖励人数").fill("9")
    page.get_by_label("总体成效与面临的问题（至少 10 个字）").fill(short_summary)
    page.get_by_role("button", name="报送", exact=True).click()
    refused = {**_refused(page, "summary"), "kept": page.get_by_label("转让金额（元）").input_value(),
               "summary_kept": page.get_by_label("总体成效与面临的问题（至少 10 个字）").input_value()}
    page.get_by_label("总体成效与面临的问题（至少 10 个字）").fill(summary)
    page.get_by_role("button", name="报送", exact=True).click()
    page.wait_for_url(opened["url"])
    filed = {"status": page.inner_text("#report-facts .status"), "deals": page.inner_text("#report-deals")}
    context.close()
    return {"opened": opened, "refused": refused, "filed": filed}


def resubmit_report(browser, portal, state_file, path, summary):
    context = browser.new_context(storage_state=state_file)
    page = context.new_page()
    page.goto(portal + path)
    returned = {"status": page.inner_text("#report-facts .status"), "reasons": page.inner_text("#return-reasons"),
                "kept": page.get_by_label("转让金额（元）").input_value()}
    page.get_by_label("总体成效与面临的问题（至少 10 个字）").fill(summary)
    page.get_by_role("button", name="重新报送").click()
    page.wait_for_url(portal + path)
    status = page.inner_text("#report-facts .status")
    context.close()
    return {"returned": returned, "status": status}


def reward(browser, portal, state_file, achievement_id, person_id):
    context = browser.new_context(storage_state=state_file)
    page = context.new_page()
    page.goto(portal + "/my/rewards")
    page.get_by_role("link", name="登记奖励方案").click()
    page.get_by_label("科技成果", exact=True).select_option(achievement_id)
    page.get_by_label("转化方式").select_option("transfer")
    page.get_by_label("转化日期").fill("2026-05-01")
    page.get_by_label("净收入（元，转让、许可）").fill("1000000")
    page.get_by_label("完成人（人才库编号） 1").fill(person_id)
    page.get_by_label("现金奖励（元） 1").fill("300000")
    page.get_by_label("股份比例（%） 1").fill("5")  # not used for a transfer: refused beside it
    page.get_by_role("button", name="登记奖励方案").click()
    refused = {**_refused(page, "share_percent_0"), "kept": page.get_by_label("现金奖励（元） 1").input_value(),
               "income_kept": page.get_by_label("净收入（元，转让、许可）").input_value()}
    page.get_by_label("股份比例（%） 1").fill("")
    page.get_by_role("button", name="登记奖励方案").click()
    page.wait_for_url(portal + "/my/rewards*")
    reward_id = page.url.rsplit("#reward-", 1)[1]
    shown = {"text": page.inner_text(f"#reward-{reward_id}"),
             "compliance": page.inner_text(f"#reward-{reward_id} .compliance"),
             "findings": page.locator(f"#reward-{reward_id} .findings li").all_inner_texts()}
    context.close()
    return {"refused": refused, "reward_id": reward_id, "shown": shown}


def bulk_import(browser, portal, state_file, good_file, bad_file, template_to):
    context = browser.new_context(storage_state=state_file, accept_downloads=True)
    page = context.new_page()
    page.goto(portal + "/my/achievements/import")
    with page.expect_download() as info:
        page.get_by_role("link", name="下载导入模板（中文表头）").click()
    info.value.save_as(template_to)
    page.get_by_label("导入文件").set_input_files(bad_file)
    page.get_by_role("button", name="上传并导入").click()
    page.wait_for_selector(".form-error")
    refused = page.inner_text(".form-error")
    page.get_by_label("导入文件").set_input_files(good_file)
    page.get_by_role("button", name="上传并导入").click()
    page.wait_for_selector("#import-report")
    rows = [[cell.inner_text() for cell in row.locator("td").all()] for row in page.locator("#import-report tbody tr").all()]
    counts = page.inner_text("#import-counts")
    context.close()
    return {"refused": refused, "rows": rows, "counts": counts}

