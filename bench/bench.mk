# bench/bench.mk - `make bench`: builds the benchmark programs into
# $(BUILD)/bench/ and runs bench/run.py, which runs every benchmark with its
# baselines, saves bench/results/<date>-<host>.{jsonl,md,png} and prints the
# summary table. Pass options to it with BENCH_ARGS, e.g.
#   make bench BENCH_ARGS="--samples 1e6 --rounds 7"
#   make bench BENCH_ARGS="--quick"
# The Python, Rust, Go and tachc rows are built on the way if their parts are
# there; a part that does not build is skipped with a note, never fatal.

BENCH_DIR := $(BUILD)/bench
BENCH_LIB := $(BUILD)/lib/libtachyon.a
BENCH_PROGS := $(BENCH_DIR)/rtt $(BENCH_DIR)/throughput $(BENCH_DIR)/peer
BENCH_ARGS ?=

# ZeroMQ is an optional baseline: used when its header is installed
# (apt-get install libzmq3-dev), otherwise rtt reports it as skipped.
ifneq ($(wildcard /usr/include/zmq.h),)
BENCH_ZMQ_CFLAGS := -DHAVE_ZMQ
BENCH_ZMQ_LIBS := -lzmq
endif

.PHONY: bench bench-build bench-optional
all: bench-build
bench-build: $(BENCH_PROGS)

$(BENCH_DIR)/%.o: bench/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) $(ALL_CFLAGS) $(BENCH_ZMQ_CFLAGS) -Iruntime/include -c $< -o $@

$(BENCH_DIR)/rtt: $(BENCH_DIR)/rtt.o $(BENCH_DIR)/bench_util.o $(BENCH_LIB)
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_LDFLAGS) $^ $(BENCH_ZMQ_LIBS) -lm -o $@

$(BENCH_DIR)/throughput $(BENCH_DIR)/peer: $(BENCH_DIR)/%: $(BENCH_DIR)/%.o $(BENCH_DIR)/bench_util.o $(BENCH_LIB)
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_LDFLAGS) $^ -lm -o $@

# Parts owned elsewhere (tachc, examples, the Python package), matplotlib for
# the plot, and (in lang_bench.py) the Rust and Go producers: each is tried,
# and a failure only drops its rows.
# After bench-build: its sub-makes would otherwise race it for the library under -j.
bench-optional: bench-build
	-$(Q)$(MAKE) --no-print-directory tachc >/dev/null 2>&1 || echo "bench: tachc did not build; its row is skipped"
	-$(Q)$(MAKE) --no-print-directory c_pingpong >/dev/null 2>&1 || echo "bench: examples/c_pingpong did not build; bench/rtt alone measures Tachyon"
	-$(Q)$(PYTHON) -c "import matplotlib" 2>/dev/null || $(PYTHON) -m pip install -q --root-user-action=ignore matplotlib >/dev/null 2>&1 || echo "bench: matplotlib is not installable here; the RTT plot is written as SVG instead of PNG"
ifneq ($(PY_STAMP),)
	-$(Q)$(MAKE) --no-print-directory python-install >/dev/null 2>&1 || echo "bench: the Python package did not install; its rows are skipped"
endif

bench: bench-build bench-optional
	$(Q)$(PYTHON) bench/run.py --build $(BUILD) $(BENCH_ARGS)
