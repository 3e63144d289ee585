# synth's top-level Makefile: builds the synthesizer, the runtime library
# of each target, the examples, and runs the tests. Everything is built out
# of tree under $(B). `make help` lists the targets.

B ?= _build
# One spelling per build folder (relative when inside the tree), so that
# `make B=$PWD/_build` and `make` name the same targets and the dependency
# files written by one are understood by the other.
override B := $(patsubst $(CURDIR)/%,%,$(abspath $(B)))

ifeq ($(filter help clean distclean,$(MAKECMDGOALS)),)
ifeq ($(wildcard config.mk),)
$(info config.mk is missing: running ./configure with defaults)
$(shell ./configure >&2)
endif
endif
-include config.mk

SYNTH_HOME := $(CURDIR)
export SYNTH_HOME
SYNTH_LIBDIR := $(abspath $(B))/lib
export SYNTH_LIBDIR
SYNTH_CONFIG := $(CURDIR)/config.mk
export SYNTH_CONFIG
PREFIX ?= /usr/local
DESTDIR ?=
ARCH ?= x86_64

# Quiet by default; V=1 shows every command.
ifeq ($(V),1)
Q :=
msg = @true
else
Q := @
msg = @printf '  %-7s %s\n' '$(1)' '$(2)';
endif

# ---------------------------------------------------------------- sources
# The freestanding core: lib/, devices/, protocols/ (compiled -nostdinc).
CORE_SRCS := $(wildcard lib/*.c devices/*.c protocols/*.c protocols/*/*.c) \
             $(wildcard lib/ctx_$(ARCH).S)
# The freestanding C library is only for targets without a host libc.
LIBC_SRCS := $(wildcard lib/libc/*.c)
UNIX_SRCS := $(wildcard backends/unix/*.c)
SYNTH_SRCS := $(wildcard synth/*.c)
# synth validates manifest values with the runtime's own parsers, and its
# fatimage generator formats and fills volumes with the FAT library.
SYNTH_SHARED_SRCS := lib/param.c lib/fmt.c devices/block.c \
                     $(filter-out protocols/fat/fat_dev.c,$(wildcard protocols/fat/*.c))

UNIT_TESTS := $(patsubst tests/unit/%.c,%,$(wildcard tests/unit/test_*.c))
UNIT_HELPERS := $(filter-out tests/unit/test_%,$(wildcard tests/unit/*.c))
SYNTH_TESTS := $(patsubst tests/synth/%.c,%,$(wildcard tests/synth/test_*.c))
APPS := $(notdir $(patsubst %/app.synth,%,$(wildcard examples/*/app.synth)))
TARGETS := unix-socket unix-tap xen

obj = $(patsubst %,$(B)/$(1)/%.o,$(basename $(2)))

CORE_OBJS := $(call obj,obj/core,$(CORE_SRCS))
UNIX_OBJS := $(call obj,obj/unix,$(UNIX_SRCS))
UNIX_MAIN_OBJ := $(B)/obj/unix/backends/unix/main.o
SYNTH_OBJS := $(call obj,obj/synth,$(SYNTH_SRCS) $(SYNTH_SHARED_SRCS))
SYNTH_MAIN_OBJ := $(B)/obj/synth/synth/main.o

# Sanitizer variant for the unit tests.
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
ASAN_CORE_OBJS := $(call obj,asan/core,$(CORE_SRCS))
ASAN_UNIX_OBJS := $(call obj,asan/unix,$(filter-out backends/unix/main.c,$(UNIX_SRCS)))
ASAN_SYNTH_OBJS := $(call obj,asan/synth,$(filter-out synth/main.c,$(SYNTH_SRCS)) $(SYNTH_SHARED_SRCS))

RUNTIME_UNIX := $(B)/lib/libsynth-unix.a
SYNTH := $(B)/synth/synth

HOST_TEST_CFLAGS = -std=gnu11 $(SYNTH_WARN) -D_GNU_SOURCE -I. -Itests/unit $(CFLAGS)

# ---------------------------------------------------------------- top-level
.PHONY: all lib synth examples run test check install clean distclean help matrix fuzz
all: synth lib examples

