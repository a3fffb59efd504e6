# tests/fault/fault.mk - fault-injection, security and soak tests.
#
#   make fault-tests   $(BUILD)/tests/fault/test_* (one behaviour each; the
#                      runner runs them) and $(BUILD)/tests/fault/soak_producer
#   make soak          the long soak: SOAK_MESSAGES (default 100 million) C to C (the
#                      default test run does 100 million too, ~15-25 s),
#                      and SOAK_PY_MESSAGES (default 100 million) C to Python
#
# Knobs read by the tests: FAULT_TRIALS, FAULT_SECONDS, FAULT_SEED (fault.h),
# SOAK_MESSAGES, SOAK_PY_MESSAGES.

FAULT_SRCS := $(sort $(wildcard tests/fault/test_*.c))
FAULT_TESTS := $(patsubst tests/fault/%.c,$(BUILD)/tests/fault/%,$(FAULT_SRCS))
FAULT_TOOLS := $(BUILD)/tests/fault/soak_producer
FAULT_CFLAGS = $(ALL_CFLAGS) -D_GNU_SOURCE -Iruntime/include -Itests/runtime -Itests/fault
SOAK_MESSAGES ?= 100000000
SOAK_PY_MESSAGES ?= 100000000

.PHONY: fault-tests soak
fault-tests: $(FAULT_TESTS) $(FAULT_TOOLS)

$(BUILD)/tests/fault/%: tests/fault/%.c $(RT_LIB_A) $(wildcard tests/fault/*.h) $(wildcard tests/runtime/*.h)
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) $(FAULT_CFLAGS) -o $@ $< $(RT_LIB_A) $(ALL_LDFLAGS) -lpthread

soak: fault-tests python-install
	$(Q)SOAK_MESSAGES=$(SOAK_MESSAGES) $(BUILD)/tests/fault/test_soak_c
	$(Q)SOAK_PY_MESSAGES=$(SOAK_PY_MESSAGES) bash tests/fault/soak_python.sh $(BUILD)
