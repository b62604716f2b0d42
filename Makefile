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

.PHONY: help run demo export test soak bench images cluster deps testbin browser ui typecheck lint format vitest

help:
	@echo "make run    start Koder Trace on this machine"
	@echo "make test   typecheck, lint, unit and integration tests (builds test binaries on first run)"
	@echo "make soak   fuzzing at 100,000 cases per transport and 60 s of overload (figures in test-results/)"
	@echo "make demo   send realistic agent traces (and ratings) to a running make run"
	@echo "make export export traces or LLM calls from a running make run (ARGS='--what calls --format csv --out f')"
	@echo "make ui     build the trace UI (make run does it; node query/ui/build.ts --watch while editing)"
	@echo "make bench  ingest vs the OpenTelemetry Collector; trace detail vs a bare store lookup; sampling modes"
	@echo "make images build the operator, ingester and query images (no container engine needed)"

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

# The real-cluster suites' parts (test/cluster/): Debian's containerd, runc, CNI plugins and iptables,
# kubelet and the other node binaries, CoreDNS, and every image (product and test images). Under CI a
# failure fails the run; elsewhere the suites that need a missing part skip and say why.
cluster: deps
	@{ scripts/ensure-cluster-tools.sh && test/testbin/build.sh cluster && scripts/build-images.sh all; } || { \
	  if [ "$${CI:-}" = true ]; then echo "[cluster] CI: the real-cluster parts are required" >&2; exit 1; fi; \
	  echo "[cluster] continuing: the real-cluster suites will skip" >&2; }

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
test: deps testbin browser cluster typecheck lint vitest

# Reliability suites of `make test` at soak length: the fuzz suite at 100,000 seeded cases per
# transport (figures: test-results/fuzz-<transport>.json), 60 s of LLM-span overload and a 60 s storage
# outage under steady load (figures: the [overload] and [storage-outage] lines of the output).
SOAK_CASES ?= 100000
soak: deps
	KODER_FUZZ_CASES=$(SOAK_CASES) KODER_OVERLOAD_SECONDS=60 KODER_OUTAGE_SECONDS=60 npx vitest run --project integration \
	  test/reliability/fuzz.test.ts test/reliability/overload.test.ts test/reliability/storage-outage.test.ts \
	  --testTimeout=3600000

# Benchmarks are apart from tests: they report ratios against a reference, they do not pass or fail.
bench: deps
	test/testbin/build.sh otelcol otelcol-tail
	node bench/ingest-vs-collector.ts --seconds 5
	node bench/ingest-vs-collector.ts --mode receive --spans llm --concurrency 1 --rate 10000 --seconds 20 # below saturation: ack latency
	node bench/hot-path.ts --seconds 3
	node bench/wal-record.ts --seconds 2 # the write-ahead log per request: encode, checksum (vs node:zlib), write
	node bench/wal-append.ts # the write-ahead log's durable appends vs the disk's floor
	node bench/worker-threads.ts --spans llm --workers 0,1,2 --seconds 3
	node --expose-gc bench/query-trace-detail.ts --spans 1000000
	node --expose-gc bench/trace-sampling.ts --traces 10000 # head vs trace mode vs three forwarding replicas

# The one-machine stack: ingester (OTLP 4317/4318) → embedded SQLite store → query API (8080).
# MANIFESTS=dir loads TraceTenant/SamplingPolicy manifests instead of single-tenant mode; a tenant whose
# token Secret is not there gets a token made and printed. ARGS='--http-port 4319 …' passes flags.
run: deps ui
	node query/src/local.ts $(if $(MANIFESTS),--manifests $(MANIFESTS) --generate-tokens) $(ARGS)

# Realistic agent traffic (stock OTel SDK) and ratings for a running `make run`. It honours the
# OTEL_EXPORTER_OTLP_* variables of the environment (make passes them through); ARGS='--runs 100 …'.
demo: deps
	node query/src/demo/traffic.ts $(ARGS)

# Every trace or LLM call a search matches, as NDJSON or CSV, resuming by itself (docs/query.md).
export: deps
	node query/src/export-cli.ts $(ARGS)

# Container images without a container engine (scripts/build-images.sh: mmdebstrap, umoci, skopeo),
# reproducible, cached in ~/.cache/koder-trace/images: docker-archives koder-trace/{operator,ingester,
# query}:<appVersion> and an OCI layout. To a registry: skopeo copy docker-archive:<dir>/ingester.tar
# docker://<registry>/koder-trace/ingester:<tag> (or docker load -i). With an engine the Dockerfile
# builds the same images (docker build --target ingester .).
images: deps
	@scripts/ensure-cluster-tools.sh images
	scripts/build-images.sh product