help:
	@echo 'synth: make targets'
	@echo '  all (default)    the synthesizer, runtime libraries and every example'
	@echo '  run              build www for unix-socket and serve on 127.0.0.1:8080 (ARGS=... passes options)'
	@echo '  test             run the whole test suite (tests/run)'
	@echo '  APP-TARGET       build one example for one target, e.g. www-unix-socket'
	@echo '  matrix           every example for every target it allows'
	@echo '  site             regenerate the www example'"'"'s pages after editing README.md or docs/'
	@echo '  install          synth, headers, runtime libraries, templates, man page, .pc files'
	@echo '  clean            remove $(B)/'
	@echo 'Variables: CC, CFLAGS, PREFIX, DESTDIR, V=1 (show commands), B (build folder)'

lib: $(RUNTIME_UNIX)
synth: $(SYNTH)

# ---------------------------------------------------------------- compiling
$(B)/obj/core/%.o: %.c
	$(call msg,CC,$<)
	@mkdir -p $(@D)
	$(Q)$(CC) $(SYNTH_CORE_CFLAGS) -MMD -MP -c -o $@ $<

$(B)/obj/core/%.o: %.S
	$(call msg,AS,$<)
	@mkdir -p $(@D)
	$(Q)$(CC) $(SYNTH_CORE_CFLAGS) -MMD -MP -c -o $@ $<

$(B)/obj/unix/%.o: %.c
	$(call msg,CC,$<)
	@mkdir -p $(@D)
	$(Q)$(CC) $(SYNTH_HOSTED_CFLAGS) -MMD -MP -c -o $@ $<

$(B)/obj/synth/%.o: %.c
	$(call msg,CC,$<)
	@mkdir -p $(@D)
	$(Q)$(CC) $(SYNTH_HOSTED_CFLAGS) -DSYNTH_SRCDIR='"$(CURDIR)"' -MMD -MP -c -o $@ $<

$(B)/asan/core/%.o: %.c
	$(call msg,CC-SAN,$<)
	@mkdir -p $(@D)
	$(Q)$(CC) $(SYNTH_CORE_CFLAGS) $(SAN_FLAGS) -MMD -MP -c -o $@ $<

$(B)/asan/core/%.o: %.S
	$(call msg,AS-SAN,$<)
	@mkdir -p $(@D)
	$(Q)$(CC) $(SYNTH_CORE_CFLAGS) $(SAN_FLAGS) -MMD -MP -c -o $@ $<

$(B)/asan/unix/%.o: %.c
	$(call msg,CC-SAN,$<)
	@mkdir -p $(@D)
	$(Q)$(CC) $(SYNTH_HOSTED_CFLAGS) $(SAN_FLAGS) -MMD -MP -c -o $@ $<

$(B)/asan/synth/%.o: %.c
	$(call msg,CC-SAN,$<)
	@mkdir -p $(@D)
	$(Q)$(CC) $(SYNTH_HOSTED_CFLAGS) $(SAN_FLAGS) -DSYNTH_SRCDIR='"$(CURDIR)"' -MMD -MP -c -o $@ $<

