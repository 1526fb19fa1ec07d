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

# JupyterLab on the notebooks, with the project's kernel and the environment's emulator (stopped when Lab exits).
# AKSEGRESS_INTERACTIVE=1 makes the widgets wait for a person instead of applying the parameters' choices.
EMU_DIR := outputs/$(ENV)/emulator
lab: setup
	@mkdir -p $(EMU_DIR) && rm -f $(EMU_DIR)/connection.json
	@$(VENV)/bin/aksegress emulator serve --state $(EMU_DIR)/state.db --connection-file $(EMU_DIR)/connection.json \
	    $$($(PY) -c "from aksegress.params import load_params as l; p = l('params/$(ENV).yaml'); \
	        print('--tenant', p.tenant_id, *(f'--subscription {s}' for s in p.subscription_ids()))") & \
	  emulator=$$!; trap 'kill $$emulator 2>/dev/null' EXIT INT TERM; \
	  while [ ! -s $(EMU_DIR)/connection.json ]; do kill -0 $$emulator || exit 1; sleep 0.2; done; \
	  AKSEGRESS_CONNECTION=$(CURDIR)/$(EMU_DIR)/connection.json AKSEGRESS_ROOT=$(CURDIR) AKSEGRESS_INTERACTIVE=1 \
	    $(VENV)/bin/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) --ServerApp.root_dir=$(CURDIR)/notebooks --LabApp.default_url=/lab/tree/00-prerequisites.ipynb

test: setup setup-az
	$(VENV)/bin/ruff check lib tests bench
	AKSEGRESS_SKIP_AZCLI=0 $(PY) -m pytest -q -n 2 --dist loadfile

clean:
	rm -rf $(VENV) $(AZ_VENV) outputs/*/
