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

.PHONY: help run test bench deps testbin typecheck lint format vitest

help:
	@echo "make run    start Koder Trace on this machine"
	@echo "make test   typecheck, lint, unit and integration tests (builds test binaries on first run)"
	@echo "make bench  ingest throughput side by side with the OpenTelemetry Collector"

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

typecheck: deps
	@echo "[typecheck] tsc"
	npx tsc -p tsconfig.json

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

test: deps testbin typecheck lint vitest

# Benchmarks are apart from tests: they report ratios against a reference, they do not pass or fail.
bench: deps testbin
	node bench/ingest-vs-collector.ts --mode receive
	node bench/ingest-vs-collector.ts --mode forward

# Until the query service and its embedded store land, the product's main job on one machine is the
# ingester in single-tenant mode; the banner says plainly that spans are not stored yet.
run: deps
	@echo "Koder Trace (early): the ingester, single-tenant, on this machine"
	@echo "  OTLP/gRPC  127.0.0.1:4317    OTLP/HTTP  http://127.0.0.1:4318/v1/traces"
	@echo "  metrics    http://127.0.0.1:8888/metrics (koder_usage_* counts tokens and spans per model)"
	@echo "  point any OTel SDK at it:  export OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318"
	@echo "  Spans are accepted, normalised, sampled and counted, then discarded: the embedded store and"
	@echo "  trace UI are not built yet. Stop with Ctrl-C."
	node ingester/src/main.ts --config examples/ingester/local.yaml
