"""Browser steps of the notification centre's test (run by ``ttp_testing.browser.run_steps`` in a process of its
own)."""


def read_a_message(browser, portal, state_file, title):
    """The header's unread count, the centre's list, the message opened by its title; the count afterwards."""
    context = browser.new_context(storage_state=state_file, viewport={"width": 375, "height": 800})
    page = context.new_page()
    page.goto(portal + "/")
    before = page.inner_text("#unread-count")
    page.get_by_role("link", name="站内消息").click()
    page.wait_for_url(portal + "/notifications")
    listed = page.inner_text("main")
    page.get_by_role("link", name=title).first.click()
    page.wait_for_selector("#notification-text")
    opened = {"h1": page.inner_text("h1"), "text": page.inner_text("#notification-text"), "url": page.url}
    page.get_by_role("link", name="返回站内消息").click()
    page.wait_for_url(portal + "/notifications")
    after = page.inner_text("#unread-count")
    buttons_left = page.get_by_role("button", name="全部标为已读").count()
    context.close()
    return {"before": before, "listed": listed, "opened": opened, "after": after, "mark_all_left": buttons_left}
