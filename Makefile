# itemlab — common tasks. `make test` is exactly what CI runs for tests.
GO ?= go

.PHONY: build test study bench bench-stages bench-peers demo fuzz vet fmt ci

build:
	$(GO) build -o bin/itemlab ./cmd/itemlab

test:
	$(GO) test ./...

# Simulation studies (recovery, drift screening, linking, the pretest review
# over many seeds): every TestStudy… test, built with the study tag.
study:
	$(GO) test -tags study -run '^TestStudy' -timeout 60m ./...

vet:
	$(GO) vet ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

# Benchmarks at realistic and large sizes (up to a million candidates).
bench:
	$(GO) test -run '^$$' -bench . -benchtime 1x -timeout 60m ./...

# The stages of a run other than calibrate and report, at 2k and 100k
# candidates (BENCH_1M=1 adds a million), each stage's seconds a metric.
bench-stages:
	ITEMLAB_BENCH_1M=$(BENCH_1M) $(GO) test ./pipeline -run '^$$' -bench '^BenchmarkStages$$' -benchtime 1x -timeout 60m

# The speed table of issue #17: itemlab's calibrate and run against R's mirt
# and TAM (when installed) on one simulated 125-item 2PL file per size
# (10k, 100k; BENCH_1M=1 adds a million). See scripts/bench-peers --help.
bench-peers:
	BENCH_1M=$(BENCH_1M) scripts/bench-peers

demo:
	$(GO) run ./cmd/itemlab demo

# Each parser's fuzz target for FUZZTIME (default 60s). A new interesting
# input is minimised for at most FUZZMINIMIZE (go test's default is 60s, and
# its minimising execs are not counted: the "0 execs/sec" stretches of 15-61 s
# were that, not a slow input; the slowest corpus input reads in under 2 ms).
FUZZTIME ?= 60s
FUZZMINIMIZE ?= 5s
FUZZ = $(GO) test -run '^$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE)
fuzz:
	$(FUZZ) ./analysis/ingest -fuzz '^FuzzReadResponses$$'
	$(FUZZ) ./analysis/ingest -fuzz '^FuzzReadItems$$'
	$(FUZZ) ./analysis/ingest -fuzz '^FuzzReadXLSX$$'
	$(FUZZ) ./reports -fuzz '^FuzzReadParams$$'
	$(FUZZ) ./reports -fuzz '^FuzzReadScale$$'
	$(FUZZ) ./internal/spec -fuzz '^FuzzRead$$'

ci:
	.ci/run
