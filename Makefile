# Two commands matter: `make run` and `make test`. Each sets itself up: Node 24 (when the machine's
# Node is older), npm dependencies, and for tests the real binaries built from Go modules.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# Node 24 first on PATH when the machine's Node is too old (scripts/ensure-node.sh installs it once).
NODE_BIN := $(shell scripts/ensure-node.sh)
ifneq ($(NODE_BIN),)
export PATH := $(NODE_BIN):$(PATH)
endif

.PHONY: help run demo test soak bench images deps testbin browser ui typecheck lint format vitest

help:
	@echo "make run    start Koder Trace on this machine"
	@echo "make test   typecheck, lint, unit and integration tests (builds test binaries on first run)"
	@echo "make soak   fuzzing at 100,000 cases per transport and 60 s of overload (figures in test-results/)"
	@echo "make demo   send realistic agent traces (and ratings) to a running make run"
	@echo "make ui     build the trace UI (make run does it; node query/ui/build.ts --watch while editing)"
	@echo "make bench  ingest vs the OpenTelemetry Collector; trace detail vs a bare store lookup"
	@echo "make images build the operator, ingester and query images (needs a container engine)"

node_modules/.deps-installed: package.json package-lock.json $(wildcard */package.json)
	@echo "[deps] installing npm dependencies (node $$(node --version))"
	npm ci --no-fund --no-audit --loglevel=error
	@touch $@

deps: node_modules/.deps-installed

# Real kube-apiserver, etcd, kubectl, helm, telemetrygen and otelcol, built once into a cache.
# Under CI a build failure fails the run; elsewhere the suites that need a binary skip and say why.
testbin:
	@test/testbin/build.sh || { \
	  if [ "$${CI:-}" = true ]; then echo "[testbin] CI: test binaries are required" >&2; exit 1; fi; \
	  echo "[testbin] continuing: suites needing the missing binaries will skip" >&2; }

# Debian's Chromium for the browser tests of the UI (playwright-core drives it; nothing is downloaded).
browser:
	@scripts/ensure-chromium.sh || { \
	  if [ "$${CI:-}" = true ]; then echo "[browser] CI: chromium is required" >&2; exit 1; fi; \
	  echo "[browser] continuing: the browser suite will skip" >&2; }

# The trace UI (Preact, bundled by esbuild into query/ui/dist; the query service serves it at /).
ui: deps
	node query/ui/build.ts

typecheck: deps
	@echo "[typecheck] tsc (programs, then the UI)"
	npx tsc -p tsconfig.json
	npx tsc -p query/ui/tsconfig.json

lint: deps
	@echo "[lint] biome"
	npx biome check .

format: deps
	npx biome check --write .

VITEST_REPORT := node_modules/.vitest-report.json
vitest: deps
	@rm -f $(VITEST_REPORT)
	@status=0; npx vitest run --reporter=default --reporter=json --outputFile.json=$(VITEST_REPORT) || status=$$?; \
	  node scripts/test-summary.mjs $(VITEST_REPORT); exit $$status

# The UI is built by the integration tests' global setup (test/harness/build-ui.ts).
test: deps testbin browser typecheck lint vitest

# Reliability suites of `make test` at soak length: the fuzz suite at 100,000 seeded cases per
# transport (figures: test-results/fuzz-<transport>.json) and 60 s of LLM-span overload.
SOAK_CASES ?= 100000
soak: deps
	KODER_FUZZ_CASES=$(SOAK_CASES) KODER_OVERLOAD_SECONDS=60 npx vitest run --project integration \
	  test/reliability/fuzz.test.ts test/reliability/overload.test.ts --testTimeout=3600000

# Benchmarks are apart from tests: they report ratios against a reference, they do not pass or fail.
bench: deps
	test/testbin/build.sh otelcol
	node bench/ingest-vs-collector.ts --mode receive
	node bench/ingest-vs-collector.ts --mode forward
	node --expose-gc bench/query-trace-detail.ts --spans 1000000

# The one-machine stack: ingester (OTLP 4317/4318) → embedded SQLite store → query API (8080).
# MANIFESTS=dir loads TraceTenant/SamplingPolicy manifests (with token Secrets) instead of single-tenant.
run: deps ui
	node query/src/local.ts $(if $(MANIFESTS),--manifests $(MANIFESTS))

# Realistic agent traffic (stock OTel SDK) and ratings for a running `make run`.
demo: deps
	node query/src/demo/traffic.ts

# Container images, where a container engine runs (none does on our development machines).
IMAGE_TAG ?= $(shell awk '/^appVersion:/ {gsub(/"/, "", $$2); print $$2}' charts/koder-trace/Chart.yaml)
images:
	@if ! docker info >/dev/null 2>&1; then echo "[images] no container engine reachable: nothing built"; exit 0; fi; \
	for c in operator ingester query; do \
	  echo "[images] koder-trace/$$c:$(IMAGE_TAG)"; docker build --target $$c -t koder-trace/$$c:$(IMAGE_TAG) . || exit 1; \
	done
