# The front door. Every target sets up what it needs on a fresh machine of this kind.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SERVICES := registry transactions finance talent metrics identity innovation delivery portal
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: help install portal-assets system-deps bench-deps run up down health test test-unit test-integration bench bench-backbone bench-registry bench-transactions bench-finance bench-metrics bench-rebuild bench-durability bench-idle bench-load bench-e2e bench-portal bench-identity bench-delivery soak fuzz docs docs-check dashboards demo portal-screenshots rebuild-metrics token replay clean distclean

help:
	@echo "make run      install, start the local stack and all services in the foreground (Ctrl-C stops)"
	@echo "make up/down  the same in the background; up returns when every /health answers 200"
	@echo "make test     install, start the local servers and run the whole test suite"
	@echo "make docs     freeze changed schemas as new revisions, regenerate docs/asyncapi.yaml"
	@echo "make bench    every benchmark below in one go (backbone, services at 10k, load, end to end), with baselines"
	@echo "make bench-backbone | bench-registry | bench-transactions | bench-finance | bench-metrics   one benchmark each"
	@echo "make bench-rebuild  make rebuild-metrics over 100,000 events (private SecantusDB) beside a raw consume"
	@echo "make bench-durability  what --sync-on-commit (the development database's default) costs in commits/s"
	@echo "make bench-idle   CPU of each idle service and the broker beside a bare nameko process (private servers)"
	@echo "make bench-load   HTTP p50/p95/p99 and req/s under wrk, memory per service (private servers)"
	@echo "make bench-e2e    events/s from HTTP writes to the metrics projection (private servers)"
	@echo "make bench-portal the portal's server time per page (median, p95) beside the API calls it makes"
	@echo "make soak     10-minute steady load over the five services (SOAK_SECONDS=...); errors and RSS verdict"
	@echo "make fuzz     deep fuzzing: every caller's token, FUZZ_EXAMPLES (50) per operation, stateful runs (long)"
	@echo "make demo     drive a scenario through all five running services (after make up; idempotent)"
	@echo "make portal-screenshots  PNGs of the portal's main pages under docs/portal/ (starts its own services, not make up's)"
	@echo "make rebuild-metrics  wipe the metrics projections and replay the topics (stop metrics first)"
	@echo "make dashboards  regenerate deploy/grafana dashboards from code"
	@echo "make token ROLE=admin|institution|reviewer|registrar   a token from the running identity (CLIENT=dev-subscriber [SCOPE=...]: a client's)"
	@echo "make replay   republish every stored event (after the memory broker lost its log)"
	@echo "make clean    stop what runs and remove local state (.run/: databases, logs, pid files)"
	@echo "make distclean  clean, and remove the virtualenv too"

# libs: ttp-common (what the services import; the only library in their images), libs/tools: ttp-tools
# (ttp-stack, ttp-asyncapi, ttp-schemas, ttp-dlq, ttp-token), libs/testing: ttp-testing (the pytest plugin).
# The last two after ttp-common: replacing an older ttp-common, which had those commands, removes their scripts.
$(STAMP): requirements.txt requirements-dev.txt libs/pyproject.toml libs/tools/pyproject.toml libs/testing/pyproject.toml $(foreach s,$(SERVICES),services/$(s)/pyproject.toml)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -r requirements-dev.txt
	$(BIN)/pip install -q --disable-pip-version-check --no-deps -e libs $(foreach s,$(SERVICES),-e services/$(s))
	$(BIN)/pip install -q --disable-pip-version-check --no-deps -e libs/tools -e libs/testing
	touch $@

# The portal's browser assets (ECharts), pinned in services/portal/package-lock.json, served by the portal.
PORTAL_ASSETS := services/portal/node_modules/echarts/dist/echarts.min.js
$(PORTAL_ASSETS): services/portal/package.json services/portal/package-lock.json
	@command -v npm >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null)
	cd services/portal && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	touch $@

portal-assets: $(PORTAL_ASSETS)

install: $(STAMP) $(PORTAL_ASSETS)

# From Debian: Prometheus and promtool for the rule tests and the dashboard queries test; Apache Avro
# for Java (libavro-java) and a JDK for the Java subscriber example's test; Chromium and the Noto CJK fonts for
# the portal's browser tests (Playwright drives /usr/bin/chromium: its own browser download does not work here).
system-deps:
	@command -v promtool >/dev/null && command -v prometheus >/dev/null || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus >/dev/null && \
	   (service prometheus stop >/dev/null 2>&1 || pkill -x prometheus || true))
	@command -v amtool >/dev/null && command -v prometheus-alertmanager >/dev/null || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus-alertmanager >/dev/null && \
	   (service prometheus-alertmanager stop >/dev/null 2>&1 || true))
	@test -f /usr/share/java/avro.jar && command -v javac >/dev/null || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libavro-java default-jdk-headless >/dev/null)
	@command -v chromium >/dev/null && test -d /usr/share/fonts/opentype/noto || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null)

# The HTTP load tool of bench-load: Debian's wrk, pinned (override WRK_DEB on another release).
WRK_DEB ?= 4.1.0-3+b2
bench-deps:
	@dpkg-query -W -f='$${Version}' wrk 2>/dev/null | grep -qx '$(WRK_DEB)' || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq 'wrk=$(WRK_DEB)' >/dev/null)

