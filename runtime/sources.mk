# runtime/sources.mk - the one list of libtachyon's C sources and of the C flags
# every build of them uses. Read by the Makefile (runtime/runtime.mk includes
# it), runtime/python/setup.py, runtime/rust/build.rs, and the Go package's
# tests (which check its cgo wrappers and #cgo CFLAGS against it). Keep each
# variable on one line of the form `NAME := words`: the readers other than make
# split that line on spaces and nothing more.
#
# Optimisation and sanitizer flags are each build's own (make's OPT and SAN,
# cargo's profile, Python's -O2); -Werror is added by the Makefile only, so a
# newer compiler's new warning never breaks a user's pip or cargo build.

TACHYON_SOURCES := arena.c bus.c error.c fanin.c fanout.c handshake.c platform.c ring.c rpc.c shm.c wait.c waitset.c
TACHYON_CFLAGS := -std=gnu11 -D_GNU_SOURCE -fvisibility=hidden -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes
