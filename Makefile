# rasd — make targets. `make run` and `make test` are the two commands a newcomer needs.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
RASD   := $(VENV)/bin/rasd
STAMP  := $(VENV)/.installed

.PHONY: install install-browser run test test-unit eval bench services-up services-down train-ner clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	# camel-tools without its heavy dependencies (torch, data downloads); see pyproject.toml.
	$(PY) -m pip install --quiet --no-deps camel-tools==1.6.0
	touch $(STAMP)

run: install
	$(RASD) run

# Headless Chromium for tests/integration/test_web_browser.py (Debian packages; CI runs as root).
install-browser:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; \
	fi

# Starts Kafka and Elasticsearch, runs the whole suite, stops them even on failure.
test: install install-browser
	$(RASD) services up || { $(RASD) services down; exit 1; }
	status=0; $(PY) -m pytest -q -p no:cacheprovider tests || status=$$?; \
	$(RASD) services down; \
	exit $$status

test-unit: install
	$(PY) -m pytest -q tests/unit

eval: install
	$(RASD) eval

# One run, three parts: analysis vs bare camel-tools (one core), the pipeline on the real servers
# (full vs identity analysis), and alert delivery produce → webhook/SSE/e-mail over 50 reports.
bench: install
	$(RASD) bench
	$(RASD) services up || { $(RASD) services down; exit 1; }
	status=0; \
	$(PY) -m benchmarks.pipeline || status=$$?; \
	RASD_ALERT_BENCH_REPORTS=50 $(PY) -m pytest -q -s -p no:cacheprovider \
	  tests/integration/test_alerts_e2e.py 2>&1 | grep -E "produce→|passed|failed" || status=$$?; \
	$(RASD) services down; \
	exit $$status

train-ner: install
	$(PY) scripts/train_ner.py

services-up: install
	$(RASD) services up

services-down: install
	$(RASD) services down

clean:
	rm -rf $(VENV) build *.egg-info
