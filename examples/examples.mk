# examples/examples.mk - the cross-language example programs and `make demo`.
# Included by the top-level Makefile.
#
#   make examples-c       $(BUILD)/examples/c_producer, c_consumer (part of `make`)
#   make examples-rust    $(BUILD)/cargo/release/rust_producer, rust_consumer (needs cargo)
#   make examples-go      $(BUILD)/examples/go_producer, go_consumer (needs go)
#   make examples-cpp     $(BUILD)/examples/cpp_producer, cpp_consumer, cpp_pingpong (part of `make`)
#   make examples-csharp  $(BUILD)/examples/csharp_producer.exe, csharp_consumer.exe (needs Mono's mcs; run with mono)
#   make examples         all of them
#   make demo             set-up, then Python producer -> Rust consumer: 1,000,000 MarketTicks, rates, latency
#
# The programs live in examples/peers/<language>/; each example folder's run.sh
# runs one pair of them (see examples/README.md).

EX_DIR := $(BUILD)/examples
EX_C_PEERS := $(EX_DIR)/c_producer $(EX_DIR)/c_consumer
EX_CARGO_DIR := $(abspath $(BUILD))/cargo
EX_GEN_C := generated/c/market.h generated/c/frames.h

.PHONY: examples examples-c examples-rust examples-go examples-cpp examples-csharp demo
all: examples-c examples-cpp
examples: examples-c examples-cpp examples-rust examples-go

examples-c: $(EX_C_PEERS)

$(EX_C_PEERS): $(EX_DIR)/c_%: examples/peers/c/%.c examples/peers/c/peer.h $(EX_GEN_C) $(RT_LIB_A)
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) $(ALL_CFLAGS) -D_GNU_SOURCE -Iruntime/include -Igenerated/c -o $@ $< $(RT_LIB_A) $(ALL_LDFLAGS) -lpthread

# C++20 (header-only binding runtime/cpp/tachyon.hpp, generated/cpp headers).
EX_CXXFLAGS = -std=c++20 $(OPT) -g -Wall -Wextra -Werror -Wshadow -Wconversion -MMD -MP $(SANFLAGS) $(CXXFLAGS)
EX_CPP_PEERS := $(EX_DIR)/cpp_producer $(EX_DIR)/cpp_consumer
EX_GEN_CPP := generated/cpp/market.hpp generated/cpp/frames.hpp

examples-cpp: $(EX_CPP_PEERS) $(EX_DIR)/cpp_pingpong

$(EX_CPP_PEERS): $(EX_DIR)/cpp_%: examples/peers/cpp/%.cc examples/peers/cpp/peer.hpp runtime/cpp/tachyon.hpp \
		$(EX_GEN_CPP) $(RT_LIB_A)
	@mkdir -p $(dir $@)
	@echo "  CXX     $@"
	$(Q)$(CXX) $(EX_CXXFLAGS) -Iruntime/include -Iruntime/cpp -Igenerated/cpp -o $@ $< $(RT_LIB_A) $(ALL_LDFLAGS) -lpthread

$(EX_DIR)/cpp_pingpong: examples/cpp_pingpong/pingpong.cc runtime/cpp/tachyon.hpp $(RT_LIB_A)
	@mkdir -p $(dir $@)
	@echo "  CXX     $@"
	$(Q)$(CXX) $(EX_CXXFLAGS) -Iruntime/include -Iruntime/cpp -o $@ $< $(RT_LIB_A) $(ALL_LDFLAGS) -lpthread

# C# (Mono's mcs; the programs run with `mono`, finding libtachyon.so through LD_LIBRARY_PATH).
MCS ?= mcs
EX_CS_LIB := $(wildcard runtime/csharp/Tachyon/*.cs) generated/csharp/Tachc.cs generated/csharp/market.cs \
	generated/csharp/frames.cs examples/peers/csharp/Peer.cs

examples-csharp: $(EX_DIR)/csharp_producer.exe $(EX_DIR)/csharp_consumer.exe

$(EX_DIR)/csharp_producer.exe $(EX_DIR)/csharp_consumer.exe: $(EX_DIR)/csharp_%.exe: examples/peers/csharp/%.cs $(EX_CS_LIB) $(RT_LIB_SO)
	@command -v $(MCS) >/dev/null 2>&1 || { echo "error: the C# examples need Mono; get it with 'apt-get install mono-mcs mono-runtime'" >&2; exit 1; }
	@mkdir -p $(dir $@)
	@echo "  MCS     $@"
	$(Q)$(MCS) -nologo -unsafe -warnaserror+ -main:Peers.$(if $(findstring producer,$*),Producer,Consumer) -out:$@ $(EX_CS_LIB) $<

# cargo and go track their own dependencies, so these always run (quickly when
# nothing changed). A missing tool is one clear line, not a stack of errors.
examples-rust:
	@command -v cargo >/dev/null 2>&1 || { echo "error: the Rust examples need cargo; get it with 'apt-get install cargo' or from https://rustup.rs" >&2; exit 1; }
	@echo "  CARGO   examples/peers/rust -> $(BUILD)/cargo/release/rust_{producer,consumer}"
	$(Q)CARGO_TARGET_DIR=$(EX_CARGO_DIR) cargo build --release --quiet --manifest-path examples/peers/rust/Cargo.toml

examples-go:
	@command -v go >/dev/null 2>&1 || { echo "error: the Go examples need go; get it with 'apt-get install golang' or from https://go.dev/dl" >&2; exit 1; }
	@mkdir -p $(EX_DIR)
	@echo "  GO      examples/peers/go -> $(EX_DIR)/go_{producer,consumer}"
	$(Q)cd examples/peers/go && go build -o $(abspath $(EX_DIR))/go_producer ./producer && \
		go build -o $(abspath $(EX_DIR))/go_consumer ./consumer

# The demo: on a fresh clone this checks the build tools (installing what it
# may, .ci/deps.sh), builds libtachyon and the Rust consumer, installs the
# Python package when its sources changed, then streams the MarketTicks. The
# steps run in order even under make -j.
demo:
	$(Q)$(MAKE) --no-print-directory deps DEPS_MODE=demo
	$(Q)$(MAKE) --no-print-directory lib examples-rust python-install
	$(Q)EXAMPLES_BUILT=1 BUILD=$(BUILD) PYTHON=$(PYTHON_PATH) bash examples/python_producer_rust_consumer/run.sh
