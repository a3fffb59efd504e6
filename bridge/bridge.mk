# bridge/bridge.mk - tachyon-bridge, a bus carried over NATS (core or JetStream).
# Included by the top-level Makefile.
#
#   make bridge           $(BUILD)/bin/tachyon-bridge (part of `make` when libnats is here)
#   make bridge-deps      installs nats-server and libnats-dev when missing (root + apt-get)
#   make install          also installs tachyon-bridge under $(PREFIX)/bin
#
# Without libnats (Debian's libnats-dev) `make` builds everything else and says
# so in one line.

BRIDGE_BIN := $(BUILD)/bin/tachyon-bridge
BRIDGE_SRCS := $(sort $(wildcard bridge/*.c))
BRIDGE_OBJS := $(patsubst bridge/%.c,$(BUILD)/bridge/%.o,$(BRIDGE_SRCS))
BRIDGE_HAVE_NATS := $(shell printf '\043include <nats/nats.h>\n' | $(CC) -E -x c - >/dev/null 2>&1 && echo yes)
BRIDGE_NATS_LIBS := $(or $(shell pkg-config --libs libnats 2>/dev/null),-lnats)
BRIDGE_CFLAGS = $(ALL_CFLAGS) -D_GNU_SOURCE -Iruntime/include -Ibridge

.PHONY: bridge bridge-deps bridge-install
all: bridge
install: bridge-install

ifeq ($(BRIDGE_HAVE_NATS),yes)
bridge: $(BRIDGE_BIN)

$(BUILD)/bridge/%.o: bridge/%.c bridge/bridge.h
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) $(BRIDGE_CFLAGS) -c -o $@ $<

$(BRIDGE_BIN): $(BRIDGE_OBJS) $(RT_LIB_A)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(CC) -o $@ $(BRIDGE_OBJS) $(RT_LIB_A) $(ALL_LDFLAGS) $(BRIDGE_NATS_LIBS) -lpthread

bridge-install: $(BRIDGE_BIN)
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(BRIDGE_BIN) $(DESTDIR)$(PREFIX)/bin/tachyon-bridge
else
bridge:
	@echo "  SKIP    tachyon-bridge: libnats not found; get it with 'apt-get install libnats-dev' (and nats-server to run it)"

bridge-install: bridge
endif

# make test's set-up: the bridge suite needs nats-server and libnats.
test-build: bridge-deps
bridge-deps:
	@missing=""; command -v nats-server >/dev/null 2>&1 || missing="nats-server"; \
	[ "$(BRIDGE_HAVE_NATS)" = yes ] || missing="$$missing libnats-dev"; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "tachyon: installing$$missing with apt-get" >&2; \
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null 2>&1 || \
			{ apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; } || \
			echo "tachyon: apt-get install$$missing failed; the bridge suite will be skipped" >&2; \
			$(MAKE) --no-print-directory bridge; \
		else \
			echo "tachyon: the bridge needs$$missing; install with: sudo apt-get install$$missing" >&2; \
		fi; \
	fi

# The bridge suite's own peers (tests/bridge), built for make test.
BRIDGE_TEST_PEER := $(BUILD)/tests/bridge/bridge_peer
.PHONY: bridge-tests
test-build: bridge-tests
bridge-tests: $(BRIDGE_TEST_PEER)
$(BRIDGE_TEST_PEER): tests/bridge/bridge_peer.c examples/peers/c/peer.h generated/c/market.h $(RT_LIB_A)
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) $(ALL_CFLAGS) -D_GNU_SOURCE -Iruntime/include -Igenerated/c -o $@ $< $(RT_LIB_A) $(ALL_LDFLAGS) -lpthread
