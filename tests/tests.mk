# tests/tests.mk - `make test`: checks the set-up (.ci/deps.sh installs what is
# missing, or names it), builds every part (normal, ASan+UBSan and TSan builds
# of the C runtime tests), installs the Python package into the venv, then runs
# tests/run.py, which ends with the line "N passed, N failed[, N skipped]".
#
#   make deps            .ci/deps.sh for `make test` (DEPS_MODE=demo for `make demo`)
#   make test            everything; TEST_JOBS=N suites at a time (default 2)
#   make setup-check     proves the set-up on a fresh Debian 12 root (debootstrap)
#   TORCH=1              also install PyTorch into the venv (default under CI=true)

.PHONY: test test-build deps test-sanitizers python-install setup-check

DEPS_MODE ?= test
# PyTorch's Linux wheel pulls 5 GB of CUDA libraries: CI installs it (its DLPack
# test must run there), a developer opts in with TORCH=1.
TORCH ?= $(if $(filter true,$(CI)),1,0)
export TORCH

deps:
	$(Q)bash .ci/deps.sh $(DEPS_MODE) --venv $(VENV)

# The venv is made on first use when the default interpreter is the venv's, so
# single targets (make vectors-python, make bench) work on a fresh clone too.
PY_READY := $(if $(filter $(VENV)/bin/python,$(PYTHON)),$(VENV)/bin/python)
$(VENV)/bin/python:
	$(Q)bash .ci/deps.sh python --venv $(VENV)
vectors-python vectors-json bench-optional: | $(PY_READY)

# The sanitizer builds live in build/asan and build/tsan (see the top Makefile).
test-sanitizers:
	$(Q)$(MAKE) --no-print-directory SAN=asan CC=clang runtime-tests fault-tests
	$(Q)$(MAKE) --no-print-directory SAN=tsan CC=clang runtime-tests fault-tests

test-build: deps
	$(Q)$(MAKE) --no-print-directory all runtime-tests fault-tests test-sanitizers python-install fuzz-build-optional

# The suites' scripts run $(PYTHON) too, from other folders: pass it as a path.
PYTHON_PATH := $(if $(findstring /,$(PYTHON)),$(abspath $(PYTHON)),$(PYTHON))
test: test-build
	$(Q)PYTHON=$(PYTHON_PATH) $(PYTHON) tests/run.py --build $(BUILD)

# The Python package is installed with pip (as a user would) whenever its
# sources or the C runtime change (the stamp lives in the venv it describes).
PY_STAMP := $(if $(PY_READY),$(VENV)/tachyon-installed.stamp,$(BUILD)/python-installed.stamp)
PY_SOURCES := $(shell find runtime/python -path runtime/python/build -prune -o \( -name '*.c' -o -name '*.h' -o -name '*.py' -o -name '*.toml' -o -name '*.pyi' -o -name MANIFEST.in \) -print 2>/dev/null) \
              $(wildcard runtime/src/*.c runtime/src/*.h) runtime/include/tachyon.h
python-install: $(PY_STAMP)
$(PY_STAMP): $(PY_SOURCES) | $(PY_READY)
	@mkdir -p $(dir $@)
	@echo "  PIP   runtime/python"
	$(Q)$(PYTHON) -m pip install -q --disable-pip-version-check --no-build-isolation ./runtime/python
	$(Q)touch $@

# The set-up proved on a fresh Debian 12 root (tests/setup/fresh_debian.sh):
# root, network and 20 minutes or more, so it is a target of its own, not a suite.
setup-check:
	$(Q)bash tests/setup/fresh_debian.sh
