"""The identity service's own Prometheus metrics (beside the platform's RED metrics)."""
from prometheus_client import Counter

SIGN_INS = Counter("ttp_identity_sign_ins_total", "Sign-in steps by outcome (success, wrong_password, "
                   "unknown_account, throttled, locked, disabled, totp_failed, totp_replayed, recovery_code, "
                   "expired_password)", ["outcome"])
PASSWORD_CHECKS = Counter("ttp_identity_password_checks_total",
                          "argon2id verifications of a password (throttled attempts do not get one)")
LOCKOUTS = Counter("ttp_identity_lockouts_total", "Accounts locked after consecutive failed sign-ins")
TOKENS_ISSUED = Counter("ttp_identity_tokens_issued_total", "Access tokens issued, by grant type", ["grant_type"])
TOKEN_REFUSALS = Counter("ttp_identity_token_refusals_total", "Token requests refused, by OAuth error", ["error"])
SECURITY_EVENTS = Counter("ttp_identity_security_events_total", "Security audit records, by action and outcome",
                          ["action", "outcome"])

for _outcome in ("success", "wrong_password", "unknown_account", "throttled", "locked", "disabled", "totp_failed",
                 "totp_replayed", "recovery_code"):
    SIGN_INS.labels(_outcome)
for _grant in ("authorization_code", "refresh_token", "client_credentials"):
    TOKENS_ISSUED.labels(_grant)
