"""The notification centre (站内消息) against real parts: identity, registry, transactions, metrics and the portal as
``nameko run`` processes, the registry's events on the real Kafka broker, a real SMTP server (aiosmtpd, started
here) and Chromium.

A reviewer returns an achievement through the registry's API: the event reaches the portal over Kafka, the
organization's clerk finds the message (Chinese text, its link) and gets an email (Chinese subject and body, their
address from the identity service). Another organization's message cannot be read or marked by its id. With the
SMTP server gone, the email is tried again and arrives once it is back; the message was in the centre all along."""
import random
import re
import threading
import time
from datetime import date
from email import message_from_bytes, policy
from pathlib import Path

import pytest
import requests
from aiosmtpd.controller import Controller
from nameko.testing.utils import find_free_port

from ttp_common.reference import uscc_check_character
from ttp_testing import wait_for
from ttp_testing.browser import run_steps

from _portal import ORG, achievement, platform

pytestmark = pytest.mark.integration

STEPS = Path(__file__).with_name("browser_steps.py")
MY_STEPS = Path(__file__).with_name("notification_steps.py")
COOKIE = "ttp_portal_session"
OTHER_ORG = "other-test-organization"
CLERK_ADDRESS = "dev-institution@example.org"  # identity's dev-accounts.yaml


class Inbox:
    """What the SMTP server received: (envelope recipients, the parsed message)."""

    def __init__(self):
        self.received, self.lock = [], threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.received.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"

    def about(self, words):
        with self.lock:
            return [(to, m) for to, m in self.received if words in m.get_content()]


@pytest.fixture(scope="module")
def smtp():
    port = find_free_port()
    inbox = Inbox()
    server = Controller(inbox, hostname="127.0.0.1", port=port)
    server.start()
    yield server, inbox, port
    try:
        server.stop()
    except Exception:  # already stopped by the test
        pass


@pytest.fixture(scope="module")
def stack(smtp):
    _, _, port = smtp
    # the registry reminds of the annual report's deadline whatever today is (a deadline is at most 365 days away)
    with platform(env={"ANNUAL_REPORT_REMINDER_DAYS": "365"}) as running:
        env = {"PORTAL_SMTP_HOST": "127.0.0.1", "PORTAL_SMTP_PORT": str(port), "PORTAL_SMTP_FROM": "noreply@ttp.test",
               "PORTAL_NOTIFIER_CLIENT_SECRET": running.secrets["clients"]["portal-notifier"]["client_secret"],
               "PORTAL_EMAIL_RETRY_SECONDS": "1", "PORTAL_EMAIL_MAX_ATTEMPTS": "20"}
        with running.portal(env=env) as (url, db, client):
            running.portal_url, running.portal_db, running.client = url, db, client
            yield running


def returned(stack, org, title, reason):
    """An achievement of ``org`` drafted, submitted and returned by Chengdu's reviewer over the registry's API."""
    registry = stack.urls["registry"]
    owner, reviewer = stack.token("institution", org=org), stack.token("reviewer", region="510100")

    def post(path, body, token):
        answer = requests.post(registry + path, json=body, headers={"Authorization": f"Bearer {token}"}, timeout=10)
        assert answer.status_code in (200, 201), answer.text
        return answer.json()

    achievement_id = post("/api/v1/achievements", achievement(title, organization_ids=[org]), owner)["id"]
    post(f"/api/v1/achievements/{achievement_id}/submit", {}, owner)
    post(f"/api/v1/achievements/{achievement_id}/return", {"reasons": [reason]}, reviewer)
    return achievement_id


def message_about(stack, achievement_id, timeout=60):
    return wait_for(lambda: stack.portal_db["notifications"].find_one({"subject": achievement_id,
                                                                       "kind": "achievement_returned"}), timeout=timeout,
                    message="the portal's message of the returned achievement")


def metric(stack, name, **labels):
    text = requests.get(stack.portal_url + "/metrics", timeout=10).text
    selector = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))  # the exposition sorts them
    found = re.search(rf"^{name}{{{re.escape(selector)}}} ([0-9.e+]+)$" if labels else rf"^{name} ([0-9.e+]+)$",
                      text, re.M)
    return float(found.group(1)) if found else 0.0


