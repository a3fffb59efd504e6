# runtime/runtime.mk - libtachyon (static and shared), its C tests, the
# pkg-config file, `make install`, and the c_pingpong example.
#
#   make lib             $(BUILD)/lib/libtachyon.a and libtachyon.so
#   make runtime-tests   $(BUILD)/tests/runtime/test_* (the runner runs them)
#   make c_pingpong      $(BUILD)/examples/c_pingpong
#   make install         headers, libraries and tachyon.pc under $(PREFIX)

include runtime/sources.mk
TACHYON_VERSION := $(strip $(file < VERSION))
TACHYON_SOVERSION := 1
# The C++ header check uses the C compiler's C++ sibling (so a sanitizer build
# links one sanitizer runtime), unless CXX was given explicitly.
ifeq ($(origin CXX),default)
RT_CXX := $(if $(findstring clang,$(CC)),clang++,g++)
else
RT_CXX := $(CXX)
endif

RT_SRCS := $(addprefix runtime/src/,$(TACHYON_SOURCES))
RT_OBJS := $(patsubst runtime/src/%.c,$(BUILD)/runtime/%.o,$(RT_SRCS))
RT_LIB_A := $(BUILD)/lib/libtachyon.a
RT_LIB_SO_REAL := $(BUILD)/lib/libtachyon.so.$(TACHYON_SOVERSION)
RT_LIB_SO := $(BUILD)/lib/libtachyon.so
RT_CFLAGS = $(ALL_CFLAGS) $(TACHYON_CFLAGS) -Werror -Iruntime/include

RT_TEST_SRCS := $(sort $(wildcard tests/runtime/test_*.c))
RT_TESTS := $(patsubst tests/runtime/%.c,$(BUILD)/tests/runtime/%,$(RT_TEST_SRCS))
RT_CXX_TEST := $(BUILD)/tests/runtime/test_cxx_header
RT_TEST_CFLAGS = $(ALL_CFLAGS) -D_GNU_SOURCE -Iruntime/include -Itests/runtime

PINGPONG := $(BUILD)/examples/c_pingpong

# Every symbol resolved at link time, except in sanitizer builds: clang links
# the sanitizer runtime into executables only, not into shared libraries.
RT_NOUNDEF := -Wl,--no-undefined
RT_SO_NOUNDEF = $(if $(SAN),,$(RT_NOUNDEF))

.PHONY: lib runtime-tests c_pingpong runtime-install
all: lib c_pingpong
lib: $(RT_LIB_A) $(RT_LIB_SO)
c_pingpong: $(PINGPONG)
runtime-tests: $(RT_TESTS) $(RT_CXX_TEST)
install: runtime-install

$(BUILD)/runtime/%.o: runtime/src/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) $(RT_CFLAGS) -c -o $@ $<

$(RT_LIB_A): $(RT_OBJS)
	@mkdir -p $(dir $@)
	@echo "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $^

$(RT_LIB_SO_REAL): $(RT_OBJS)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(CC) -shared -Wl,-soname,libtachyon.so.$(TACHYON_SOVERSION) -Wl,-Bsymbolic $(RT_SO_NOUNDEF) -o $@ $^ $(ALL_LDFLAGS)

$(RT_LIB_SO): $(RT_LIB_SO_REAL)
	$(Q)ln -sf libtachyon.so.$(TACHYON_SOVERSION) $@

