# tests/tests.mk - `make test`: builds every part (normal, ASan+UBSan and TSan
# builds of the C runtime tests), installs the Python package, then runs
# tests/run.py, which ends with the line "N passed, N failed[, N skipped]".

.PHONY: test test-build deps test-sanitizers python-install

deps:
	$(Q)bash .ci/deps.sh

# The sanitizer builds live in build/asan and build/tsan (see the top Makefile).
test-sanitizers:
	$(Q)$(MAKE) --no-print-directory SAN=asan CC=clang runtime-tests fault-tests
	$(Q)$(MAKE) --no-print-directory SAN=tsan CC=clang runtime-tests fault-tests

test-build: deps all runtime-tests fault-tests test-sanitizers python-install fuzz-build-optional

test: test-build
	$(Q)$(PYTHON) tests/run.py --build $(BUILD)

# The Python package is installed with pip (as a user would) whenever its
# sources or the C runtime change.
PY_STAMP := $(BUILD)/python-installed.stamp
PY_SOURCES := $(shell find runtime/python -path runtime/python/build -prune -o \( -name '*.c' -o -name '*.h' -o -name '*.py' -o -name '*.toml' -o -name '*.pyi' -o -name MANIFEST.in \) -print 2>/dev/null) \
              $(wildcard runtime/src/*.c runtime/src/*.h) runtime/include/tachyon.h
python-install: $(PY_STAMP)
$(PY_STAMP): $(PY_SOURCES)
	@mkdir -p $(dir $@)
	@echo "  PIP   runtime/python"
	$(Q)$(PYTHON) -m pip install -q --root-user-action=ignore --no-build-isolation ./runtime/python
	$(Q)touch $@