def test_a_returned_achievement_becomes_the_clerks_message_and_email_read_in_the_browser(stack, smtp, tmp_path):
    _, inbox, _ = smtp
    achievement_id = returned(stack, ORG, "川西高原光伏储能协同控制（退回测试）", "缺少知识产权证明材料")
    message = message_about(stack, achievement_id)
    assert message["audience"] == f"org:{ORG}" and message["title"] == "科技成果被退回"
    assert "缺少知识产权证明材料" in message["text"] and message["link"] == f"/my/achievements/{achievement_id}"

    mails = wait_for(lambda: inbox.about("缺少知识产权证明材料"), timeout=30, message="the email at the SMTP server")
    [(to, mail)] = mails
    assert to == [CLERK_ADDRESS] and mail["To"] == CLERK_ADDRESS
    assert mail["Subject"] == "【四川省科技成果转移转化平台】科技成果被退回"
    assert f"{stack.portal_url}/my/achievements/{achievement_id}" in mail.get_content()
    assert metric(stack, "ttp_portal_notifications_created_total", kind="achievement_returned") >= 1
    assert metric(stack, "ttp_portal_emails_sent_total") >= 1
    assert "ttp_consumer_lag_available" in requests.get(stack.portal_url + "/metrics", timeout=10).text

    state = tmp_path / "clerk.json"
    signed = run_steps(STEPS, "sign_in", portal=stack.portal_url, identity=stack.urls["identity"],
                       username="dev-institution", password=stack.secrets["accounts"]["dev-institution"]["password"],
                       state_file=str(state))
    seen = run_steps(MY_STEPS, "read_a_message", portal=stack.portal_url, state_file=str(state), title="科技成果被退回")
    assert seen["before"] == "1" and "缺少知识产权证明材料" in seen["listed"]
    assert seen["opened"]["h1"] == "科技成果被退回" and "缺少知识产权证明材料" in seen["opened"]["text"]
    assert seen["after"] == "0" and seen["mark_all_left"] == 0

    # another organization's message, by its id in the address bar: neither shown nor marked
    other = message_about(stack, returned(stack, OTHER_ORG, "另一单位的成果（退回测试）", "另一单位的退回理由"))
    [cookie] = [c for c in signed["cookies"] if c["name"] == COOKIE]
    session = stack.portal_db["sessions"].find_one({"user.username": "dev-institution"})
    jar = {COOKIE: cookie["value"]}
    shown = requests.get(f"{stack.portal_url}/notifications/{other['_id']}", cookies=jar, timeout=10)
    assert shown.status_code == 404 and "另一单位的退回理由" not in shown.text
    listed = requests.get(f"{stack.portal_url}/notifications", cookies=jar, timeout=10)
    assert listed.status_code == 200 and "另一单位的退回理由" not in listed.text
    for path in (f"/notifications/{other['_id']}/read", "/notifications/all/read"):
        requests.post(stack.portal_url + path, data={"csrf_token": session["csrf_token"]}, cookies=jar, timeout=10,
                      allow_redirects=False)
    assert stack.portal_db["notifications"].find_one({"_id": other["_id"]})["read_by"] == []
    refused = requests.post(f"{stack.portal_url}/notifications/{message['_id']}/read", cookies=jar, timeout=10,
                            data={}, allow_redirects=False)
    assert refused.status_code == 403  # no CSRF token


def test_an_approaching_report_deadline_becomes_the_universitys_message_and_email_once(stack, smtp):
    """The registry's reminder check (an admin's call; also its timer) announces registry.annual_report.due_soon.v1
    for a university without a report; the portal's consumer makes it the message of the university's clerks and
    administrators, mailed to the clerk the identity service knows, and a second check tells nobody again."""
    _, inbox, _ = smtp
    registry, admin = stack.urls["registry"], {"Authorization": f"Bearer {stack.token('admin')}"}
    first17 = f"12510100MB{random.randrange(10**7):07d}"
    made = requests.post(f"{registry}/api/v1/organizations", headers=admin, timeout=10, json={
        "name": "四川某大学（年度报告提醒测试）", "credit_code": first17 + uscc_check_character(first17),
        "kind": "university", "region_code": "510100", "supervising_department": "四川省教育厅"})
    assert made.status_code == 201, made.text
    org = made.json()["id"]
    address = f"reports-{org[:12]}@example.org"
    account = requests.post(f"{stack.urls['identity']}/api/v1/accounts", headers=admin, timeout=20, json={
        "username": f"report-clerk-{org[:12]}".lower(), "display_name": "年报经办人（测试）", "role": "institution",
        "organization_id": org, "email": address})
    assert account.status_code == 201, account.text

    checked = requests.post(f"{registry}/api/v1/annual-reports/reminder-check", headers=admin, timeout=60)
    assert checked.status_code == 200, checked.text
    body = checked.json()
    report_id = f"{org}:{body['year']}"
    assert report_id in body["reminded"]
    deadline = date.fromisoformat(body["deadline"])

    message = wait_for(lambda: stack.portal_db["notifications"].find_one({"subject": report_id,
                                                                          "kind": "annual_report_due_soon"}),
                       timeout=60, message="the portal's message of the approaching deadline")
    assert message["audience"] == f"org:{org}" and set(message["roles"]) == {"institution", "institution_admin"}
    assert message["title"] == "年度报告即将截止" and message["link"] == f"/my/annual-reports/{report_id}"
    assert f"年度报告将于{deadline.month}月{deadline.day}日截止，还剩{body['days_left']}天" in message["text"]

    [(to, mail)] = wait_for(lambda: [(t, m) for t, m in inbox.received if t == [address]], timeout=30,
                            message="the reminder's email at the SMTP server")
    assert mail["Subject"] == "【四川省科技成果转移转化平台】年度报告即将截止"
    assert f"{stack.portal_url}/my/annual-reports/{report_id}" in mail.get_content()
    assert "还剩" in mail.get_content()

    again = requests.post(f"{registry}/api/v1/annual-reports/reminder-check", headers=admin, timeout=60).json()
    assert report_id not in again["reminded"]  # once per organization and year
    time.sleep(3)
    assert stack.portal_db["notifications"].count_documents({"subject": report_id}) == 1


