#!/usr/bin/env python3
"""Collect the OpenAPI documents of all the services in one place, without running them.

    python scripts/collect_openapi.py           # writes docs/openapi/<service>.json
    python scripts/collect_openapi.py --check   # exit 1 if a committed file is out of date

Each document is the service class's ``openapi_document()`` (generated from its ``@endpoint``
declarations), the same one the running service
serves at ``GET /api/v1/openapi.json``.
"""
import argparse
import importlib
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("EVENTLET_TESTS", "1")  # silences eventlet's deprecation banner on import
REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "docs" / "openapi"
SERVICES = {
    "registry": "registry.service:RegistryService",
    "transactions": "transactions.service:TransactionsService",
    "finance": "finance.service:FinanceService",
    "talent": "talent.service:TalentService",
    "metrics": "metrics.service:MetricsService",
    "identity": "identity.service:IdentityService",
    "innovation": "innovation.service:InnovationService",
    "delivery": "delivery.service:DeliveryService",
}


def spec_of(target):
    module, _, cls = target.partition(":")
    spec = getattr(importlib.import_module(module), cls).openapi_document()
    if not isinstance(spec, dict) or not str(spec.get("openapi", "")).startswith("3."):
        raise ValueError(f"{target}.openapi_document() is not an OpenAPI 3 document")
    return spec


def render(spec):
    return json.dumps(spec, ensure_ascii=False, indent=2, sort_keys=True, default=str) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    for name in SERVICES:  # the services are installed editable; this also works from a bare checkout
        sys.path.insert(0, str(REPO / "services" / name))
    stale = []
    for name, target in SERVICES.items():
        path = OUT / f"{name}.json"
        text = render(spec_of(target))
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            stale.append(path)
            if not args.check:
                OUT.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
                print(f"wrote {path.relative_to(REPO)}")
    if args.check and stale:
        print("out of date (run python scripts/collect_openapi.py): "
              + ", ".join(str(p.relative_to(REPO)) for p in stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
