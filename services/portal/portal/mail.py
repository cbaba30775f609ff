"""Email of the notification centre's messages: when a delivery is tried again, what the email says, and sending
it through the configured SMTP server (standard library ``smtplib``; STARTTLS and a login when configured).

Email is off unless ``PORTAL_SMTP_HOST`` is set. The addresses are the identity service's (``GET
/api/v1/recipients`` with the notifier client's token, scope ``identity:recipients:read``), looked up when the
email is sent and kept nowhere in the portal; neither they nor the SMTP credentials are logged. A failed send is
tried again later (``next_attempt``) and given up after ``max_attempts``; the message stays in the centre either
way.
"""
import smtplib
import ssl
import time
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import requests

SUBJECT_PREFIX = "【四川省科技成果转移转化平台】"
FOOTER = "此邮件由平台自动发送，请勿直接回复。站内消息：{url}/notifications"


def next_attempt(attempts, at, base_seconds, max_attempts):
    """When to try again after the ``attempts``-th failure (doubling from ``base_seconds``), None: give up."""
    if attempts >= max_attempts:
        return None
    return at + timedelta(seconds=base_seconds * (2 ** (attempts - 1)))


def compose(message, sender, recipient, public_url):
    """The email of one message to one person: a Chinese subject and text, the page's link."""
    email = EmailMessage()
    email["Subject"] = SUBJECT_PREFIX + message["title"]
    email["From"] = sender
    email["To"] = recipient
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = make_msgid(domain="ttp.portal")
    lines = [message["text"]]
    if message.get("link"):
        lines += ["", f"查看详情：{public_url}{message['link']}"]
    lines += ["", FOOTER.format(url=public_url)]
    email.set_content("\n".join(lines), charset="utf-8")
    return email


class RecipientsUnavailable(Exception):
    """The identity service did not give the addresses (down, or it refused the notifier)."""


class Recipients:
    """The addresses of a message's audience and roles, from the identity service (client credentials of the
    notifier client; its token kept until shortly before it expires)."""

    def __init__(self, identity_url, client_id, secret_of, timeout):
        self.identity_url, self.client_id, self.secret_of, self.timeout = identity_url, client_id, secret_of, timeout
        self._token, self._expires = None, 0.0
        self.http = requests.Session()

    def _access_token(self):
        if self._token and time.monotonic() < self._expires - 30:
            return self._token
        secret = self.secret_of()
        if not secret:
            raise RecipientsUnavailable("no notifier client secret")
        try:
            answer = self.http.post(f"{self.identity_url}/oauth/token", data={"grant_type": "client_credentials"},
                                    auth=(self.client_id, secret), timeout=self.timeout)
        except requests.RequestException as exc:
            raise RecipientsUnavailable(type(exc).__name__) from None
        if answer.status_code != 200:
            raise RecipientsUnavailable(f"token HTTP {answer.status_code}")
        body = answer.json()
        self._token, self._expires = body["access_token"], time.monotonic() + int(body.get("expires_in") or 300)
        return self._token

    def of(self, audience, roles):
        """The email addresses of ``audience``'s accounts with ``roles``: every page of identity's answer."""
        kind, _, value = audience.partition(":")
        params = {"organization_id" if kind == "org" else "region_code": value, "roles": ",".join(roles),
                  "limit": 100}
        emails, cursor = [], None
        while True:
            page = self._page({**params, **({"cursor": cursor} if cursor else {})})
            emails += [item["email"] for item in page.get("items", [])]
            cursor = page.get("next_cursor")
            if not cursor:
                return emails

    def _page(self, params):
        try:
            answer = self.http.get(f"{self.identity_url}/api/v1/recipients", params=params, timeout=self.timeout,
                                   headers={"Authorization": f"Bearer {self._access_token()}"})
        except requests.RequestException as exc:
            raise RecipientsUnavailable(type(exc).__name__) from None
        if answer.status_code == 401:
            self._token = None
        if answer.status_code != 200:
            raise RecipientsUnavailable(f"recipients HTTP {answer.status_code}")
        return answer.json()


class Mailer:
    """One SMTP session per batch of emails (``send`` raises ``smtplib.SMTPException`` or ``OSError``)."""

    def __init__(self, settings):
        self.settings = settings

    def send(self, emails):
        s = self.settings
        with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_seconds) as smtp:
            if s.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if s.smtp_username:
                smtp.login(s.smtp_username, s.smtp_password)
            for email in emails:
                smtp.send_message(email)
