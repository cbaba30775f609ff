"""Browser steps of ``make portal-screenshots`` (run by ``ttp_testing.browser.run_steps`` in a process of its own):
each page opened as the person it is for, at desktop width (and the home page at phone width too), saved as a PNG."""


def capture(browser, portal, shots, out_dir):
    """``shots``: [[file name, path, width, state file or None, whole page?]]; answers each file's size in bytes."""
    import os

    sizes = {}
    for name, path, width, state, whole in shots:
        viewport = {"width": width, "height": 900 if width > 600 else 780}
        context = browser.new_context(storage_state=state, viewport=viewport, device_scale_factor=1,
                                      locale="zh-CN", timezone_id="Asia/Shanghai")
        page = context.new_page()
        response = page.goto(portal + path)
        if response.status >= 500:
            raise AssertionError(f"{path}: {response.status} {page.inner_text('main')[:500]}")
        if page.locator("#charts").count():
            page.wait_for_selector("#charts .chart canvas", timeout=15000)
            page.wait_for_timeout(1200)  # the charts' opening animation
        file = os.path.join(out_dir, name)
        page.screenshot(path=file, full_page=bool(whole))
        sizes[name] = os.path.getsize(file)
        context.close()
    return sizes
