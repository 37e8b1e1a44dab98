# make test: the one test command. It installs the servers the integration
# tests need (PostgreSQL and VictoriaMetrics, from Debian's packages) when they
# are missing, then vets and runs every test with the race detector.

GO ?= go

.PHONY: test deps vet bench

test: deps vet
	$(GO) test -race -count=1 -timeout 9m ./...
	cd bench && $(GO) test -count=1 -run . -bench XXX ./...

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))" || { gofmt -l .; echo "gofmt: the files above need formatting"; exit 1; }
	$(GO) vet ./...
	cd bench && $(GO) vet ./...

# deps installs what the integration tests start, if it is not there yet.
deps:
	@missing=""; \
	ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || missing="$$missing postgresql"; \
	command -v victoria-metrics >/dev/null 2>&1 || missing="$$missing victoria-metrics"; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "installing:$$missing"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
		else \
			echo "missing:$$missing (run as root, or: sudo apt-get install -y$$missing); their tests will skip"; \
		fi; \
	fi

# bench runs the benchmarks recorded in BENCHMARKS.md.
bench:
	$(GO) test -run XXX -bench . -benchmem -count 5 ./metrics/
	cd bench && $(GO) test -run XXX -bench . -benchmem -count 5 ./...
