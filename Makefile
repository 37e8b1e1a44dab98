# make test: the one test command. It installs what the integration tests
# need (PostgreSQL, VictoriaMetrics and Chromium, from Debian's packages) when
# it is missing, then vets and runs every test with the race detector.

GO ?= go

.PHONY: test deps vet bench soak fuzz

# The four modules: the SDK (.), the operator CLI (cmd/vitals, which keeps
# gonum/plot out of the SDK's dependencies), the live page's browser tests
# (internal/browsertest, which keeps chromedp out of them too) and the peer
# benchmarks (bench).
test: deps vet
	$(GO) test -race -count=1 -timeout 9m ./...
	cd cmd/vitals && $(GO) test -race -count=1 -timeout 5m ./...
	cd internal/browsertest && $(GO) test -race -count=1 -timeout 5m ./...
	cd internal/browsertest && $(GO) test -count=1 -run '^TestLoadTime1000Series$$' ./... # a time: without -race
	cd bench && $(GO) test -count=1 -run . -bench XXX ./...

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))" || { gofmt -l .; echo "gofmt: the files above need formatting"; exit 1; }
	$(GO) vet ./...
	cd cmd/vitals && $(GO) vet ./...
	cd internal/browsertest && $(GO) vet ./...
	cd bench && $(GO) vet ./...

# deps installs what the integration tests start, if it is not there yet:
# the servers, and the headless browser of the live page's tests.
deps:
	@missing=""; \
	ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || missing="$$missing postgresql"; \
	command -v victoria-metrics >/dev/null 2>&1 || missing="$$missing victoria-metrics"; \
	test -x /usr/bin/chromium || missing="$$missing chromium"; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "installing:$$missing"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
		else \
			echo "missing:$$missing (run as root, or: sudo apt-get install -y$$missing); their tests will skip"; \
		fi; \
	fi

# bench runs the benchmarks recorded in BENCHMARKS.md (about 12 minutes on 2
# cores): the peers side by side (bench/: hot paths at GOMAXPROCS 1 and 2, in
# 5 separate processes so that each run gets its own memory layout; memory and
# snapshots at 1), their raw output kept in bench/results.txt and
# their tables regenerated between BENCHMARKS.md's bench markers, then metrics'
# snapshot of 100,000 mixed series and its memory per 1 µs..10 s histogram.
bench:
	cd bench && $(GO) test -c -o bench.test . && rm -f results.txt && for run in 1 2 3 4 5; do \
		./bench.test -test.run XXX -test.bench '^Benchmark(CounterInc|GaugeUpdate|GaugeFloat64Update|MeterMark|HistogramUpdate|TimerUpdate|Lookup3Tags)(Parallel)?$$|^BenchmarkTimeNow$$' \
			-test.benchmem -test.count 1 -test.cpu 1,2 -test.benchtime 250ms -test.timeout 60m | tee -a results.txt; \
	done; rm -f bench.test
	cd bench && $(GO) test -run XXX -bench '^BenchmarkHistogramMemory' -benchmem -count 5 -cpu 1 -benchtime 1x -timeout 60m ./... | tee -a results.txt
	cd bench && $(GO) test -run XXX -bench '^BenchmarkSnapshot100k$$' -benchmem -count 5 -cpu 1 -benchtime 3x -timeout 60m ./... | tee -a results.txt
	python3 scripts/benchtable.py --splice BENCHMARKS.md bench/results.txt
	$(GO) test -run XXX -bench 'Snapshot100k|DistributionMemory' -benchmem -count 5 ./metrics/

# soak runs the soak test, which make test runs only for 5 seconds: 10,000
# series, 50,000 updates/s, 1 s flushes to VictoriaMetrics and PostgreSQL for
# SOAK_DURATION, failing if goroutines or heap grow or anything is dropped.
SOAK_DURATION ?= 10m
SOAK_TIMEOUT ?= 30m
soak: deps
	CI=true VITALS_SOAK_DURATION=$(SOAK_DURATION) $(GO) test -count=1 -run '^TestSoak$$' -v -timeout $(SOAK_TIMEOUT) ./internal/soak/

# fuzz runs every fuzz target for FUZZTIME each (make test runs their seeds
# only). Crashers are saved under the package's testdata/fuzz, to keep as
# seeds once fixed.
FUZZTIME ?= 30s
fuzz: deps
	@set -e; for pkg in $$(grep -rl --include='*_test.go' '^func Fuzz' . | xargs -n1 dirname | sort -u); do \
		for target in $$(grep -h '^func Fuzz' $$pkg/*_test.go | sed 's/^func \(Fuzz[A-Za-z0-9_]*\).*/\1/'); do \
			echo "== $$pkg $$target"; \
			CI=true $(GO) test -run XXX -fuzz "^$$target\$$" -fuzztime $(FUZZTIME) -parallel 1 $$pkg; \
		done; \
	done
