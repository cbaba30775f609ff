"""Brokers (技术经纪人): certification by level, the public verification of a certificate, its suspension
and reinstatement, and a broker's certificates and performance (also for other services). The work is in
``talent.handlers.brokers``.
"""
import logging
import os

from nameko.timer import timer

from ttp_common import auth, clock
from ttp_common.auth import Roles
from ttp_common.endpoints import endpoint
from ttp_common.rpc import rpc

from ..certification import CertificationIn, SuspensionIn
from ..documents import Certificate
from ..handlers import brokers as handlers
from ..handlers.people import person
from .common import RECORD, rpc_reply

log = logging.getLogger(__name__)
EXPIRY_CHECK_SECONDS = float(os.environ.get("EXPIRY_CHECK_SECONDS", 3600))  # certificates' expiry announcements

ADMINS = (Roles.ADMIN,)
CERTIFICATE = "/api/v1/certificates/<string:number>"
VERIFIED = ("number", "level", "level_label", "status", "valid_from", "valid_until")  # no personal data


class BrokerEntrypoints:
    """Certification, certificates and performance."""

    @endpoint("POST", "/api/v1/brokers/<string:person_id>/certificates", roles=ADMINS, body=CertificationIn,
              status=201, response=RECORD, errors=(409, 422),
              summary="Certify a broker at a level when its rules are met (admins); 422 rule_not_met lists what is "
                      "missing; 409 while a certificate of that level is suspended")
    def certify(self, ctx, person_id):
        """An admin certifies a broker at a level once the level's rules are met (422 lists what is missing;
        409 while a certificate of the level is suspended)."""
        certificate = self.store.transact(handlers.certify, person_id, ctx.body.level, ctx.principal, ctx.now,
                                          actor=ctx.actor)
        return handlers.certificate_view(certificate, clock.china_date(ctx.now))

    @endpoint("GET", CERTIFICATE, response=RECORD, summary="Verify a certificate (public): level, validity, status")
    def verify_certificate(self, ctx, number):
        """Public verification of a certificate: number, level, validity and status (no personal data)."""
        view = handlers.certificate_view(self.store.get(Certificate, number), clock.china_date(ctx.now))
        return {k: view[k] for k in VERIFIED}

    @timer(interval=EXPIRY_CHECK_SECONDS)
    def check_certificate_expiry(self):
        self._announce_expiries(clock.now_ms())

    @endpoint("POST", "/api/v1/certificates/expiry-check", roles=ADMINS, response=RECORD,
              described="The numbers of the certificates whose expiry was announced now",
              summary="Announce now each certificate that has expired since the last check, once "
                      "(talent.broker.certificate_expired.v1; also on a timer, EXPIRY_CHECK_SECONDS); admins")
    def run_expiry_check(self, ctx):
        return {"announced": self._announce_expiries(ctx.now)}

    def _announce_expiries(self, at):
        """Each certificate expired by ``at`` (China's date) and not yet announced, in a transaction of its own."""
        announced = []
        for number in handlers.expiry_candidates(self.store, clock.china_date(at)):
            if self.store.transact(handlers.announce_expiry, number, at, actor=handlers.SYSTEM):
                announced.append(number)
        if announced:
            log.info("announced the expiry of %d broker certificates", len(announced))
        return announced

    @endpoint("POST", CERTIFICATE + "/suspension", roles=ADMINS, body=SuspensionIn, response=RECORD,
              errors=(409,), summary="Suspend a certificate (admins)")
    def suspend_certificate(self, ctx, number):
        return self._change_certificate(ctx, number, "suspend")

    @endpoint("POST", CERTIFICATE + "/reinstatement", roles=ADMINS, body=SuspensionIn, response=RECORD,
              errors=(409,), summary="Reinstate a suspended, unexpired certificate (admins)")
    def reinstate_certificate(self, ctx, number):
        return self._change_certificate(ctx, number, "reinstate")

    def _change_certificate(self, ctx, number, action):
        certificate = self.store.transact(handlers.change_certificate, number, action, ctx.body.reason,
                                          ctx.principal, ctx.now, actor=ctx.actor)
        return handlers.certificate_view(certificate, clock.china_date(ctx.now))

    @endpoint("GET", "/api/v1/brokers/<string:person_id>", roles=(Roles.INSTITUTION, Roles.REVIEWER, Roles.ADMIN),
              response=RECORD, errors=(400,),
              summary="A broker's certificates and performance computed from registered technology contracts "
                      "(the person's organization, reviewers, admins)")
    def get_broker(self, ctx, person_id):
        """Certificates and performance: the person's organization, reviewers and admins."""
        broker = person(self.store, person_id)
        if ctx.principal.role == Roles.INSTITUTION:
            auth.require_org(ctx.principal, broker.organization_id)
        return {"person_id": broker.id, **handlers.broker(self.store, broker.id, clock.china_date(ctx.now))}

    @rpc
    def get_broker_performance(self, person_id):
        """For other services: the broker's certificates and figures computed from registered contracts."""
        return rpc_reply({"person_id": str(person_id), **handlers.broker(self.store, str(person_id),
                                                                         clock.china_date())})
