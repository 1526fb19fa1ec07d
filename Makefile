# Two entry points for a newcomer: `make run` and `make test`. Both build .venv first when needed.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
AZ_VENV ?= .venv-az
AZ_STAMP := $(AZ_VENV)/.installed
ENV ?= local

.PHONY: setup setup-az run plan test lab clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

# azure-cli pins its own azure-core and SDKs, so it lives in a venv of its own (used by tests/azcli).
$(AZ_STAMP): requirements-az.txt
	test -x $(AZ_VENV)/bin/python || $(PYTHON) -m venv $(AZ_VENV)
	$(AZ_VENV)/bin/python -m pip install -q --upgrade pip
	$(AZ_VENV)/bin/python -m pip install -q -r requirements-az.txt
	touch $(AZ_STAMP)

setup-az: $(AZ_STAMP)

run: setup
	$(VENV)/bin/aksegress run --env $(ENV)

plan: setup
	$(VENV)/bin/aksegress run --env $(ENV) --plan

# JupyterLab on working copies of the notebooks (outputs/$(ENV)/lab/, the environment injected), so the tracked
# notebooks stay clean; the file browser is rooted at the project, so params/ and outputs/ are one click away.
# The environment's emulator is served for as long as Lab runs, unless one already serves its state (then that one
# is used); every aksegress command for the environment finds the same emulator through the lock beside its state.
# AKSEGRESS_INTERACTIVE=1 makes the widgets wait for a person instead of applying the parameters' choices.
lab: setup
	@$(PY) -c "from aksegress.ui.lab import prepare_lab; prepare_lab('$(ENV)')"
	@$(VENV)/bin/aksegress emulator serve --env $(ENV) & emulator=$$!; trap 'kill $$emulator 2>/dev/null' EXIT INT TERM; \
	  AKSEGRESS_ROOT=$(CURDIR) AKSEGRESS_INTERACTIVE=1 \
	    $(VENV)/bin/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) --ServerApp.root_dir=$(CURDIR) \
	    --LabApp.default_url=/lab/tree/outputs/$(ENV)/lab/00-prerequisites.ipynb --LabApp.expose_app_in_browser=True \
	    --FileContentsManager.pre_save_hook=aksegress.ui.lab.strip_tracked_outputs

test: setup setup-az
	$(VENV)/bin/ruff check lib tests bench
	AKSEGRESS_SKIP_AZCLI=0 $(PY) -m pytest -q -n 2 --dist loadfile

clean:
	rm -rf $(VENV) $(AZ_VENV) outputs/*/
