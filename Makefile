# Two entry points for a newcomer: `make run` and `make test`. Both build .venv first when needed.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
ENV ?= local

.PHONY: setup run plan test lab clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

run: setup
	$(VENV)/bin/aksegress run --env $(ENV)

plan: setup
	$(VENV)/bin/aksegress run --env $(ENV) --plan

test: setup
	$(PY) -m pytest -q

clean:
	rm -rf $(VENV) outputs/*/
