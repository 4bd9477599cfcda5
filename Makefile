# defter — the two commands: `make run` and `make test` (see README.md).
BUILD ?= build
JOBS  ?= $(shell nproc 2>/dev/null || echo 2)
DATA  ?= ./var
PRESET ?= eyupsultan
LISTEN ?= 127.0.0.1:8080

.PHONY: all deps test-deps build run test clean

all: build

deps:
	@bash scripts/deps.sh

test-deps:
	@bash scripts/deps.sh --test

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDEFTER_TESTS=OFF >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	@if [ ! -f $(DATA)/defter.db ]; then \
	  ./$(BUILD)/defter init --data $(DATA) --preset $(PRESET) --demo || exit 1; \
	fi
	@echo "Adres / URL: http://$(LISTEN)/"
	@echo "Girişler / logins ($(DATA)/demo-logins.txt):"
	@grep -v '^#' $(DATA)/demo-logins.txt 2>/dev/null | sed 's/^/  /' || true
	@exec ./$(BUILD)/defter serve --data $(DATA) --listen $(LISTEN)

test: test-deps
	@bash tests/run.sh

clean:
	rm -rf build build-test build-asan build-fuzz
