"""An institution's achievement form: what the form's fields become in the registry's draft, and the registry's
field errors put back beside the fields they are about, in Chinese. The registry decides what is valid; this only
translates between the form and the API."""
import re

FIELDS = {"title": "成果名称", "type": "成果类型", "summary": "成果简介", "keywords": "关键词", "industry": "所属行业",
          "programme": "所属专项", "trl": "技术成熟度（TRL）", "region_code": "所在地区", "contributor": "主要完成人"}
_MESSAGES = [
    (re.compile(r"at least (\d+) characters?"), "至少需要 {0} 个字"),
    (re.compile(r"at most (\d+) characters?"), "最多 {0} 个字"),
    (re.compile(r"at least (\d+) items?"), "至少填写 {0} 项"),
    (re.compile(r"at most (\d+) items?"), "最多填写 {0} 项"),
    (re.compile(r"greater than or equal to (\d+)"), "不能小于 {0}"),
    (re.compile(r"less than or equal to (\d+)"), "不能大于 {0}"),
    (re.compile(r"valid integer"), "请填写整数"),
    (re.compile(r"[Ff]ield required|[Mm]issing"), "此项必填"),
    (re.compile(r"Input should be"), "请从列表中选择"),
    (re.compile(r"Sichuan's 21"), "请选择四川省的市（州）"),
]


def translate(message, messages):
    """``message`` in Chinese by the first of ``messages`` ([(pattern, text with {0}… for its groups)]) it matches;
    None when none does."""
    for pattern, text in messages:
        found = pattern.search(message or "")
        if found:
            return text.format(*found.groups())
    return None


def chinese(message):
    """The registry's message in Chinese where it is one of the usual ones; else as it came (never dropped)."""
    found = translate(message, _MESSAGES)
    return message if found is None else found


def body_of(form, organization_id):
    """The draft the registry is sent: the form's values as typed (numbers parsed when they are numbers, so that
    the registry, not the portal, says what is wrong with the rest)."""
    def number(name):
        value = form.get(name, "").strip()
        return int(value) if value.isdigit() else (value or None)

    keywords = [k for k in re.split(r"[,，、;；\s]+", form.get("keywords", "")) if k]
    contributor = form.get("contributor", "").strip()
    return {"title": form.get("title", "").strip(), "type": form.get("type", ""), "summary": form.get("summary", "").strip(),
            "keywords": keywords, "industry": form.get("industry", "").strip(), "programme": number("programme"),
            "trl": number("trl"), "region_code": form.get("region_code", ""), "organization_ids": [organization_id],
            "contributors": [{"name": contributor, "share": "100"}] if contributor else [],
            "funding": {"fiscal": False}, "patents": []}


# what the registry's view of an achievement adds to the draft it was sent (registry.documents.Achievement.view)
_VIEW_ONLY = ("id", "status", "owner_organization_id", "registration_number", "return_reasons", "created_at",
              "updated_at", "registered_at", "published_at")


def edited(stored, form, organization_id):
    """The draft an edit sends: the stored one with the form's fields as typed; what the form does not show (other
    organizations, further contributors, funding, patents) is kept as it was, not dropped."""
    body = {k: v for k, v in stored.items() if k not in _VIEW_ONLY}
    typed = body_of(form, organization_id)
    for name in ("title", "type", "summary", "keywords", "industry", "programme", "trl", "region_code"):
        body[name] = typed[name]
    contributors = [dict(c) for c in stored.get("contributors") or []]
    name = form.get("contributor", "").strip()
    if contributors:
        contributors[0]["name"] = name
    body["contributors"] = contributors or typed["contributors"]
    body.setdefault("organization_ids", [organization_id])
    return body


def form_of(achievement):
    """A stored draft as the form shows it."""
    return {"title": achievement.get("title", ""), "type": achievement.get("type", ""),
            "summary": achievement.get("summary", ""), "keywords": "、".join(achievement.get("keywords") or []),
            "industry": achievement.get("industry", ""), "programme": str(achievement.get("programme") or ""),
            "trl": str(achievement.get("trl") or ""), "region_code": achievement.get("region_code", ""),
            "contributor": ((achievement.get("contributors") or [{}])[0]).get("name", "")}


def field_errors(refusal):
    """{form field: Chinese message} of the registry's refusal; what fits no field goes under ``""``."""
    errors = {}
    for item in refusal.fields or []:
        path = str(item.get("path", "")).split(".")
        field = "contributor" if path[0] == "contributors" else path[0]
        field = field if field in FIELDS else ""
        errors.setdefault(field, chinese(item.get("message", "")))
    if not errors:
        errors[""] = chinese(refusal.message)
    return errors
