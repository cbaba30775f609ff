"""Browser steps of the administration tests (run by ``ttp_testing.browser.run_steps`` in a process of their own):
an administrator or an institution's administrator at the portal's administration pages, as a person would."""


def _page(browser, state_file, width=1280):
    context = browser.new_context(storage_state=state_file, viewport={"width": width, "height": 900})
    return context, context.new_page()


def create_account(browser, portal, state_file, username, display_name, bad_username, organization_id,
                   new_role, download_to):
    """账号管理 → 新建账号: a wrong sign-in name refused beside its field (what was typed kept), fixed; the one-time
    password shown; then 变更角色 on the account's page; then the list downloaded as Excel."""
    context, page = _page(browser, state_file)
    page.goto(portal + "/")
    page.get_by_role("link", name="账号管理").click()
    page.get_by_role("link", name="新建账号").click()
    page.get_by_label("登录名").fill(bad_username)
    page.get_by_label("姓名（或办公室名称）").fill(display_name)
    page.get_by_label("角色").select_option("institution")
    page.get_by_label("所属机构编号").fill(organization_id)
    page.get_by_role("button", name="创建账号").click()
    page.wait_for_selector(".field-error")
    refused = {"errors": page.locator(".field-error").count(), "username_error": page.inner_text("#f-e-username"),
               "name_kept": page.input_value("#f-display_name"), "org_kept": page.input_value("#f-organization_id"),
               "invalid": page.get_attribute("#f-username", "aria-invalid")}
    page.get_by_label("登录名").fill(username)
    page.get_by_role("button", name="创建账号").click()
    page.wait_for_selector("#one-time-password")
    created = {"password_shown": len(page.inner_text("#one-time-password")) >= 12,
               "role": page.inner_text("#account-role"), "url": page.url}
    # the one-time password is shown once: the account's own page does not show it again
    page.get_by_role("link", name="返回账号列表").click()
    listed = page.inner_text("#accounts")
    page.get_by_role("link", name=username).click()
    again = page.locator("#one-time-password").count()
    account_url = page.url
    page.locator("#r-role").select_option(new_role)
    page.locator("#r-reason").fill("兼任本单位账号管理")
    page.get_by_role("button", name="变更角色").click()
    page.wait_for_url(account_url)
    changed = page.inner_text("#account-role")
    page.goto(portal + "/admin/accounts?organization_id=" + organization_id)
    with page.expect_download() as download:
        page.get_by_role("link", name="导出 Excel").click()
    download.value.save_as(download_to)
    context.close()
    return {"refused": refused, "created": created, "listed": listed, "password_again": again, "role_after": changed,
            "account_url": account_url, "filename": download.value.suggested_filename}


def accounts(browser, portal, state_file, path="/admin/accounts"):
    context, page = _page(browser, state_file)
    response = page.goto(portal + path)
    result = {"status": response.status, "h1": page.inner_text("h1"), "main": page.inner_text("main"),
              "header": page.inner_text("header")}
    context.close()
    return result


def accredit_unit(browser, portal, state_file, organization_id, unit, basis, contact):
    """机构与认定 → the university's page: a correction of its contact, then its transfer unit accredited; then the
    public 服务机构 page."""
    context, page = _page(browser, state_file)
    page.goto(portal + "/admin/organizations?kind=university")
    listed = page.inner_text("#organizations")
    page.goto(portal + f"/admin/organizations/{organization_id}")
    page.locator("#c-contact").fill(contact)
    page.get_by_role("button", name="保存变更").click()
    page.wait_for_selector("#corrections")
    corrections = page.inner_text("#corrections")
    page.locator("#a-basis").fill(basis)
    page.locator("#a-unit").fill(unit)
    page.get_by_role("button", name="认定", exact=True).click()
    page.wait_for_selector("#units")
    units = page.inner_text("#units")
    # revoking without a reason: the registry's field error beside the reason
    page.locator("#v-unit").fill(unit)
    page.get_by_role("button", name="撤销认定").click()
    page.wait_for_selector("#revoke-form .field-error, .error")
    revoke_error = page.inner_text("#revoke-form") if page.locator("#revoke-form .field-error").count() else \
        page.inner_text("main")
    unit_kept = page.input_value("#v-unit")
    page.goto(portal + "/institutions")
    public = page.inner_text("#units")
    context.close()
    return {"listed": listed, "corrections": corrections, "units": units, "revoke_error": revoke_error,
            "unit_kept": unit_kept, "public": public}


def update_task(browser, portal, state_file, task_id, status, note):
    """台账更新: a task's status and note; then the public 任务台账 page."""
    context, page = _page(browser, state_file)
    page.goto(portal + "/admin/tasks")
    selector = f'[id="task-{task_id}"]'
    section = page.locator(selector)
    prefix = "t" + task_id.replace(".", "-")
    section.locator(f'[id="{prefix}-status"]').select_option(status)
    section.locator(f'[id="{prefix}-note"]').fill(note)
    section.get_by_role("button", name="更新").click()
    page.wait_for_selector(selector)
    after = page.inner_text(selector)
    page.goto(portal + "/tasks")
    public = page.inner_text("main")
    context.close()
    return {"after": after, "public": public}


def reset_password(browser, portal, state_file, account_url):
    """An account's page → 重置密码: the new one-time password shown once."""
    context, page = _page(browser, state_file)
    page.goto(account_url)
    page.get_by_role("button", name="重置密码").click()
    page.wait_for_selector("#one-time-password")
    shown = {"notice": page.inner_text("#created"), "password_length": len(page.inner_text("#one-time-password"))}
    context.close()
    return shown


def register_organization(browser, portal, state_file, name, bad_code, code):
    """机构与认定 → 登记机构: a credit code whose check character is wrong refused beside the field (the name
    kept), fixed; the organization's page."""
    context, page = _page(browser, state_file)
    page.goto(portal + "/admin/organizations")
    page.get_by_role("link", name="登记机构").click()
    page.get_by_label("机构名称").fill(name)
    page.get_by_label("统一社会信用代码").fill(bad_code)
    page.get_by_label("主体类型").select_option("university")
    page.get_by_label("所在地区").select_option("510100")
    page.get_by_label("主管部门").fill("四川省教育厅")
    page.get_by_label("国家设立（仅高等院校、科研院所）").select_option("true")
    page.get_by_role("button", name="登记", exact=True).click()
    page.wait_for_selector(".field-error")
    refused = {"errors": page.locator(".field-error").count(), "code_error": page.inner_text("#f-e-credit_code"),
               "name_kept": page.input_value("#f-name")}
    page.get_by_label("统一社会信用代码").fill(code)
    page.get_by_role("button", name="登记", exact=True).click()
    page.wait_for_selector("#organization")
    result = {"refused": refused, "url": page.url, "h1": page.inner_text("h1"),
              "facts": page.inner_text("#organization")}
    context.close()
    return result
