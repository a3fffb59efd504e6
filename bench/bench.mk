# bench/bench.mk - `make bench`: builds the benchmark programs into
# $(BUILD)/bench/ and runs bench/run.py, which runs every benchmark with its
# baselines, saves bench/results/<date>-<host>.{jsonl,md,png} and prints the
# summary table. Pass options to it with BENCH_ARGS, e.g.
#   make bench BENCH_ARGS="--samples 1e6 --rounds 7"
#   make bench BENCH_ARGS="--quick"
# The Python, language and tachc rows are built on the way if their parts are
# there; a part that does not build is skipped with a note, never fatal.

BENCH_DIR := $(BUILD)/bench
BENCH_LIB := $(BUILD)/lib/libtachyon.a
BENCH_PROGS := $(BENCH_DIR)/rtt $(BENCH_DIR)/throughput $(BENCH_DIR)/peer $(BENCH_DIR)/topology $(BENCH_DIR)/rpc_bench \
               $(BENCH_DIR)/insn_count $(BENCH_DIR)/topology_insn
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

$(BENCH_DIR)/throughput $(BENCH_DIR)/peer $(BENCH_DIR)/topology $(BENCH_DIR)/rpc_bench: $(BENCH_DIR)/%: $(BENCH_DIR)/%.o $(BENCH_DIR)/bench_util.o $(BENCH_LIB)
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_LDFLAGS) $^ -lm -lpthread -o $@

# The instruction budget's program (tests/perf/insn_budget.py runs it under
# callgrind in `make test`): static, so the count has no PLT indirection.
$(BENCH_DIR)/insn_count: $(BENCH_DIR)/insn_count.o $(BENCH_LIB)
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_LDFLAGS) $^ -o $@

# The fan-in consumer's count next to N polled buses (see its header).
$(BENCH_DIR)/topology_insn: $(BENCH_DIR)/topology_insn.o $(BENCH_LIB)
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_LDFLAGS) $^ -lpthread -o $@

# Parts owned elsewhere (tachc, examples, the Python package), matplotlib for
# the plot, and (in lang_bench.py) the example peers of every language: each is tried,
# and a failure only drops its rows.
# After bench-build: its sub-makes would otherwise race it for the library under -j.
bench-optional: bench-build
	-$(Q)$(MAKE) --no-print-directory tachc >/dev/null 2>&1 || echo "bench: tachc did not build; its row is skipped"
	-$(Q)$(MAKE) --no-print-directory c_pingpong >/dev/null 2>&1 || echo "bench: examples/c_pingpong did not build; bench/rtt alone measures Tachyon"
	-$(Q)$(PYTHON) -c "import matplotlib" 2>/dev/null || $(PYTHON) -m pip install -q --root-user-action=ignore matplotlib >/dev/null 2>&1 || echo "bench: matplotlib is not installable here; the RTT plot is written as SVG instead of PNG"
ifneq ($(PY_STAMP),)
	-$(Q)$(MAKE) --no-print-directory python-install >/dev/null 2>&1 || echo "bench: the Python package did not install; its rows are skipped"
endif

bench: bench-build bench-optional bench-iceoryx2
	$(Q)$(PYTHON) bench/run.py --build $(BUILD) --bridge-rows $(BENCH_DIR)/bridge.jsonl $(BENCH_ARGS)

# iceoryx2 (the crate from crates.io, version pinned in bench/iceoryx2/Cargo.toml
# and Cargo.lock) as an optional peer of the ping-pong and throughput rows. Built
# only by `make bench`, into $(BUILD)/bench/iceoryx2; without cargo or crates.io
# one line says its rows are skipped (the build log is kept next to it).
IOX2_DIR := $(BENCH_DIR)/iceoryx2
.PHONY: bench-iceoryx2
bench-iceoryx2:
	@mkdir -p $(BENCH_DIR)
	-$(Q)if ! command -v cargo >/dev/null 2>&1; then \
		echo "bench: cargo not installed; the iceoryx2 rows are skipped"; \
	elif ! cargo build --release --locked --manifest-path bench/iceoryx2/Cargo.toml \
		--target-dir $(IOX2_DIR) >$(BENCH_DIR)/iceoryx2-build.log 2>&1; then \
		echo "bench: iceoryx2 did not build (log: $(BENCH_DIR)/iceoryx2-build.log); its rows are skipped"; \
	fi

# tachyon-bridge against a plain libnats publisher/subscriber pair, core NATS
# and JetStream (bench/bridge_bench.c; it starts its own nats-server). Needs
# libnats-dev and nats-server; without them `make bench` says so and goes on.
# Its rows go to $(BENCH_DIR)/bridge.jsonl, which bench/run.py adds to the results
# file and summary (--bridge-rows). BRIDGE_BENCH_ARGS passes
# options, e.g. BRIDGE_BENCH_ARGS="--rounds 5 --count 500000" (or "--baseline
# OLD/tachyon-bridge" to time another build in the same rounds). A failing
# bridge_bench fails the target (its status is kept past the tee; /bin/sh
# here is dash, which has no pipefail).
BENCH_HAVE_NATS := $(shell printf '\043include <nats/nats.h>\n' | $(CC) -E -x c - >/dev/null 2>&1 && echo yes)
BRIDGE_BENCH_ARGS ?=
.PHONY: bench-bridge
bench: bench-bridge
ifeq ($(BENCH_HAVE_NATS),yes)
bench-build: $(BENCH_DIR)/bridge_bench
$(BENCH_DIR)/bridge_bench: bench/bridge_bench.c $(BENCH_LIB) generated/c/market.h generated/c/frames.h
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) $(ALL_CFLAGS) -Iruntime/include -Igenerated/c -o $@ $< $(BENCH_LIB) $(ALL_LDFLAGS) \
		$(or $(shell pkg-config --libs libnats 2>/dev/null),-lnats) -lpthread

bench-bridge: $(BENCH_DIR)/bridge_bench bench-build
	$(Q)rm -f $(BENCH_DIR)/bridge.jsonl
	$(Q)$(MAKE) --no-print-directory bridge
	$(Q)if command -v nats-server >/dev/null 2>&1; then \
		{ $(BENCH_DIR)/bridge_bench --json --bridge $(BUILD)/bin/tachyon-bridge $(BRIDGE_BENCH_ARGS); \
		  echo $$? > $(BENCH_DIR)/bridge.status; } | tee $(BENCH_DIR)/bridge.jsonl; \
		exit $$(cat $(BENCH_DIR)/bridge.status); \
	else echo "bench: nats-server not installed (apt-get install nats-server); the bridge rows are skipped"; fi
else
bench-bridge:
	$(Q)rm -f $(BENCH_DIR)/bridge.jsonl
	@echo "bench: libnats not found (apt-get install libnats-dev nats-server); the bridge rows are skipped"
endif