run: install
	$(BIN)/ttp-stack run

up: install
	$(BIN)/ttp-stack up

down: install
	$(BIN)/ttp-stack down

health: install
	$(BIN)/ttp-stack health

test: install system-deps
	$(BIN)/ttp-stack infra-up
	$(BIN)/pytest

test-unit: install
	$(BIN)/pytest -m "not integration"

test-integration: install system-deps
	$(BIN)/ttp-stack infra-up
	$(BIN)/pytest -m integration

docs: install
	$(BIN)/ttp-schemas freeze
	$(BIN)/ttp-asyncapi --output docs/asyncapi.yaml
	$(BIN)/python scripts/collect_openapi.py
	$(BIN)/python deploy/k8s/generate.py
	$(BIN)/python deploy/grafana/generate.py

docs-check: install
	$(BIN)/ttp-asyncapi --check docs/asyncapi.yaml
	$(BIN)/python scripts/collect_openapi.py --check
	$(BIN)/python deploy/k8s/generate.py --check
	$(BIN)/python deploy/grafana/generate.py --check

dashboards: install
	$(BIN)/python deploy/grafana/generate.py

demo: install
	$(BIN)/python scripts/demo.py $(DEMO_ARGS)

# PNGs of the portal's main pages under docs/portal/ (shown in the README): starts its own identity, registry,
# transactions, metrics and portal processes on free ports (not `make up`'s), fills them through the APIs, signs in
# as the development accounts in Debian's Chromium
portal-screenshots: install system-deps
	$(BIN)/ttp-stack infra-up
	$(BIN)/python scripts/portal_screenshots.py

rebuild-metrics: install
	$(BIN)/ttp-stack infra-up
	$(BIN)/ttp-metrics-rebuild --config services/metrics/config.yaml

ROLE ?= admin
token: install
	@$(BIN)/ttp-token $(if $(CLIENT),--client $(CLIENT),--role $(ROLE)) $(if $(SCOPE),--scope "$(SCOPE)")

replay: install
	$(BIN)/ttp-stack replay

clean:
	-test -x $(BIN)/ttp-stack && $(BIN)/ttp-stack down
	rm -rf .run

distclean: clean
	rm -rf $(VENV)

# `make bench` runs them all. The 100k registry/finance figures need a private database (see
# docs/performance.md): here they run at 10,000 rows; `make bench-registry` / `bench-finance` keep 100k.
# bench-load, bench-e2e and soak start a private copy of the platform (own SecantusDB, Tansu, vhost).
bench: bench-backbone bench-durability bench-transactions bench-metrics bench-idle bench-load bench-e2e bench-portal
	$(BIN)/python bench/bench_registry.py --achievements 10000 --queries 20
	$(BIN)/python bench/bench_finance.py --projects 10000 --queries 10
	$(BIN)/python bench/bench_rebuild.py --events 10000

bench-delivery: install
	$(BIN)/ttp-stack infra-up
	$(BIN)/python bench/bench_delivery.py

bench-backbone: install
	$(BIN)/ttp-stack infra-up
	$(BIN)/python bench/bench_backbone.py

bench-registry: install
	$(BIN)/ttp-stack infra-up
	$(BIN)/python bench/bench_registry.py

bench-transactions: install
	$(BIN)/ttp-stack infra-up
	$(BIN)/python bench/bench_transactions.py

bench-finance: install
	$(BIN)/ttp-stack infra-up
	$(BIN)/python bench/bench_finance.py

# The rebuild writes into a private SecantusDB; the events go through the shared broker under a prefix of their own.
bench-rebuild: install
	$(BIN)/ttp-stack infra-up
	$(BIN)/python bench/bench_rebuild.py

# Private SecantusDB servers of its own: no shared server needed.
bench-durability: install
	$(BIN)/python bench/bench_durability.py

bench-metrics: install
	$(BIN)/ttp-stack infra-up
	$(BIN)/python bench/bench_metrics.py

# Two private copies of the platform: idle CPU with the consumers' old fixed fetch wait and the adaptive one.
bench-idle: install
	$(BIN)/python bench/bench_idle.py

bench-load: install bench-deps
	$(BIN)/ttp-stack infra-up
	$(BIN)/python bench/bench_load.py

bench-identity: install bench-deps
	$(BIN)/ttp-stack infra-up
	$(BIN)/python bench/bench_identity.py

bench-e2e: install
	$(BIN)/ttp-stack infra-up
	$(BIN)/python bench/bench_e2e.py

# The portal's pages beside the API calls each makes (its own identity, services and portal on free ports).
bench-portal: install
	$(BIN)/ttp-stack infra-up
	$(BIN)/python bench/bench_portal.py

SOAK_SECONDS ?= 600
FUZZ_EXAMPLES ?= 50
soak: install
	$(BIN)/ttp-stack infra-up
	$(BIN)/python bench/bench_soak.py --seconds $(SOAK_SECONDS)

# Deep fuzzing on demand (CI keeps its short run): every operation of every service with the token of every kind
# of caller, FUZZ_EXAMPLES examples each, and stateful runs that create records and drive them through their states.
fuzz: install
	$(BIN)/ttp-stack infra-up
	FUZZ_DEEP=1 FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest -q tests/security/test_fuzz.py
