# trading-dr: `make plan` and `make test` work on a fresh machine with nothing installed by
# hand. The venv is created once and reused (pulumi-aws alone is ~270 MB); it is rebuilt
# when requirements.txt changes.
PYTHON ?= python3
VENV := venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: plan test lint drill bench clean

$(STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $(STAMP)

plan: $(STAMP)
	$(PY) deploy.py plan

test: $(STAMP)
	$(PY) -m pytest
	$(PY) -m ruff check .

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

# Each drill's signed evidence bundle is kept in .evidence/drills (git-ignored), the last
# one newest: `deploy.py evidence list` shows them, `status` counts the last passing one.
drill: $(STAMP)
	$(PY) deploy.py drill --local --evidence .evidence/drills

bench: $(STAMP)
	$(PY) benchmarks/bench_plan.py
	$(PY) benchmarks/bench_drill.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
