# compiler.mk - tachc, the schema compiler. Included by the top-level Makefile.
#
#   make tachc            build $(BUILD)/tachc
#   make generate         rewrite generated/ from schemas/ (every language)
#   make lock             rewrite schemas/tach.lock (deliberately: it is the ABI record)
#   make compiler-tests   build what tests/compiler/run.sh needs
#
# flex and bison write their C files into $(BUILD)/compiler/, never into the
# source tree.

TACHC := $(BUILD)/tachc
TACHC_OBJDIR := $(BUILD)/compiler
TACHC_SRCS := $(wildcard compiler/*.c)
TACHC_OBJS := $(patsubst compiler/%.c,$(TACHC_OBJDIR)/%.o,$(TACHC_SRCS)) \
              $(TACHC_OBJDIR)/parser.o $(TACHC_OBJDIR)/lexer.o $(TACHC_OBJDIR)/support_text.o
# The support code generated files carry: real source files, embedded into
# tachc by compiler/embed_support.awk (see compiler/support.h).
TACHC_SUPPORT := $(sort $(wildcard compiler/support/tachyon_support.*))
TACHC_SCHEMAS := schemas/market.tach schemas/frames.tach schemas/everything.tach
FLEX ?= flex
BISON ?= bison

# Generated code is compiled without the warnings flex and bison cannot help.
TACHC_GEN_CFLAGS := -Wno-unused-function -Wno-sign-compare -Wno-missing-prototypes

.PHONY: tachc generate lock compiler-tests
all: tachc
tachc: $(TACHC)

$(TACHC): $(TACHC_OBJS)
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_CFLAGS) -pthread -o $@ $^ $(ALL_LDFLAGS)

# A pattern rule: one bison run makes both files (parallel make runs it once).
$(TACHC_OBJDIR)/%.c $(TACHC_OBJDIR)/%.h: compiler/%.y
	@mkdir -p $(TACHC_OBJDIR)
	@echo "  BISON   $<"
	$(Q)$(BISON) -Wall -Werror --header=$(TACHC_OBJDIR)/$*.h -o $(TACHC_OBJDIR)/$*.c $<

$(TACHC_OBJDIR)/lexer.c: compiler/lexer.l
	@mkdir -p $(TACHC_OBJDIR)
	@echo "  FLEX    $<"
	$(Q)$(FLEX) -o $@ $<

$(TACHC_OBJDIR)/support_text.c: $(TACHC_SUPPORT) compiler/embed_support.awk
	@mkdir -p $(TACHC_OBJDIR)
	@echo "  EMBED   compiler/support/"
	$(Q)awk -f compiler/embed_support.awk $(TACHC_SUPPORT) >$@.tmp && mv $@.tmp $@

$(TACHC_OBJDIR)/support_text.o: $(TACHC_OBJDIR)/support_text.c
	@echo "  CC      $@"
	$(Q)$(CC) $(ALL_CFLAGS) -Icompiler -c -o $@ $<

$(TACHC_OBJDIR)/parser.o: $(TACHC_OBJDIR)/parser.c
	@echo "  CC      $@"
	$(Q)$(CC) $(ALL_CFLAGS) $(TACHC_GEN_CFLAGS) -Icompiler -I$(TACHC_OBJDIR) -c -o $@ $<

$(TACHC_OBJDIR)/lexer.o: $(TACHC_OBJDIR)/lexer.c $(TACHC_OBJDIR)/parser.h
	@echo "  CC      $@"
	$(Q)$(CC) $(ALL_CFLAGS) $(TACHC_GEN_CFLAGS) -Icompiler -I$(TACHC_OBJDIR) -c -o $@ $<

$(TACHC_OBJDIR)/%.o: compiler/%.c $(TACHC_OBJDIR)/parser.h
	@mkdir -p $(TACHC_OBJDIR)
	@echo "  CC      $@"
	$(Q)$(CC) $(ALL_CFLAGS) -pthread -Icompiler -I$(TACHC_OBJDIR) -c -o $@ $<

generate: $(TACHC)
	@echo "  GEN     generated/"
	$(Q)$(TACHC) gen --lang c --lang cpp --lang rust --lang python --lang go --lang java --lang kotlin --lang ts --lang csharp --out generated $(TACHC_SCHEMAS)

lock: $(TACHC)
	@echo "  LOCK    schemas/tach.lock"
	$(Q)$(TACHC) lock $(TACHC_SCHEMAS) > schemas/tach.lock.tmp && mv schemas/tach.lock.tmp schemas/tach.lock

compiler-tests: $(TACHC)

# `make install` also puts tachc on $(PREFIX)/bin.
.PHONY: tachc-install
install: tachc-install
tachc-install: $(TACHC)
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(TACHC) $(DESTDIR)$(PREFIX)/bin/tachc
