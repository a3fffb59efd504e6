# tests/fuzz/fuzz.mk - libFuzzer targets (clang, -fsanitize=fuzzer,address,undefined).
#
#   make fuzz-build     build every target into build/fuzz/
#   make fuzz           run each target for FUZZ_SECONDS (default 60) on its
#                       committed corpus (new finds go to build/fuzz/corpus/)
#   make fuzz-smoke     CI: replay every committed input (regressions included),
#                       then fuzz each target for FUZZ_SMOKE_SECONDS (default 15)
#
# The targets link their own sanitized, coverage-instrumented copies of the
# runtime and compiler sources; nothing here touches $(BUILD).

FUZZ_CC ?= clang
FUZZ_BUILD := build/fuzz
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 15
FUZZ_TARGETS := tachc handshake consumer producer connector
FUZZ_BINS := $(patsubst %,$(FUZZ_BUILD)/fuzz_%,$(FUZZ_TARGETS))
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CFLAGS := -std=gnu11 -O1 -g -MMD -MP -D_GNU_SOURCE $(FUZZ_SAN) -fsanitize=fuzzer-no-link
FUZZ_WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes

FUZZ_RT_OBJS := $(patsubst %.c,$(FUZZ_BUILD)/runtime/%.o,$(TACHYON_SOURCES))
FUZZ_TC_SRCS := $(filter-out compiler/main.c,$(sort $(wildcard compiler/*.c)))
FUZZ_TC_OBJS := $(patsubst compiler/%.c,$(FUZZ_BUILD)/compiler/%.o,$(FUZZ_TC_SRCS)) \
                $(FUZZ_BUILD)/compiler/parser.o $(FUZZ_BUILD)/compiler/lexer.o $(FUZZ_BUILD)/compiler/support_text.o

.PHONY: fuzz fuzz-build fuzz-build-optional fuzz-smoke
fuzz-build: $(FUZZ_BINS)

# For `make test`: builds the targets when $(FUZZ_CC) can link libFuzzer, else
# says in one line what is missing (run.sh then reports the targets skipped).
FUZZ_PROBE := int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }
fuzz-build-optional:
	$(Q)if echo '$(FUZZ_PROBE)' | $(FUZZ_CC) -x c -fsanitize=fuzzer -o /dev/null - 2>/dev/null; then \
		$(MAKE) --no-print-directory -f $(firstword $(MAKEFILE_LIST)) fuzz-build; \
	else \
		echo "  SKIP    fuzz targets: $(FUZZ_CC) -fsanitize=fuzzer does not link (apt-get install clang libclang-rt-14-dev)"; \
	fi

fuzz: fuzz-build
	$(Q)bash tests/fuzz/run.sh --seconds $(FUZZ_SECONDS) --keep $(FUZZ_TARGETS)

fuzz-smoke: fuzz-build
	$(Q)bash tests/fuzz/run.sh --seconds $(FUZZ_SMOKE_SECONDS) $(FUZZ_TARGETS)

$(FUZZ_BUILD)/runtime/%.o: runtime/src/%.c
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $@"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_WARN) -fvisibility=hidden -Iruntime/include -c -o $@ $<

# The flex/bison outputs come from compiler.mk's rules ($(TACHC_OBJDIR)).
$(FUZZ_BUILD)/compiler/parser.o: $(TACHC_OBJDIR)/parser.c
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $@"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -Wno-unused-function -Icompiler -I$(TACHC_OBJDIR) -c -o $@ $<

$(FUZZ_BUILD)/compiler/lexer.o: $(TACHC_OBJDIR)/lexer.c $(TACHC_OBJDIR)/parser.h
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $@"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -Wno-unused-function -Icompiler -I$(TACHC_OBJDIR) -c -o $@ $<

$(FUZZ_BUILD)/compiler/support_text.o: $(TACHC_OBJDIR)/support_text.c
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $@"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_WARN) -Icompiler -c -o $@ $<

$(FUZZ_BUILD)/compiler/%.o: compiler/%.c $(TACHC_OBJDIR)/parser.h
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $@"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_WARN) -pthread -Icompiler -I$(TACHC_OBJDIR) -c -o $@ $<

$(FUZZ_BUILD)/fuzz_tachc: tests/fuzz/fuzz_tachc.c $(FUZZ_TC_OBJS)
	@echo "  FUZZLD  $@"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_WARN) -fsanitize=fuzzer -Icompiler -I$(TACHC_OBJDIR) -o $@ $(filter %.c %.o,$^) -pthread

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_ring.h tests/fuzz/fuzz_net.h $(FUZZ_RT_OBJS)
	@echo "  FUZZLD  $@"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_WARN) -fsanitize=fuzzer -Iruntime/include -o $@ $< $(FUZZ_RT_OBJS) -pthread

# Keep the objects (they are prerequisites of pattern rules only).
.SECONDARY: $(FUZZ_RT_OBJS) $(FUZZ_TC_OBJS)
-include $(wildcard $(FUZZ_BUILD)/*/*.d $(FUZZ_BUILD)/*.d)
