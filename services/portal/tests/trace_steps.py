"""Browser steps of an achievement's trace on its public page (``test_trace_browser``): the page as the public or a
signed-in person sees it, at phone width."""


def achievement_trace(browser, portal, achievement_id, state_file=None, width=375):
    """The achievement's page: its status, title, facts, each row of 成果转化全链条 as shown, and whether it is wider
    than the screen."""
    context = browser.new_context(storage_state=state_file, viewport={"width": width, "height": 800})
    page = context.new_page()
    response = page.goto(f"{portal}/achievements/{achievement_id}")
    rows = page.locator("#trace li")
    seen = {"status": response.status, "h1": page.inner_text("h1"), "facts": page.inner_text("dl.facts"),
            "main": page.inner_text("main"), "rows": [rows.nth(i).inner_text() for i in range(rows.count())],
            "kinds": [rows.nth(i).get_attribute("data-kind") for i in range(rows.count())],
            "wider_than_screen": page.evaluate("document.documentElement.scrollWidth") > width}
    context.close()
    return seen


def contract_trace_from(browser, portal, achievement_id, width=375):
    """From the achievement's page, the first contract row's link followed: the contract's trace page."""
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    page.goto(f"{portal}/achievements/{achievement_id}")
    page.click("#trace li[data-kind='contract'] a")
    page.wait_for_load_state()
    rows = page.locator("#trace li")
    seen = {"url": page.url, "h1": page.inner_text("h1"), "rows": [rows.nth(i).inner_text() for i in range(rows.count())],
            "kinds": [rows.nth(i).get_attribute("data-kind") for i in range(rows.count())],
            "wider_than_screen": page.evaluate("document.documentElement.scrollWidth") > width}
    context.close()
    return seen