def test_an_email_the_smtp_server_refused_is_sent_once_it_is_back_and_the_message_was_kept(stack, smtp):
    server, inbox, port = smtp
    server.stop()
    achievement_id = returned(stack, ORG, "重试测试成果", "重试测试的退回理由")
    message = message_about(stack, achievement_id)
    wait_for(lambda: (stack.portal_db["email_deliveries"].find_one({"_id": message["_id"]}) or {}).get("attempts", 0)
             >= 2, timeout=30, message="two failed attempts")
    delivery = stack.portal_db["email_deliveries"].find_one({"_id": message["_id"]})
    assert delivery["state"] == "pending" and delivery["last_error"].startswith("smtp:")
    assert metric(stack, "ttp_portal_emails_failed_total", stage="smtp", outcome="retried") >= 2
    assert stack.portal_db["notifications"].count_documents({"_id": message["_id"]}) == 1

    again = Controller(inbox, hostname="127.0.0.1", port=port)
    again.start()
    try:
        [(to, mail)] = wait_for(lambda: inbox.about("重试测试的退回理由"), timeout=60, message="the retried email")
        assert to == [CLERK_ADDRESS] and "重试测试的退回理由" in mail.get_content()
        wait_for(lambda: stack.portal_db["email_deliveries"].find_one({"_id": message["_id"]})["state"] == "sent",
                 timeout=10, message="the delivery marked sent")
    finally:
        again.stop()


LOGIN_CHECK = """
import json, smtplib, socket
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from portal.mail import Mailer, compose
from portal.settings import Settings

received = []


class Handler:
    async def handle_DATA(self, server, session, envelope):
        received.append({"to": list(envelope.rcpt_tos), "content": envelope.content.decode("ascii")})
        return "250 OK"


def authenticator(server, session, envelope, mechanism, auth_data):
    return AuthResult(success=auth_data.login == b"notifier" and auth_data.password == b"s3cret")


with socket.socket() as probe:
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
server = Controller(Handler(), hostname="127.0.0.1", port=port, authenticator=authenticator, auth_require_tls=False)
server.start()
email = compose({"title": "技术合同已登记", "text": "本单位的技术转让合同已登记。", "link": None},
                "noreply@ttp.test", "clerk@example.org", "http://portal.test")
outcomes = []
for password in ("s3cret", "wrong"):
    try:
        Mailer(Settings(smtp_host="127.0.0.1", smtp_port=port, smtp_username="notifier", smtp_password=password,
                        smtp_timeout_seconds=3)).send([email])
        outcomes.append("sent")
    except (smtplib.SMTPException, OSError):  # what the portal counts as a failed send and tries again
        outcomes.append("failed")
server.stop()
print(json.dumps({"outcomes": outcomes, "received": received}))
"""


def test_the_mailer_logs_in_with_the_configured_account_and_a_wrong_password_is_a_failed_send():
    """The SMTP login path of ``portal.mail.Mailer`` against a real server (aiosmtpd with AUTH, here without TLS,
    which only a test allows), both in a process of their own without eventlet (aiosmtpd's AUTH stalls under this
    test process's monkey-patching)."""
    import json
    import subprocess
    import sys
    from email import message_from_string

    done = subprocess.run([sys.executable, "-c", LOGIN_CHECK], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["outcomes"] == ["sent", "failed"] and len(seen["received"]) == 1
    [got] = seen["received"]
    mail = message_from_string(got["content"], policy=policy.default)
    assert got["to"] == ["clerk@example.org"] and mail["Subject"] == "【四川省科技成果转移转化平台】技术合同已登记"
    assert "本单位的技术转让合同已登记。" in mail.get_content()
