# Everything a fresh clone needs: `make demo` runs the live demo, `make test` the whole suite.
VENV := .venv
PY := $(VENV)/bin/python
LIKEWATCH := $(VENV)/bin/likewatch
PG_URL ?= postgres://postgres@127.0.0.1:5432/likewatch
ONLY ?=

.PHONY: install python frontend system locale messages browser loadgen demo test test-sqlite test-postgres migrations-check bench peers lint format

install: system python locale frontend

# Debian packages the app needs at run time: fonts for share cards (Latin and Arabic), FriBiDi
# for Pillow's libraqm text layout (Arabic shaped, right to left), gettext to compile catalogs.
SYSTEM_PACKAGES := fonts-noto-core fonts-dejavu-core libfribidi0 gettext
system:
	@dpkg -s $(SYSTEM_PACKAGES) >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null; }

python: $(VENV)/.installed
$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

frontend: node_modules/.package-lock.json likewatch/web/static/web/build/.built
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
likewatch/web/static/web/build/.built: node_modules/.package-lock.json $(wildcard likewatch/web/frontend/*)
	npm run --silent build
	touch $@

# Translations: .po files are the source, .mo files are built here (never committed).
locale: python system
	cd likewatch && ../$(LIKEWATCH) compilemessages --verbosity 0

# Bring the French and Arabic catalogues in step with the code: each app's locale/ (the apps
# without one share likewatch/locale). Then translate every new or fuzzy entry and `make
# locale`; tests/test_locale.py fails while a catalogue lags the code or has either.
messages: python system
	cd likewatch && ../$(LIKEWATCH) makemessages --locale fr --locale ar --no-obsolete --verbosity 0

# Browser tests drive Debian's chromium; install it once if the machine lacks it.
browser:
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }

# The board benchmark loads the web process with wrk, a real HTTP load generator.
loadgen:
	@command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }

demo: install
	$(LIKEWATCH) demo

# The whole check: lint and formatting, migrations in step with the models, then the suite on
# SQLite and on PostgreSQL. CI (.ci/run) runs exactly this.
test: install browser
	$(MAKE) --no-print-directory lint migrations-check test-sqlite test-postgres

# Models changed without their migration fail here, before any test runs.
migrations-check: python
	$(LIKEWATCH) makemigrations --check --dry-run --verbosity 1

# The suite runs in parallel (pytest-xdist, each worker its own test database and var folder):
# the tests that start real processes, servers or a browser (marked `slow`, tests/conftest.py)
# are handed out first, so that their waiting overlaps the others' computing, and idle workers
# take tests from busy ones. PYTEST_WORKERS sets how many workers (default 4: twice the cores
# of a small machine, since the slow tests mostly wait).
PYTEST_WORKERS ?= 4
PYTEST_PARALLEL = -n $(PYTEST_WORKERS) --dist worksteal
# Python may be told not to write bytecode (PYTHONDONTWRITEBYTECODE): then every worker and
# every likewatch process a test starts would compile Django and the app again, and pytest would
# rewrite every test module's asserts again. The suite writes it (into ignored __pycache__).
test migrations-check test-sqlite test-postgres: export PYTHONDONTWRITEBYTECODE =
test-sqlite:
	$(PY) -m pytest $(PYTEST_PARALLEL)

# Every test that uses the database again, on the machine's real PostgreSQL (the others, and
# the browser tests, gain nothing from a second run); skipped, saying why, only when none answers.
test-postgres:
	@if $(PY) -c "import psycopg,sys; psycopg.connect('$(PG_URL)'.rsplit('/',1)[0]+'/postgres', connect_timeout=3).close()" 2>/dev/null; then \
		DATABASE_URL=$(PG_URL) $(PY) -m pytest -m "not browser" --database-tests-only $(PYTEST_PARALLEL); \
	else \
		echo "PostgreSQL tests SKIPPED: no server answers at $(PG_URL)"; \
	fi

# A full `make bench` in about thirty minutes on two cores: the benchmarks that run for a set
# time run shorter than alone (the poller 4 minutes instead of 10, after its 4 hours of history
# as alone, the polling cost's scale run 2 minutes instead of 5, the transparency log 20 rounds, wrk 5 s a run). The polling cost's
# 200 sources run whole, 5 minutes for likewatch and for each peer: in 2 minutes the start of a
# run (first connections, first scans) weighed on 385 fetches (2.60 CPU-s per 1,000 against
# 2.18 over 5 minutes, docs/benchmarks.md). Each variable is recorded beside the figures it
# shaped (bench/conditions.py); `make bench BENCH_SHAPE=` runs them whole.
BENCH_SHAPE ?= LIKEWATCH_BENCH_SECONDS=240 LIKEWATCH_BENCH_HISTORY_HOURS=4 LIKEWATCH_BENCH_POLL_SECONDS=300 \
	LIKEWATCH_BENCH_SCALE_SECONDS=120 LIKEWATCH_BENCH_TLOG_ROUNDS=20 LIKEWATCH_BENCH_WRK_SECONDS=5

bench: install loadgen peers
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	env $(BENCH_SHAPE) $(PY) -m bench $(ONLY)

# The benchmarks' peers, each in its own place: changedetection.io from PyPI in a virtualenv of
# its own (polling cost), Prometheus from Debian (polling cost, storage), VictoriaMetrics from
# Debian (storage). A peer that cannot be installed is reported as such in the benchmark's
# table, never a reason to stop.
PEERS := var/peers
peers: $(PEERS)/changedetection/bin/changedetection.py
	@command -v prometheus >/dev/null || (apt-get install -y --no-install-recommends prometheus >/dev/null 2>&1 || (apt-get update >/dev/null 2>&1 && apt-get install -y --no-install-recommends prometheus >/dev/null 2>&1)) || echo "prometheus could not be installed: its row will say so"
	@command -v victoria-metrics >/dev/null || (apt-get install -y --no-install-recommends victoria-metrics >/dev/null 2>&1 || (apt-get update >/dev/null 2>&1 && apt-get install -y --no-install-recommends victoria-metrics >/dev/null 2>&1)) || echo "victoria-metrics could not be installed: its row will say so"

$(PEERS)/changedetection/bin/changedetection.py:
	mkdir -p $(PEERS)
	python3 -m venv $(PEERS)/changedetection
	$(PEERS)/changedetection/bin/python -m pip install --quiet 'changedetection.io==0.60.*' || echo "changedetection.io could not be installed: its row will say so"

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format:
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .
