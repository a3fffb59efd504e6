# tests/vectors/vectors.mk - the cross-language vectors (tests/vectors/*.json)
# against the generated C and Python. Include from the top-level Makefile:
#   -include tests/vectors/vectors.mk
#
#   make vectors-c        build and run the C vector test (C11 and C++17, gcc and clang)
#   make vectors-python   pytest over generated/python
#   make vectors          both
#   make vectors-json     rewrite tests/vectors/*.json from the hand-kept layout table
# Output protocol: one "PASS: name" / "FAIL: name" / "SKIP: name (why)" line per
# case (vectors-c) or pytest's (vectors-python); non-zero exit on any failure.

.PHONY: vectors vectors-c vectors-python vectors-json
vectors: vectors-c vectors-python

vectors-c:
	@echo "  VECTORS c"
	$(Q)bash tests/vectors/c/run.sh $(BUILD)

vectors-python:
	@echo "  VECTORS python"
	$(Q)$(PYTHON) -m pytest -q -p no:cacheprovider tests/vectors/python

vectors-json:
	@echo "  GEN     tests/vectors/*.json"
	$(Q)$(PYTHON) tests/vectors/gen_vectors.py
