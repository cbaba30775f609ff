"""The notification centre (站内消息): the consumer that turns the platform's events into messages, the pages of a
signed-in person's messages (list, one message, mark read, mark all read; forms without script), and the timer
that mails them when email is configured. The rules are ``portal.notifications`` (addressing, text), the reads and
writes ``portal.inbox`` and the email ``portal.mail``."""
import logging
import smtplib
from datetime import timedelta

from nameko.timer import timer
from werkzeug.utils import redirect

from ttp_common.consumer import consume
from ttp_common.mongo import DUPLICATE
from ttp_common.web import http

from .. import inbox, mail, metrics, notifications
from ..documents import EmailDelivery, Notification
from .common import page

log = logging.getLogger(__name__)
EMAIL_BATCH = 20
EMAIL_LEASE_SECONDS = 120  # a delivery taken by one portal instance is not taken by another meanwhile


class NotificationEntrypoints:
    @consume(*notifications.EVENTS)
    def on_event(self, event):
        """An event that concerns people becomes their messages (once per event: ``dedup``), each email queued;
        an old event (history read by a new consumer group) makes no message, and a less recent one no email."""
        settings, at = self.runtime.settings, inbox.now()
        if not notifications.fresh(event.time, at, timedelta(days=settings.notification_max_age_days)):
            return
        email = settings.email_on and notifications.fresh(event.time, at,
                                                          timedelta(hours=settings.email_max_age_hours))
        made = self.store.transact(inbox.record, event.event_name, event.data, event.id, at, email, dedup=event)
        if made is not DUPLICATE:
            for message in made:
                metrics.NOTIFICATIONS_CREATED.labels(message.kind).inc()

    # -- pages ------------------------------------------------------------------------------------
    def _person(self, request, path):
        signed = self.signed_in(request)
        if signed is None:
            return None, redirect(f"/auth/login?next={path}", code=303)
        return signed[0], None

    @http("GET", "/notifications")
    @page("notifications")
    def notifications_page(self, request):
        session, refused = self._person(request, "/notifications")
        if refused:
            return refused
        try:
            number = int(request.args.get("page", "1"))
        except ValueError:
            number = 1
        items, total, pages = inbox.page_of(self.store, session.user, number)
        number = min(max(1, number), pages)
        return self.render(request, "notifications.html", title="站内消息", items=items, total=total, pages=pages,
                           page_number=number)

    @http("GET", "/notifications/<string:message_id>")
    @page("notification")
    def notification_page(self, request, message_id):
        """One message, opened: it is read from now on. Another organization's message is 404 (not its text)."""
        session, refused = self._person(request, "/notifications")
        if refused:
            return refused
        found = self.store.find_one(Notification, {"_id": message_id})
        if found is None or not notifications.may_read(session.user, found.audience, found.roles):
            return self.render(request, "message.html", status=404, title="未找到", text="没有这条消息。")
        inbox.mark_read(self.store, session.user, message_id)
        return self.render(request, "notification.html", title=found.title, message=found)

    @http("POST", "/notifications/<string:message_id>/read")
    @page("notification_read")
    def notification_read(self, request, message_id):
        signed, refused = self.form_post(request, "/notifications")
        if refused:
            return refused
        session, _ = signed
        if message_id == "all":
            inbox.mark_all_read(self.store, session.user)
        elif not inbox.mark_read(self.store, session.user, message_id):
            return self.render(request, "message.html", status=404, title="未找到", text="没有这条消息。")
        return redirect(_back(request.form.get("page")), code=303)

    # -- email ------------------------------------------------------------------------------------
    @timer(interval=2)
    def send_emails(self):
        """Mail the messages whose email is due; a failure is tried again later, and given up after the last try
        (the message stays in the centre)."""
        settings = self.runtime.settings
        if not settings.email_on:
            return
        at = inbox.now()
        due = self.store.find(EmailDelivery, {"state": "pending", "next_at": {"$lte": at}}, sort=[("next_at", 1)],
                              limit=EMAIL_BATCH)
        for delivery in due:
            lease = at + timedelta(seconds=EMAIL_LEASE_SECONDS)
            if self.store.update(EmailDelivery, {"_id": delivery.id, "state": "pending", "next_at": delivery.next_at},
                                 {"$set": {"next_at": lease}}) != 1:
                continue  # another instance took it
            self._deliver(delivery, settings)

    def _deliver(self, delivery, settings):
        message = self.store.find_one(Notification, {"_id": delivery.id})
        if message is None:
            self.store.delete(EmailDelivery, {"_id": delivery.id})
            return
        try:
            addresses = self.runtime.recipients.of(message.audience, list(message.roles))
        except mail.RecipientsUnavailable as exc:
            return self._failed(delivery, settings, "recipients", exc)
        content = {"title": message.title, "text": message.text, "link": message.link}
        emails = [mail.compose(content, settings.smtp_from, address, settings.public_url) for address in addresses]
        try:
            if emails:
                self.runtime.mailer.send(emails)
        except (smtplib.SMTPException, OSError) as exc:
            return self._failed(delivery, settings, "smtp", exc)
        self.store.update(EmailDelivery, {"_id": delivery.id}, {"$set": {
            "state": "sent", "sent_at": inbox.now(), "recipients": len(emails), "attempts": delivery.attempts + 1}})
        metrics.EMAILS_SENT.inc(len(emails))

    def _failed(self, delivery, settings, stage, exc):
        attempts = delivery.attempts + 1
        retry_at = mail.next_attempt(attempts, inbox.now(), settings.email_retry_seconds, settings.email_max_attempts)
        outcome = "given_up" if retry_at is None else "retried"
        metrics.EMAILS_FAILED.labels(stage, outcome).inc()
        # the kind of failure only: an SMTP answer may repeat an address
        log.warning("notification email %s: %s failed (%s), attempt %s, %s", delivery.id, stage, type(exc).__name__,
                    attempts, outcome)
        changes = {"attempts": attempts, "last_error": f"{stage}:{type(exc).__name__}"}
        changes.update({"state": "failed"} if retry_at is None else {"next_at": retry_at})
        self.store.update(EmailDelivery, {"_id": delivery.id}, {"$set": changes})


def _back(page_number):
    try:
        number = int(page_number or 1)
    except ValueError:
        number = 1
    return "/notifications" if number <= 1 else f"/notifications?page={number}"
