"""``ttp-token`` against a running identity service (its development accounts seeded, credentials file of its
own): the token it prints for each seeded role (the privileged ones with a TOTP code computed from the file, a
second one within the same 30 s step too) and a client's, verified by ``ttp_common.oidc`` against that issuer."""
import sys
from pathlib import Path

import pytest

from ttp_common import oidc
from ttp_common.auth import Roles
from ttp_tools import token

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO / "services" / "identity" / "tests"))
from _identity import credentials, running_identity  # noqa: E402

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def identity():
    with running_identity() as api:
        api.creds = credentials(api)
        yield api


def printed(identity, capsys, *args):
    code = token.main(["--issuer", identity.url, "--credentials", identity.config["IDENTITY_CREDENTIALS_FILE"],
                       *args])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert err == "" and len(out.splitlines()) == 1
    return out.strip()


def verifier(identity, service=None):
    return oidc.Verifier(oidc.OidcSettings.from_config({"OIDC_ISSUER": identity.url}, service=service))


@pytest.mark.parametrize("role, region, amr", [("admin", None, ["otp", "pwd"]), ("institution", None, ["pwd"]),
                                                ("reviewer", "510100", ["otp", "pwd"]),
                                                ("registrar", "510100", ["otp", "pwd"])])
def test_the_token_of_each_development_role_verifies(identity, capsys, role, region, amr):
    principal = verifier(identity).verify(printed(identity, capsys, "--role", role))
    account = identity.creds["accounts"][token.DEV_ACCOUNTS[role]]
    assert principal.role == Roles(role) and principal.sub == account["account_id"]
    assert principal.region == region and principal.claims["iss"] == identity.url
    assert principal.claims["preferred_username"] == token.DEV_ACCOUNTS[role] and principal.claims["amr"] == amr
    if role == "institution":
        assert principal.org == "dev-demo-organization"


def test_twice_within_one_totp_step(identity, capsys):
    """The second sign-in's code of the same step is refused as used before: the next step's is taken."""
    first = verifier(identity).verify(printed(identity, capsys, "--account", "dev-admin"))
    second = verifier(identity).verify(printed(identity, capsys, "--account", "dev-admin"))
    assert first.sub == second.sub and first.claims["sid"] != second.claims["sid"]


def test_a_client_token(identity, capsys):
    principal = verifier(identity, service="registry").verify(
        printed(identity, capsys, "--client", "dev-subscriber", "--scope", "registry:read"))
    assert principal.role == Roles.CLIENT and principal.sub == principal.client_id == "dev-subscriber"
    assert principal.scopes == {"registry:read"}
    every = verifier(identity, service="metrics").verify(printed(identity, capsys, "--client", "dev-subscriber"))
    assert every.scopes == set(identity.creds["clients"]["dev-subscriber"]["scopes"])


def test_identity_running_but_no_credentials_file(identity, capsys, tmp_path):
    code = token.main(["--issuer", identity.url, "--credentials", str(tmp_path / "none.json")])
    assert code == 2 and "no development credentials" in capsys.readouterr().err
