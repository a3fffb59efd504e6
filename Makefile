# Tachyon: the entry point for everything. `make help` lists the targets.
#
# Parts add their rules through the fragments included below; each fragment
# owns one folder. Build outputs go to $(BUILD) (default build/).
#   make              build libtachyon, tachc, examples
#   make test         every test; ends with one line "N passed, N failed"
#   make SAN=asan     AddressSanitizer + UBSan build (in build/asan)
#   make SAN=tsan     ThreadSanitizer build (in build/tsan)
#   make V=1          show full command lines

SAN ?=
ifeq ($(SAN),)
BUILD ?= build
else
BUILD ?= build/$(SAN)
endif

CC ?= cc
PREFIX ?= /usr/local
# Python runs from a virtual environment under build/ that .ci/deps.sh makes
# (PEP 668 systems refuse pip outside one); PYTHON=... uses another interpreter.
VENV ?= build/venv
PYTHON ?= $(VENV)/bin/python

WARN   := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CSTD   := -std=gnu11
OPT    ?= -O2
SANFLAGS_asan := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
SANFLAGS_tsan := -fsanitize=thread
SANFLAGS := $(SANFLAGS_$(SAN))
CFLAGS ?=
ALL_CFLAGS = $(CSTD) $(WARN) $(OPT) -g -fPIC -MMD -MP $(SANFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(SANFLAGS) $(LDFLAGS)

ifeq ($(V),1)
Q :=
else
Q := @
endif

.PHONY: all help test bench demo generate install clean
all:

help:
	@echo "make | make test | make bench | make demo | make generate | make install | make clean"

include runtime/runtime.mk
include compiler/compiler.mk
-include runtime/node/node.mk
-include examples/examples.mk
-include tests/tests.mk
-include tests/fault/fault.mk
-include tests/fuzz/fuzz.mk
-include tests/vectors/vectors.mk
-include bench/bench.mk
-include bridge/bridge.mk

clean:
	rm -rf build

-include $(shell find $(BUILD) \( -path build/venv -o -path build/setup \) -prune -o -name '*.d' -type f -print 2>/dev/null)
