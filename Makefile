# Two commands do all the set-up on a fresh machine: `make mnist` and `make test`.
# Each target creates .venv and installs minikeras with its dev extra first,
# once (again only when pyproject.toml or constraints.txt change).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed

# Real MNIST for tests and examples: ../shared/data when it exists, unless set.
ifeq ($(MINIKERAS_DATA),)
  ifneq ($(wildcard ../shared/data),)
    export MINIKERAS_DATA := $(abspath ../shared/data)
  endif
endif

.PHONY: mnist test lint install parity-report bench

install: $(INSTALLED)

$(INSTALLED): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(INSTALLED)

lint: $(INSTALLED)
	$(PY) -m ruff check .

test: lint
	$(PY) -m pytest tests parity_tests

mnist: $(INSTALLED)
	$(PY) examples/mnist_convnet.py --epochs 3

# parity_report.md: every component against the installed tf.keras, on fixed seeds.
parity-report: $(INSTALLED)
	$(PY) -m parity_tests.report

# Kernel and training-speed benchmarks (a few minutes); results in benchmarks/results/.
bench: $(INSTALLED)
	$(PY) -m benchmarks.kernels
	$(PY) -m benchmarks.train_mnist
