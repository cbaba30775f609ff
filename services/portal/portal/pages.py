"""Rendering the portal's pages: one Jinja2 environment (autoescaped, strict), the label catalogue and the display
formats (amounts in yuan, times in China Standard Time, time left) as template helpers, and the headers every page
is sent with."""
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

import jinja2
from werkzeug.wrappers import Response

from ttp_common import labels

from .settings import PACKAGE_DIR

CHINA = ZoneInfo("Asia/Shanghai")
UNAVAILABLE = "暂不可用"
SECURITY_HEADERS = {
    "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                               "form-action 'self' http: https:; frame-ancestors 'none'; base-uri 'none'",
}


def parse_time(value):
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def local_time(value, fmt="%Y-%m-%d %H:%M"):
    parsed = parse_time(value)
    return parsed.astimezone(CHINA).strftime(fmt) if parsed else ""


def yuan(value):
    """An exact amount (a JSON string in yuan) as ¥1,234,567.89."""
    if value in (None, ""):
        return ""
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    return f"¥{amount:,.2f}"


def time_left(ends_at, now=None):
    """What is left until ``ends_at``, in Chinese (``已结束`` once past)."""
    end = parse_time(ends_at)
    if end is None:
        return ""
    seconds = int((end - (now or datetime.now(timezone.utc))).total_seconds())
    if seconds <= 0:
        return "已结束"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"{days}天{hours}小时{minutes}分"
    if hours:
        return f"{hours}小时{minutes}分{seconds}秒"
    return f"{minutes}分{seconds}秒"


def percent(ratio):
    return "" if ratio is None else f"{ratio * 100:.1f}%"


class Pages:
    def __init__(self, settings):
        self.settings = settings
        self.env = jinja2.Environment(loader=jinja2.FileSystemLoader(PACKAGE_DIR / "templates"), autoescape=True,
                                      undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
        self.env.globals.update(label=labels.label, catalogue=labels.CATALOGUE, catalogue_fields=labels.FIELDS,
                                UNAVAILABLE=UNAVAILABLE)
        self.env.filters.update(local_time=local_time, yuan=yuan, time_left=time_left, percent=percent)

    def render(self, template, status=200, user=None, csrf_token=None, **values):
        values.setdefault("error", None)
        html = self.env.get_template(template).render(user=user, csrf_token=csrf_token, **values)
        return Response(html, status=status, headers={**SECURITY_HEADERS, "Cache-Control": "no-store"},
                        content_type="text/html; charset=utf-8")

    def message(self, title, text, status=400, **values):
        return self.render("message.html", status=status, title=title, text=text, **values)

    def set_session_cookie(self, response, name, value, max_age):
        response.set_cookie(name, value, max_age=int(max_age), path="/", httponly=True,
                            secure=self.settings.secure_cookies, samesite="Lax")
        return response

    def clear_session_cookie(self, response, name):
        response.delete_cookie(name, path="/", httponly=True, secure=self.settings.secure_cookies, samesite="Lax")
        return response
