"""The second factor: TOTP (RFC 6238, pyotp) and recovery codes. No I/O.

Codes are 6 digits over 30-second steps, accepted one step either side for clock drift. A code is
accepted only for a time step later than the last one accepted for the account (``last_step``), so a
code seen once (shoulder-surfed, replayed from a proxy log) is refused for the rest of its life; the
store applies the step with a conditional update, so two concurrent uses of one code cannot both pass.
Recovery codes are 10 random codes of 10 characters (about 50 bits each), shown once at enrolment and
stored as SHA-256 digests; each works once.
"""
import base64
import hashlib
import hmac
import secrets

import pyotp
import segno

DIGITS = 6
INTERVAL = 30
DRIFT_STEPS = 1
RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i


def new_secret():
    return pyotp.random_base32(32)  # 160 bits, RFC 4226's recommendation


def provisioning_uri(secret, username, issuer_name="四川科技成果转移转化平台"):
    """The otpauth:// URI an authenticator app scans (Key Uri Format)."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=INTERVAL).provisioning_uri(name=username,
                                                                                   issuer_name=issuer_name)


def qr_svg_data_uri(uri):
    """The URI as a QR code image (SVG, a data: URI for an <img>)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


def step_of(at):
    """The TOTP time step of an aware datetime."""
    return int(at.timestamp()) // INTERVAL


def matching_step(secret, code, at, last_step):
    """The time step ``code`` is valid for (within the drift, after ``last_step``), or None."""
    code = (code or "").strip().replace(" ", "")
    if len(code) != DIGITS or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=INTERVAL)
    now_step = step_of(at)
    found = None
    for step in range(now_step - DRIFT_STEPS, now_step + DRIFT_STEPS + 1):
        expected = totp.generate_otp(step)
        if hmac.compare_digest(expected, code) and step > (last_step or 0):
            found = step  # keep comparing: the same time for every code
    return found


def new_recovery_codes(count=RECOVERY_CODES):
    """(codes to show once, their digests to store)."""
    codes = ["".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10)) for _ in range(count)]
    shown = [f"{code[:5]}-{code[5:]}" for code in codes]
    return shown, [recovery_digest(code) for code in shown]


def recovery_digest(code):
    normal = (code or "").strip().lower().replace("-", "").replace(" ", "")
    return base64.urlsafe_b64encode(hashlib.sha256(normal.encode()).digest()).decode().rstrip("=")


def looks_like_recovery_code(code):
    normal = (code or "").strip().lower().replace("-", "").replace(" ", "")
    return len(normal) == 10 and all(ch in _RECOVERY_ALPHABET for ch in normal)
