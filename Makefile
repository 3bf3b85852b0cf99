# katalog: two commands do all the set-up on a fresh machine:
#   make catalogue   venv + install + build the example catalogue into build/
#   make test        test dependencies + the test suite

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
CONTENT ?= content
OUT     ?= build
FORMATS ?=

.PHONY: catalogue test install install-test check totals bench lint clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(VENV)/bin/python pyproject.toml
	$(PY) -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $@

# The default templates compiled for this Python (katalog.render.precompiled), again whenever
# a template or katalog's code changed: a first build then compiles none of them
PRECOMPILED := src/katalog/_precompiled/.made
$(PRECOMPILED): $(VENV)/.installed $(shell find templates src/katalog -name '*.html' -o -name '*.j2' -o -name '*.py' 2>/dev/null)
	$(PY) -m katalog.render.precompiled
	@touch $@

install: $(VENV)/.installed $(PRECOMPILED)

install-test: $(VENV)/.installed-test $(PRECOMPILED)

catalogue: install
	$(VENV)/bin/katalog check $(CONTENT)
	$(VENV)/bin/katalog build $(CONTENT) --out $(OUT) $(if $(FORMATS),--format $(FORMATS))

check: install
	$(VENV)/bin/katalog check $(CONTENT)

totals: install
	$(VENV)/bin/katalog totals $(CONTENT)

test: install-test
	$(PY) -m pytest

# Static checks of the library: ruff (errors, imports) and mypy --strict on src/katalog
$(VENV)/.installed-lint: $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[lint]'
	@touch $@

lint: $(VENV)/.installed-lint
	$(VENV)/bin/ruff check src --select E4,E7,E9,F,I
	$(VENV)/bin/mypy

# Benchmarks (docs/performance.md): whole katalog commands beside pandoc, about 30-35 min;
# quick looks: make bench BENCH_ARGS="--sizes 50 --quick"   (one round, about 2 min)
#              make bench BENCH_ARGS="--sizes 200 --only check,html,docx --no-write"
$(VENV)/.installed-bench: $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[bench]'
	@touch $@

bench: $(VENV)/.installed-bench $(PRECOMPILED)
	$(PY) benchmarks/run.py $(BENCH_ARGS)

clean:
	rm -rf $(OUT) .katalog-cache .pytest_cache .hypothesis

# Writer tools: tidy the front matter, and a live preview on http://127.0.0.1:8000/
.PHONY: fmt serve
fmt: install
	$(VENV)/bin/katalog fmt $(CONTENT)

serve: install
	$(VENV)/bin/katalog serve $(CONTENT)
