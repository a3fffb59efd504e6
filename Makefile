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

# cgo's build cache keys a package by its own files and the cgo flags, not by
# the runtime .c files the Go wrappers (runtime/go/csrc_*.c) #include: without
# this stamp a warm cache keeps linking a runtime older than the tree (after an
# ABI change, every Go peer fails the handshake). The stamp is a checksum of the
# runtime's sources, so a changed source is a changed flag and a rebuild.
TACHYON_SRC_STAMP := $(shell cat runtime/src/*.c runtime/src/*.h runtime/include/*.h 2>/dev/null | cksum | cut -d' ' -f1)
export CGO_CFLAGS := $(or $(CGO_CFLAGS),-O2 -g) -DTACHYON_SRC_STAMP=$(TACHYON_SRC_STAMP)

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
