"""``ttp-token``: print a development bearer token (signed with TTP_JWT_SECRET, like the services check it)."""
import argparse

from ttp_common.auth import Roles, mint_token


def main(argv=None):
    """`ttp-token --role admin [--sub alice] [--org ORG] [--region 510100] [--ttl 3600]`"""
    parser = argparse.ArgumentParser(prog="ttp-token", description="Print a TTP bearer token (uses TTP_JWT_SECRET).")
    parser.add_argument("--role", required=True, choices=[r.value for r in Roles])
    parser.add_argument("--sub", help="subject (default: dev-<role>)")
    parser.add_argument("--org", help="organization id (institution scope)")
    parser.add_argument("--region", help="region code (reviewer scope), e.g. 510100")
    parser.add_argument("--ttl", type=int, default=3600, help="lifetime in seconds")
    args = parser.parse_args(argv)
    print(mint_token(args.sub or f"dev-{args.role}", args.role, org=args.org, region=args.region, ttl_seconds=args.ttl))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
