# Two commands for a fresh machine with Python 3.11: `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
export PYTHONHASHSEED := 0
export TF_CPP_MIN_LOG_LEVEL := 2

.PHONY: setup train run test check-deps validate audit eval bench bench-load clean

# The environment: exactly the pins of requirements.lock, installed without resolution (--no-deps), because
# Rasa 3.6 declares Python <3.11 and pins packages that have no 3.11 wheels (docs/ARCHITECTURE.md).
$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Python 3.11 is required, found " + sys.version.split()[0])'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --ignore-requires-python -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

setup: $(STAMP)

train: setup
	$(BIN)/retention-bot train

# The demo: migrate the app database (DATABASE_URL, default var/retention.db), seed DEMO_CUSTOMERS synthetic
# customers and the offer catalogue unless it already holds data (`db seed` never touches a seeded database),
# then serve the web chat, the REST channel, WeChat and the APIs on one port.
DEMO_CUSTOMERS ?= 500
DEMO_SEED ?= 7

run: train
	$(BIN)/retention-bot db init
	$(BIN)/retention-bot db seed --customers $(DEMO_CUSTOMERS) --seed $(DEMO_SEED)
	$(BIN)/retention-bot serve --host $(HOST) --port $(PORT)

check-deps: setup
	$(BIN)/python -m bot.dependency_check

# `rasa data validate` (story conflicts, domain/data consistency) and the corpus <-> domain.yml check; every
# warning fails except "response not used in a story" for lines only actions say (docs/DIALOGUE.md).
validate: setup
	$(BIN)/retention-bot corpus check
	$(BIN)/retention-bot corpus validate

# Security lint of the project's code (bandit, every severity). A finding that is accepted carries
# `# nosec BXXX - why` on its line (tests/test_security_audit.py refuses a `# nosec` without id and reason).
# bandit takes each word of the reason for a test name and warns about it: those warnings are dropped.
audit: setup
	$(BIN)/bandit -q -r bot actions 2>&1 | grep -v "Test in comment: .* is not a test name or id"; exit $${PIPESTATUS[0]}

test: check-deps validate audit train
	$(BIN)/python -m pytest -q -p no:cacheprovider

eval: setup
	$(BIN)/retention-bot eval

bench: train
	@for script in bench/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

# One running instance (`retention-bot serve`) under 200 simulated customers, 100 WeChat followers at once and a
# closed loop, side by side with plain `rasa run` + `rasa run actions` on the same model; about 7 minutes.
bench-load: train
	$(BIN)/python bench/load_customers.py

clean:
	rm -rf $(VENV) models var .pytest_cache