$(RUNTIME_UNIX): $(CORE_OBJS) $(UNIX_OBJS)
	$(call msg,AR,$@)
	@mkdir -p $(@D)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(SYNTH): $(SYNTH_OBJS)
	$(call msg,LD,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -o $@ $^

# ---------------------------------------------------------------- examples
# Each preset synthesizes the app for the target and builds it through the
# generated build.mk (synth build); `+` hands make's jobserver down.
define preset
.PHONY: $(1)-$(2)
$(1)-$(2): $(SYNTH) $(RUNTIME_UNIX)
	+$(Q)$(SYNTH) build -t $(2) -o $(B) examples/$(1)
endef
$(foreach a,$(APPS),$(foreach t,$(TARGETS),$(eval $(call preset,$(a),$(t)))))

# Every example for every target it allows, as synth matrix lists them.
matrix: $(SYNTH) $(RUNTIME_UNIX)
	+$(Q)for p in $$($(SYNTH) matrix --format make | sed -n 's/^MATRIX *[:+]*= *//p'); do \
		$(MAKE) --no-print-directory $$p || exit 1; done

examples: $(foreach a,$(APPS),$(a)-unix-socket)

# The www example's pages are generated from README.md and docs/ and
# committed; tests/integration/www_site.sh fails when they are stale.
.PHONY: site
site:
	$(Q)CC=$(CC) examples/www/tools/mksite.sh

run: www-unix-socket
	$(B)/www/unix-socket/www $(ARGS)

# ---------------------------------------------------------------- tests
UNIT_BINS := $(addprefix $(B)/tests/unit/,$(UNIT_TESTS))
ASAN_UNIT_BINS := $(addprefix $(B)/asan/tests/unit/,$(UNIT_TESTS))
SYNTH_TEST_BINS := $(addprefix $(B)/tests/synth/,$(SYNTH_TESTS)) $(addprefix $(B)/asan/tests/synth/,$(SYNTH_TESTS))

$(B)/tests/unit/%: tests/unit/%.c $(UNIT_HELPERS) $(CORE_OBJS) $(filter-out $(UNIX_MAIN_OBJ),$(UNIX_OBJS))
	$(call msg,TEST-LD,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(HOST_TEST_CFLAGS) -MMD -MP -MF $@.d -o $@ $< $(UNIT_HELPERS) $(CORE_OBJS) $(filter-out $(UNIX_MAIN_OBJ),$(UNIX_OBJS))

$(B)/asan/tests/unit/%: tests/unit/%.c $(UNIT_HELPERS) $(ASAN_CORE_OBJS) $(ASAN_UNIX_OBJS)
	$(call msg,TEST-LD,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(HOST_TEST_CFLAGS) $(SAN_FLAGS) -MMD -MP -MF $@.d -o $@ $< $(UNIT_HELPERS) $(ASAN_CORE_OBJS) $(ASAN_UNIX_OBJS)

$(B)/tests/synth/%: tests/synth/%.c $(filter-out $(SYNTH_MAIN_OBJ),$(SYNTH_OBJS))
	$(call msg,TEST-LD,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(HOST_TEST_CFLAGS) -Isynth -DSYNTH_SRCDIR='"$(CURDIR)"' -MMD -MP -MF $@.d -o $@ $< $(filter-out $(SYNTH_MAIN_OBJ),$(SYNTH_OBJS))

# libFuzzer harnesses (clang only): every harness links one archive of the
# core, the UNIX backend and synth, each built with the fuzzing sanitizers.
FUZZ_CC ?= clang
FUZZ_FLAGS := -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -g -O1
FUZZ_HARNESSES := $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_SRCS := $(CORE_SRCS) $(filter-out backends/unix/main.c,$(UNIX_SRCS)) $(filter-out synth/main.c,$(SYNTH_SRCS))
FUZZ_OBJS := $(call obj,fuzz/obj,$(FUZZ_SRCS))
FUZZ_LIB := $(B)/fuzz/libfuzzable.a
FUZZ_BINS := $(addprefix $(B)/fuzz/,$(FUZZ_HARNESSES))

$(B)/fuzz/obj/%.o: %.c
	$(call msg,CC-FUZZ,$<)
	@mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(if $(filter lib/% devices/% protocols/%,$<),$(SYNTH_CORE_CFLAGS),$(SYNTH_HOSTED_CFLAGS)) \
		-DSYNTH_SRCDIR='"$(CURDIR)"' $(FUZZ_FLAGS) -MMD -MP -c -o $@ $<

$(B)/fuzz/obj/%.o: %.S
	$(call msg,AS-FUZZ,$<)
	@mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(SYNTH_CORE_CFLAGS) -MMD -MP -c -o $@ $<

$(FUZZ_LIB): $(FUZZ_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(B)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB)
	$(call msg,FUZZ-LD,$@)
	$(Q)$(FUZZ_CC) -std=gnu11 -D_GNU_SOURCE -I. -Isynth -fsanitize=fuzzer,address,undefined -g -O1 -o $@ $< $(FUZZ_LIB)

fuzz: $(FUZZ_BINS)

$(B)/asan/tests/synth/%: tests/synth/%.c $(ASAN_SYNTH_OBJS)
	$(call msg,TEST-LD,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(HOST_TEST_CFLAGS) $(SAN_FLAGS) -Isynth -DSYNTH_SRCDIR='"$(CURDIR)"' -MMD -MP -MF $@.d -o $@ $< $(ASAN_SYNTH_OBJS)

# Hosted driver programs the integration scripts call (tests/tools/*.c),
# linked like unit tests.
TOOL_BINS := $(patsubst tests/tools/%.c,$(B)/tests/tools/%,$(wildcard tests/tools/*.c))
$(B)/tests/tools/%: tests/tools/%.c $(CORE_OBJS) $(filter-out $(UNIX_MAIN_OBJ),$(UNIX_OBJS))
	$(call msg,TOOL-LD,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(HOST_TEST_CFLAGS) -MMD -MP -MF $@.d -o $@ $< $(CORE_OBJS) $(filter-out $(UNIX_MAIN_OBJ),$(UNIX_OBJS))

.PHONY: test-programs
test-programs: $(UNIT_BINS) $(ASAN_UNIT_BINS) $(SYNTH_TEST_BINS) $(TOOL_BINS) $(SYNTH) $(RUNTIME_UNIX)

test check: test-programs
	$(Q)B=$(B) SYNTH=$(abspath $(SYNTH)) tests/run

# ---------------------------------------------------------------- install
INST_HOME := $(PREFIX)/share/synth
INST_LIB := $(PREFIX)/lib/synth
INSTALL_HEADERS := $(wildcard lib/*.h lib/libc/*.h lib/libc/*/*.h devices/*.h protocols/*.h \
                   protocols/*/*.h backends/*/*.h)
install: $(SYNTH) $(RUNTIME_UNIX)
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX))
	$(Q)install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(INST_LIB) $(DESTDIR)$(INST_HOME)/synth/templates \
		$(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/lib/pkgconfig
	$(Q)install -m 755 $(SYNTH) $(DESTDIR)$(PREFIX)/bin/synth
	$(Q)install -m 644 $(RUNTIME_UNIX) $(DESTDIR)$(INST_LIB)/
	$(Q)install -m 644 synth/templates/* $(DESTDIR)$(INST_HOME)/synth/templates/
	$(Q)for f in $(INSTALL_HEADERS) $(wildcard */catalogue.synth */*/catalogue.synth); do \
		install -D -m 644 $$f $(DESTDIR)$(INST_HOME)/$$f || exit 1; done
	$(Q)sed -e 's|^SYNTH_SRCDIR :=.*|SYNTH_SRCDIR := $(INST_HOME)|' -e 's|^SYNTH_HOME ?=.*|SYNTH_HOME ?= $(INST_HOME)|' \
		-e 's|^SYNTH_LIBDIR ?=.*|SYNTH_LIBDIR ?= $(INST_LIB)|' -e 's|^PREFIX ?=.*|PREFIX ?= $(PREFIX)|' -e '1s|.*|# Installed by make install from the configure output of the source tree; do not edit.|' \
		config.mk >$(DESTDIR)$(INST_HOME)/config.mk
	$(Q)install -m 644 docs/synth.1 $(DESTDIR)$(PREFIX)/share/man/man1/synth.1
	$(Q)for t in unix-socket; do \
		printf '%s\n' "# synth runtime for the $$t target (generated by make install)" \
		'prefix=$(PREFIX)' 'includedir=$${prefix}/share/synth' 'libdir=$${prefix}/lib/synth' '' \
		"Name: synth-$$t" "Description: synth runtime library for the $$t target" \
		'Version: $(shell sed -n 's/^#define SYNTH_VERSION "\(.*\)"/\1/p' synth/version.h 2>/dev/null || echo 0.1.0)' \
		'Cflags: -ffreestanding -nostdinc -isystem $${includedir}/lib/libc -I$${includedir}' \
		'Libs: $${libdir}/libsynth-unix.a' >$(DESTDIR)$(PREFIX)/lib/pkgconfig/synth-$$t.pc; done

clean:
	rm -rf $(B)

distclean: clean
	rm -f config.mk

# Objects made by pattern rules are kept (no re-linking of tests every run).
.SECONDARY:

-include $(shell find $(B)/obj $(B)/asan $(B)/fuzz $(B)/tests -name '*.d' 2>/dev/null)