$(BUILD)/tests/runtime/test_%: tests/runtime/test_%.c $(RT_LIB_A) $(wildcard tests/runtime/*.h)
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) $(RT_TEST_CFLAGS) -o $@ $< $(RT_LIB_A) $(ALL_LDFLAGS) -lpthread

# The public header must also compile as C++ (and link against the C library).
$(RT_CXX_TEST): tests/runtime/test_cxx_header.cc runtime/include/tachyon.h $(RT_LIB_A)
	@mkdir -p $(dir $@)
	@echo "  CXX     $@"
	$(Q)$(RT_CXX) -std=c++11 -Wall -Wextra -Werror -pedantic -O1 -g $(SANFLAGS) -Iruntime/include -o $@ $< \
		$(RT_LIB_A) $(ALL_LDFLAGS) -lpthread

$(PINGPONG): examples/c_pingpong/pingpong.c $(RT_LIB_A)
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) $(ALL_CFLAGS) -D_GNU_SOURCE -Iruntime/include -o $@ $< $(RT_LIB_A) $(ALL_LDFLAGS) -lpthread

# tachyon.pc is written at install time: it names $(PREFIX), which may differ
# from one install to the next while the build stays the same.
runtime-install: lib
	install -d $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 644 runtime/include/tachyon.h $(DESTDIR)$(PREFIX)/include/tachyon.h
	install -m 644 $(RT_LIB_A) $(DESTDIR)$(PREFIX)/lib/libtachyon.a
	install -m 755 $(RT_LIB_SO_REAL) $(DESTDIR)$(PREFIX)/lib/libtachyon.so.$(TACHYON_SOVERSION)
	ln -sf libtachyon.so.$(TACHYON_SOVERSION) $(DESTDIR)$(PREFIX)/lib/libtachyon.so
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(TACHYON_VERSION)|g' runtime/tachyon.pc.in \
		> $(DESTDIR)$(PREFIX)/lib/pkgconfig/tachyon.pc
	chmod 644 $(DESTDIR)$(PREFIX)/lib/pkgconfig/tachyon.pc

# runtime/sources.mk lists every C file of runtime/src (and nothing else), and
# tachyon.h's TACHYON_VERSION is the VERSION file's.
.PHONY: runtime-sources-check
runtime-tests: runtime-sources-check
runtime-sources-check:
	$(Q)if [ "$(sort $(TACHYON_SOURCES))" != "$(sort $(notdir $(wildcard runtime/src/*.c)))" ]; then \
		echo "runtime/sources.mk lists: $(sort $(TACHYON_SOURCES))"; \
		echo "runtime/src holds:        $(sort $(notdir $(wildcard runtime/src/*.c)))"; exit 1; fi
	$(Q)if ! grep -q '^#define TACHYON_VERSION "$(TACHYON_VERSION)"$$' runtime/include/tachyon.h; then \
		echo "tachyon.h: TACHYON_VERSION is not \"$(TACHYON_VERSION)\" (the VERSION file)"; exit 1; fi

# The files call downwards only: platform.c (clock, futex, pidfd, liveness)
# uses no other file of the runtime, and ring.c (the hot path) nothing of
# wait.c (blocking) or of the set-up files. Checked on the objects' symbols:
# what a lower file leaves undefined must not be defined by a higher one.
RT_LOWER_platform := arena bus error handshake ring rpc shm wait
RT_LOWER_ring := arena bus handshake rpc shm wait
.PHONY: runtime-layers-check
runtime-tests: runtime-layers-check
runtime-layers-check: $(RT_OBJS)
	$(Q)for low in platform ring; do \
		case $$low in platform) highs="$(RT_LOWER_platform)";; ring) highs="$(RT_LOWER_ring)";; esac; \
		for high in $$highs; do \
			nm -u $(BUILD)/runtime/$$low.o | awk '{print $$2}' | LC_ALL=C sort > $(BUILD)/runtime/layers.used; \
			nm --defined-only $(BUILD)/runtime/$$high.o | awk '$$2 ~ /^[TDBR]$$/ {print $$3}' | LC_ALL=C sort \
				> $(BUILD)/runtime/layers.defined; \
			both=$$(LC_ALL=C comm -12 $(BUILD)/runtime/layers.used $(BUILD)/runtime/layers.defined); \
			if [ -n "$$both" ]; then echo "runtime/src/$$low.c calls up into $$high.c: $$both"; exit 1; fi; \
		done; \
	done

# The shared library exports exactly the TACHYON_API functions of tachyon.h:
# every one of them, and nothing else (the rest is -fvisibility=hidden).
.PHONY: runtime-exports-check
runtime-tests: runtime-exports-check
runtime-exports-check: $(RT_LIB_SO)
	$(Q)sed -n 's/^TACHYON_API[^(]*[ *]\(tachyon_[a-z_0-9]*\)(.*/\1/p' runtime/include/tachyon.h | sort > $(BUILD)/lib/exports.want
	$(Q)nm -D --defined-only $(RT_LIB_SO_REAL) | awk '$$2 == "T" {print $$3}' | sort > $(BUILD)/lib/exports.got
	$(Q)if ! cmp -s $(BUILD)/lib/exports.want $(BUILD)/lib/exports.got; then \
		echo "libtachyon.so exports differ from tachyon.h (< header, > library):"; \
		diff $(BUILD)/lib/exports.want $(BUILD)/lib/exports.got; exit 1; fi
