"""``ttp-token``: print an access token of the running identity service (development).

    ttp-token --role admin              # signs in as dev-admin (password and TOTP code from the credentials file)
    ttp-token --role reviewer           # dev-reviewer-chengdu (510100); institution: dev-institution
    ttp-token --account dev-registrar-chengdu
    ttp-token --client dev-subscriber [--scope registry:read]   # client credentials

The passwords, TOTP secrets and client secrets are those the identity service's development seeding wrote
(``.run/identity/dev-credentials.json``, or ``--credentials``); the token is the portal's (a person's, audience
``ttp``) or the client's. Exit status 2 when the identity service does not answer or there is no credentials
file, 1 when it refuses the sign-in."""
import argparse
import os
import sys

import requests

from ttp_common.settings import DEFAULTS

from .signin import DEV_CREDENTIALS, CredentialsMissing, SignInError, client_token, dev_credentials, sign_in

# the seeded development account of each role (identity/fixtures/dev-accounts.yaml)
DEV_ACCOUNTS = {"admin": "dev-admin", "institution": "dev-institution", "reviewer": "dev-reviewer-chengdu",
                "registrar": "dev-registrar-chengdu"}


class Unavailable(Exception):
    """Exit status 2: what the command needs is not there."""


def token_for(args):
    """The token response for the parsed arguments."""
    issuer = args.issuer.rstrip("/")
    try:
        requests.get(f"{issuer}/.well-known/openid-configuration", timeout=5).raise_for_status()
    except requests.RequestException as exc:
        raise Unavailable(f"the identity service does not answer at {issuer} ({exc.__class__.__name__}); "
                          "start the stack with `make up`") from None
    try:
        credentials = dev_credentials(args.credentials)
    except CredentialsMissing as exc:
        raise Unavailable(str(exc)) from None
    if args.client:
        client = credentials.get("clients", {}).get(args.client)
        if client is None:
            raise SignInError(f"no client {args.client} in {args.credentials or DEV_CREDENTIALS}")
        return client_token(issuer, args.client, client["client_secret"], args.scope)
    username = args.account or DEV_ACCOUNTS[args.role]
    account = credentials.get("accounts", {}).get(username)
    portal = credentials.get("clients", {}).get("portal")
    if account is None or portal is None:
        raise SignInError(f"no {'account ' + username if account is None else 'portal client'} in "
                          f"{args.credentials or DEV_CREDENTIALS}")
    return sign_in(issuer, username, account["password"], totp_secret=account.get("totp_secret"),
                   client_secret=portal["client_secret"], scope=args.scope or "openid profile")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="ttp-token", description="Print an access token of the running identity service (development).")
    who = parser.add_mutually_exclusive_group()
    who.add_argument("--role", choices=sorted(DEV_ACCOUNTS), default="admin",
                     help="sign in as this role's development account (default admin: dev-admin)")
    who.add_argument("--account", help="sign in as this account of the credentials file")
    who.add_argument("--client", help="a client-credentials token of this client (e.g. dev-subscriber)")
    parser.add_argument("--scope", help="scopes asked for (space-separated; a client's default: all of its own)")
    parser.add_argument("--issuer", default=os.environ.get("OIDC_ISSUER") or DEFAULTS["OIDC_ISSUER"],
                        help="the identity service's URL (OIDC_ISSUER; default %(default)s)")
    parser.add_argument("--credentials", help=f"the development credentials file (default {DEV_CREDENTIALS})")
    parser.add_argument("--json", action="store_true", help="print the whole token response")
    args = parser.parse_args(argv)
    try:
        response = token_for(args)
    except Unavailable as exc:
        print(f"ttp-token: {exc}", file=sys.stderr)
        return 2
    except SignInError as exc:
        print(f"ttp-token: {exc}", file=sys.stderr)
        return 1
    except requests.RequestException as exc:
        print(f"ttp-token: the identity service at {args.issuer} failed: {exc}", file=sys.stderr)
        return 2
    if args.json:
        import json

        print(json.dumps(response, indent=1))
    else:
        print(response["access_token"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
