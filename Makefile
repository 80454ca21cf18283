# Quick start:  make demo   (installs, then trains teacher / student / student+KD on shipped data)
#               make test   (installs, then runs the test suite)
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
# torch and torchvision are pinned to the builds on this machine's disk; override as needed,
# e.g. make install TORCH_SPEC="torch==2.4.1 torchvision==0.19.1".
TORCH_SPEC ?= torch==2.14.1 torchvision==0.29.1
STAMP := $(VENV)/.mmkd-installed
TEST_STAMP := $(VENV)/.mmkd-tests-installed
PYTEST_ARGS ?= -n 2

.PHONY: install demo test bench clean

install: $(STAMP)

$(STAMP): setup.py requirements/runtime.txt requirements/mminstall.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q "setuptools<81" wheel
	$(PY) -c "import torch, torchvision" 2>/dev/null || $(PIP) install -q $(TORCH_SPEC)
	# mmcv-lite only when no mmcv is there: a user's full mmcv must stay.
	$(PY) -c "import mmcv" 2>/dev/null || $(PIP) install -q -r requirements/mminstall.txt
	$(PIP) install -q -r requirements/runtime.txt
	$(PIP) install -q --no-build-isolation --no-deps -e .
	# Some dependencies pull a newer setuptools; mmengine needs pkg_resources (setuptools<81).
	$(PIP) install -q "setuptools<81"
	$(PY) -W ignore -c "import mmkd, mmkd.models, mmpretrain, pkg_resources"
	touch $(STAMP)

$(TEST_STAMP): $(STAMP) requirements/tests.txt requirements/deploy.txt
	$(PIP) install -q -r requirements/tests.txt
	$(PIP) install -q "setuptools<81"
	touch $(TEST_STAMP)

demo: $(STAMP)
	$(PY) tools/run_demo.py

test: $(TEST_STAMP)
	$(PY) -m pytest tests $(PYTEST_ARGS)

bench: $(STAMP)
	$(PY) benchmarks/kd_step_speed.py

clean:
	rm -rf $(VENV) work_dirs
