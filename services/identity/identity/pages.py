"""The server-rendered pages of the sign-in (Jinja2, autoescaped, Chinese, no script): sign-in,
new password, TOTP enrolment, TOTP, recovery codes, sign-out and messages. The portal's issue styles them.
Every form carries the CSRF token of its flow; every page is sent ``no-store`` and may not be framed."""
import jinja2
from werkzeug.wrappers import Response

from .settings import PACKAGE_DIR

SECURITY_HEADERS = {
    "Cache-Control": "no-store", "Pragma": "no-cache", "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
                               "form-action 'self' http: https:; frame-ancestors 'none'; base-uri 'none'",
    "Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff",
}


class Pages:
    def __init__(self, settings):
        self.settings = settings
        self.env = jinja2.Environment(loader=jinja2.FileSystemLoader(PACKAGE_DIR / "templates"),
                                      autoescape=True, undefined=jinja2.StrictUndefined)

    def render(self, template, status=200, **values):
        values.setdefault("error", None)
        html = self.env.get_template(template).render(**values)
        return Response(html, status=status, headers=dict(SECURITY_HEADERS), content_type="text/html; charset=utf-8")

    def message(self, title, text, status=400):
        return self.render("message.html", status=status, title=title, text=text)

    def set_cookie(self, response, name, value, max_age, path="/", same_site="Lax"):
        response.set_cookie(name, value, max_age=max_age, path=path, httponly=True, secure=self.settings.secure_cookies,
                            samesite=same_site)
        return response

    def clear_cookie(self, response, name, path="/", same_site="Lax"):
        response.delete_cookie(name, path=path, httponly=True, secure=self.settings.secure_cookies, samesite=same_site)
        return response
