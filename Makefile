# tlsprobe: TLS connectivity diagnostics. Plain GNU make.
#   make                 build bin/*
#   make check           install missing packages, build, run every test
#   make check SAN=1     the same with ASan+UBSan (objects in build/san)
#   make demo            run the main job end to end on local servers
#   make fuzz            libFuzzer builds of tests/fuzz (clang; see there)
#   make install PREFIX=/usr/local

PREFIX     ?= /usr/local
DESTDIR    ?=
CC         ?= cc
PKG_CONFIG ?= pkg-config
PKGS       := gnutls libpcap ncursesw jansson libidn2 libcurl

CFLAGS   ?= -O2 -g
WARN     := -std=c11 -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes \
            -Wmissing-prototypes
ifeq ($(WERROR),1)
WARN     += -Werror
endif
CPPFLAGS += -D_GNU_SOURCE -Isrc
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)

ifeq ($(SAN),1)
B        := build/san
BINDIR   := build/san/bin
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all \
            -fno-omit-frame-pointer
else
B        := build/std
BINDIR   := bin
SANFLAGS :=
endif

ALL_CFLAGS  = $(WARN) $(CFLAGS) $(SANFLAGS) $(PKG_CFLAGS) -MMD -MP
# Our own code's allocations go through src/alloc.c, which counts the
# ones that fail: a main ends with exit 3 rather than print a report
# that quietly lacks what could not be allocated.
WRAP_ALLOC  := $(foreach f,malloc calloc realloc reallocarray strdup strndup \
               asprintf vasprintf open_memstream,-Wl,--wrap=$(f))
ALL_LDFLAGS = $(LDFLAGS) $(SANFLAGS) $(WRAP_ALLOC)
LIBS        = $(PKG_LIBS) -lgmp -lm -lpthread

LIB_SRC   := $(wildcard src/*.c)
LIB_OBJ   := $(LIB_SRC:%.c=$(B)/%.o)
LIB       := $(B)/libtlsprobe.a
CLI_SRC   := $(filter-out probes/main.c,$(wildcard probes/*.c))
CLI_SRC   += $(wildcard tui/*.c)
CLI_OBJ   := $(CLI_SRC:%.c=$(B)/%.o)
SUBCMDS   := client server peer ciphers pcap tui
PROGS     := $(BINDIR)/tlsprobe $(SUBCMDS:%=$(BINDIR)/tlsprobe-%)
UNIT_SRC  := $(wildcard tests/unit/test_*.c)
UNIT_BIN  := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
FUZZ_SRC  := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN  := $(FUZZ_SRC:tests/fuzz/%.c=$(B)/tests/%)
TORTURE_SHIM := $(B)/tests/failmalloc.so
MANPAGES  := $(wildcard docs/*.1)

.PHONY: all check deps demo install uninstall clean docs unit-tests fuzz

all: $(PROGS)

# V=1 shows the full commands.
ifeq ($(V),1)
Q :=
else
Q := @
endif

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && $(AR) rcs $@ $^

# One front command; each tlsprobe-SUB is the same main fixed to SUB.
$(BINDIR)/tlsprobe: $(B)/probes/main.o $(CLI_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(B)/probes/main-%.o: probes/main.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CPPFLAGS) -DTP_FIXED_SUBCOMMAND='"$*"' $(ALL_CFLAGS) -c -o $@ $<

$(BINDIR)/tlsprobe-%: $(B)/probes/main-%.o $(CLI_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(B)/tests/test_%: tests/unit/test_%.c $(LIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -o $@ $< $(LIB) $(ALL_LDFLAGS) $(LIBS) -lcmocka

# Fuzz targets build as plain programs that replay their corpus.
$(B)/tests/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c $(LIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -o $@ $< tests/fuzz/replay.c $(LIB) $(ALL_LDFLAGS) $(LIBS)

# The allocation-failure shim of tests/torture: preloaded, and never
# sanitized itself, since it forwards to ASan's malloc in a SAN=1 build.
$(TORTURE_SHIM): tests/torture/failmalloc.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) -fPIC -shared -o $@ $< -ldl

unit-tests: $(UNIT_BIN) $(FUZZ_BIN) $(TORTURE_SHIM)

deps:
	@sh scripts/install-deps.sh

check: deps
	@$(MAKE) --no-print-directory all unit-tests
	@sh tests/run.sh $(B) $(BINDIR)

demo: deps
	@$(MAKE) --no-print-directory all
	@sh scripts/demo.sh $(BINDIR)

# libFuzzer builds (not part of make check, which replays the corpora);
# tests/fuzz/README says how to run them without touching the corpora.
FUZZ_CC   ?= clang
FUZZ_DIR  := build/fuzz
FUZZ_SAN  := address,undefined
FUZZ_LIB  := $(FUZZ_DIR)/libtlsprobe.a
# The library is named here too: .SECONDARY would let a missing one pass.
fuzz: $(FUZZ_LIB) $(FUZZ_SRC:tests/fuzz/%.c=$(FUZZ_DIR)/%)

# The library is compiled once for every target (instrumented, without
# libFuzzer's main): a change to one file rebuilds that file only.
$(FUZZ_DIR)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  FUZZCC  $<")
	$(Q)$(FUZZ_CC) $(CPPFLAGS) $(PKG_CFLAGS) -g -O1 -MMD -MP \
		-fsanitize=fuzzer-no-link,$(FUZZ_SAN) -c -o $@ $<

$(FUZZ_LIB): $(LIB_SRC:%.c=$(FUZZ_DIR)/obj/%.o)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  FUZZ    $@")
	$(Q)$(FUZZ_CC) $(CPPFLAGS) $(PKG_CFLAGS) -g -O1 -MMD -MP \
		-fsanitize=fuzzer,$(FUZZ_SAN) $(WRAP_ALLOC) -o $@ $< $(FUZZ_LIB) $(LIBS)

docs: $(BINDIR)/tlsprobe
	@sh scripts/gen-findings-doc.sh $(BINDIR)/tlsprobe > docs/findings.md.tmp
	@mv docs/findings.md.tmp docs/findings.md

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(PROGS) $(DESTDIR)$(PREFIX)/bin/
	$(if $(MANPAGES),install -m 644 $(MANPAGES) $(DESTDIR)$(PREFIX)/share/man/man1/)

uninstall:
	rm -f $(PROGS:$(BINDIR)/%=$(DESTDIR)$(PREFIX)/bin/%)
	rm -f $(MANPAGES:docs/%=$(DESTDIR)$(PREFIX)/share/man/man1/%)

clean:
	rm -rf build bin

MAKEFLAGS += -r
.SUFFIXES:
.SECONDARY:
-include $(wildcard $(B)/src/*.d $(B)/probes/*.d $(B)/tui/*.d $(B)/tests/*.d)
-include $(wildcard $(FUZZ_DIR)/obj/src/*.d $(FUZZ_DIR)/*.d)
