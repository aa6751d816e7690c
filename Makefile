# itemlab — common tasks. `make test` is exactly what CI runs for tests.
GO ?= go

.PHONY: build test study bench demo fuzz vet fmt ci

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

demo:
	$(GO) run ./cmd/itemlab demo

# Each parser's fuzz target for FUZZTIME (default 60s).
FUZZTIME ?= 60s
fuzz:
	$(GO) test ./analysis/ingest -run '^$$' -fuzz '^FuzzReadResponses$$' -fuzztime $(FUZZTIME)
	$(GO) test ./analysis/ingest -run '^$$' -fuzz '^FuzzReadItems$$' -fuzztime $(FUZZTIME)
	$(GO) test ./reports -run '^$$' -fuzz '^FuzzReadParams$$' -fuzztime $(FUZZTIME)
	$(GO) test ./internal/spec -run '^$$' -fuzz '^FuzzRead$$' -fuzztime $(FUZZTIME)

ci:
	.ci/run
