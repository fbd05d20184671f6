# Two commands set everything up on a fresh machine: `make report` and `make test`.
# Both create .venv when missing and (re)install the project only when pyproject.toml changed.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.okrlib-installed
KERNEL := okrlib

.DEFAULT_GOAL := help
.PHONY: help venv report test browser postgres bench lint format lab check clean meeting

help:  ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --upgrade pip
	$(PY) -m pip install -e '.[test]'
	$(PY) -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python (okrlib)"
	touch $(STAMP)

venv: $(STAMP)  ## create .venv and install okrlib with its test extras

report: $(STAMP)  ## render the sample data's quarterly reviews into reports/
	$(VENV)/bin/okrlib report --quarter 2026-Q3 --all-teams --data data --out reports
	$(VENV)/bin/okrlib report --quarter 2026-Q4 --all-teams --data data --out reports

meeting: $(STAMP)  ## serve the review meeting of the sample data on 127.0.0.1 (Ctrl-C stops it)
	$(VENV)/bin/okrlib meeting --data data

check: $(STAMP)  ## validate the data folder and print its summary
	$(VENV)/bin/okrlib check --data data

test: $(STAMP) browser postgres  ## run every test (pytest, nbval over notebooks/, the browser and SQL tests, a quick bench)
	$(PY) bench/run.py --quick
	$(PY) -m pytest tests notebooks --nbval-lax --nbval-current-env

bench: $(STAMP)  ## the full benchmark table (about 5 minutes; results in bench/RESULTS.md)
	$(PY) bench/run.py

browser:  ## install Debian's chromium for the browser test when it is missing
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser test"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# tests/pg_server.py starts a throwaway server of it on 127.0.0.1 (as the postgres user when root)
postgres:  ## install Debian's postgresql for the SQL tests when it is missing
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
	  echo "installing Debian's postgresql for the SQL tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; }

lint: $(STAMP)  ## ruff check and ruff format --check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)  ## apply ruff's fixes and formatting
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# on 127.0.0.1 only; as root (containers) jupyter refuses to start without --allow-root.
# The notebooks name the okrlib kernel (.venv's Python), new ones start on it too.
lab: $(STAMP)  ## start JupyterLab on the repo with the okrlib kernel
	$(VENV)/bin/jupyter lab --notebook-dir=. --ServerApp.ip=127.0.0.1 \
	  --MappingKernelManager.default_kernel_name=$(KERNEL) \
	  $$(test "$$(id -u)" = 0 && echo --allow-root)

clean:  ## remove the venv and rendered reports
	rm -rf $(VENV) reports/*/
