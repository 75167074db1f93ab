# OneGrid — the two commands are `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PACKAGES := contracts runtime services/intake services/dispatch services/mediation services/notify tools/demotown tools/devstack
STAMP := $(VENV)/.onegrid-installed

.PHONY: setup run test smoke contracts bench clean

setup: $(STAMP) contracts/tools/node_modules/.stamp .cache/.kafka-fetched

$(STAMP): constraints.txt requirements-dev.txt $(foreach p,$(PACKAGES),$(p)/pyproject.toml)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip setuptools wheel
	$(PY) -m pip install -q -c constraints.txt -r requirements-dev.txt $(foreach p,$(PACKAGES),-e $(p))
	touch $@

contracts/tools/node_modules/.stamp: contracts/tools/package-lock.json
	npm ci --prefix contracts/tools --no-audit --no-fund --loglevel=error
	touch $@

.cache/.kafka-fetched: infra/kafka/pom.xml
	infra/kafka/kafka.sh fetch
	mkdir -p .cache && touch $@

## Start Kafka and the four services on SQLite with the demo town; Ctrl-C stops everything.
run: setup
	$(PY) -m onegrid_devstack run

## Start Kafka and PostgreSQL (throwaway), run the whole suite, stop what was started.
test: setup
	$(PY) -m pytest

## Start the system like `make run`, send a report and a dispute through to closure, stop.
smoke: setup
	$(PY) -m onegrid_devstack smoke

## Measure the whole pipeline (PostgreSQL, Kafka, four services) and write bench/results/latest.json.
bench: setup
	command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -q wrk; } || { echo "install wrk (apt-get install wrk)"; exit 1; }
	command -v smtp-sink >/dev/null || [ -x /usr/sbin/smtp-sink ] || echo "note: without postfix's smtp-sink (apt-get install postfix) the mail sink is aiosmtpd, on the same cores"
	$(PY) bench/bench.py

## Regenerate contracts/schemas/*.json and contracts/asyncapi.yaml from the event models.
contracts: setup
	$(PY) -m onegrid_contracts.generate

clean:
	rm -rf var .pytest_cache
