# Two commands for a newcomer: `make run` and `make test`. `make install` is the step both share.
VENV := .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv
UV_VERSION := 0.13.9
export UV_PROJECT_ENVIRONMENT := $(abspath $(VENV))

.PHONY: install install-test browser run demo test lint bench messages clean

$(UV):
	python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

## install: .venv with the locked dependencies and the `fleetcare` command (idempotent); the
## bytecode is compiled here, once, so that no process compiles it again at start-up (a process
## started with PYTHONDONTWRITEBYTECODE=1 would otherwise compile every module it imports)
install: $(UV)
	$(UV) sync --frozen --inexact --quiet --compile-bytecode
	$(BIN)/python -m compileall -q src

## install-test: install plus what the tests need (test extras, Debian's Chromium)
install-test: install browser
	$(UV) sync --frozen --inexact --quiet --compile-bytecode --extra test

browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's Chromium for the browser tests (apt-get)"; \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium >/dev/null; }

## run: build the demo scenario (once) and serve the web UI and API on http://127.0.0.1:8000
run: install
	$(BIN)/fleetcare demo --if-empty
	$(BIN)/fleetcare serve --host 127.0.0.1 --port 8000

## demo: rebuild the demo scenario into the database (idempotent upsert)
demo: install
	$(BIN)/fleetcare demo

## test: lint and type-check while the Numba kernels compile into their cache (fleetcare.warmup,
## about a minute and a half on a fresh clone, on the core the linters leave idle), then run the
## suite on every core (pytest-xdist; on PostgreSQL too when FLEETCARE_TEST_PG is set)
test: install-test
	@$(BIN)/python -m fleetcare.warmup & warming=$$!; \
	  $(MAKE) --no-print-directory lint; linted=$$?; \
	  wait $$warming; warmed=$$?; \
	  test $$linted -eq 0 && test $$warmed -eq 0
	$(BIN)/pytest -n auto

lint:
	$(BIN)/ruff check src tests $(wildcard benchmarks)
	$(BIN)/ruff format --check src tests $(wildcard benchmarks)
	$(BIN)/mypy
	$(BIN)/lint-imports

## bench: every benchmark in benchmarks/ (by hand, several minutes; they print figures, they assert nothing)
bench: install
	$(UV) sync --frozen --inexact --quiet --compile-bytecode --extra test
	$(BIN)/python benchmarks/import_usage.py
	$(BIN)/python benchmarks/api_units.py
	$(BIN)/python benchmarks/slow_bodies.py
	$(BIN)/python -u benchmarks/plan_scale.py --parts 10000 --baseline-parts 2
	$(BIN)/python benchmarks/plan_json.py --cli
	$(BIN)/python benchmarks/simulate_scale.py
	$(BIN)/python benchmarks/varimetric_gap.py --years 300 --replications 6
	$(BIN)/python benchmarks/dispatch_scale.py
	$(BIN)/python benchmarks/weibull_scale.py
	$(BIN)/python benchmarks/warning_arl.py

## messages: extract every translatable string into the catalogue template, then bring each
## language's catalogue up to it (Babel): new strings arrive untranslated, changed ones fuzzy,
## and the suite fails until each has its translation (docs/architecture.md, "Languages")
messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _ -k N_ -k N_n:1,2 -o src/fleetcare/locales/messages.pot src
	$(BIN)/pybabel update -i src/fleetcare/locales/messages.pot -d src/fleetcare/locales \
	  -D messages --ignore-obsolete --width 100

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
