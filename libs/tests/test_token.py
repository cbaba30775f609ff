"""``ttp-token`` and ``ttp_tools.signin`` without an identity service: the clear refusals (exit status 2) when
the identity service does not answer or the development credentials are missing, and the sign-in pages the
helpers recognise being the identity service's own."""
import json

import pytest
import requests
from nameko.testing.utils import find_free_port

from ttp_tools import signin, token


def test_no_identity_service_is_exit_status_2_with_a_message(tmp_path, capsys):
    port = find_free_port()  # nothing listens there
    code = token.main(["--role", "admin", "--issuer", f"http://127.0.0.1:{port}",
                       "--credentials", str(tmp_path / "creds.json")])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert f"the identity service does not answer at http://127.0.0.1:{port}" in err and "make up" in err


class Answering:
    status_code = 200

    def raise_for_status(self):
        pass


def test_a_missing_credentials_file_is_exit_status_2_with_a_message(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(token.requests, "get", lambda *args, **kwargs: Answering())  # identity "answers"
    missing = tmp_path / "dev-credentials.json"
    assert token.main(["--client", "dev-subscriber", "--credentials", str(missing)]) == 2
    err = capsys.readouterr().err
    assert f"no development credentials at {missing}" in err and "make up" in err


def test_an_account_or_client_not_in_the_file_is_exit_status_1(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(token.requests, "get", lambda *args, **kwargs: Answering())
    creds = tmp_path / "creds.json"
    creds.write_text(json.dumps({"accounts": {}, "clients": {}}))
    assert token.main(["--client", "nobody", "--credentials", str(creds)]) == 1
    assert "no client nobody" in capsys.readouterr().err
    assert token.main(["--role", "reviewer", "--credentials", str(creds)]) == 1
    assert "no account dev-reviewer-chengdu" in capsys.readouterr().err


def test_the_roles_are_the_seeded_development_accounts():
    import yaml

    from identity.settings import PACKAGE_DIR

    seeded = yaml.safe_load((PACKAGE_DIR / "fixtures" / "dev-accounts.yaml").read_text(encoding="utf-8"))
    roles = {entry["username"]: entry["role"] for entry in seeded["accounts"]}
    assert {roles[name] for name in token.DEV_ACCOUNTS.values()} == set(token.DEV_ACCOUNTS)
    assert all(roles[name] == role for role, name in token.DEV_ACCOUNTS.items())


def test_the_sign_in_steps_are_recognised_by_the_headings_of_the_identity_pages():
    from identity.entrypoints.oauth import STAGE_PAGES

    assert signin.STAGES == {title: stage for stage, (_, title) in STAGE_PAGES.items()}


def test_the_page_helpers():
    page = ('<h1>绑定身份验证器</h1><p class="error" role="alert">验证码错误。</p><p>密钥：<code>ABCDEF234567</code></p>'
            '<form><input type="hidden" name="csrf_token" value="c-1"></form><ul><li>abcde-fghjk</li></ul>')
    assert signin.heading_of(page) == "绑定身份验证器" and signin.error_of(page) == "验证码错误。"
    assert signin.enrolment_secret(page) == "ABCDEF234567" and signin.csrf_of(page) == "c-1"
    assert signin.recovery_codes_of(page) == ["abcde-fghjk"]
    with pytest.raises(signin.SignInError, match="no sign-in form"):
        signin.csrf_of("<h1>登录已超时</h1><p>登录已超时或无效</p>")
    verifier, challenge = signin.pkce()
    assert len(verifier) >= 43 and "=" not in challenge
    assert signin.totp_code("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", at=59) == "287082"  # RFC 6238 SHA-1 vector


def test_a_sign_in_that_needs_a_new_password_says_so(monkeypatch):
    flow = signin.Flow("http://identity.invalid", client_secret="s")
    pages = iter([(200, "<h1>登录</h1>" + '<input name="csrf_token" value="c">'),
                  (200, "<h1>设置新密码</h1>" + '<input name="csrf_token" value="c">')])

    def answer(*args, **kwargs):
        status, text = next(pages)
        response = requests.Response()
        response.status_code, response._content = status, text.encode()
        return response

    monkeypatch.setattr(flow.http, "get", answer)
    monkeypatch.setattr(flow.http, "post", answer)
    with pytest.raises(signin.SignInError, match="must set a new password"):
        flow.sign_in("someone", "one-time")
