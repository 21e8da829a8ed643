# zaptec-accessd — plain GNU Makefile.
#
#   make          build ./zaptec-accessd
#   make run      install what is missing, build, run on conf/local.conf
#   make check    install what is missing, build, run every test
#   make fuzz     run every libFuzzer target of tests/fuzz for FUZZ_SECONDS (60)
#   make check-asan      the Check suites built with ASan + UBSan (build/asan)
#   make check-valgrind  the Check suites under valgrind memcheck, unforked;
#                 VALGRIND_SUITES="http store" runs only those
#   (make check runs all three, fuzzing each target for 30 s)
#   make bench    benchmark against nginx, raw SQLite and PostgreSQL (tests/bench)
#   make install  PREFIX=/usr/local DESTDIR= : binary, systemd units, manual pages,
#                 sample config (never over an existing one)
#   make deb      the Debian package (dpkg-buildpackage; the .deb goes to ..)
#   make clean

VERSION := 0.1.0
PREFIX  ?= /usr/local
DESTDIR ?=
SBINDIR ?= $(PREFIX)/sbin
MANDIR  ?= $(PREFIX)/share/man
# systemd's own unit directory for a /usr install, as systemd's pkg-config file
# names it; Debian 12 without that file uses /lib/systemd/system.
UNITDIR ?= $(if $(filter /usr,$(PREFIX)),$(or $(shell pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null),/lib/systemd/system),$(PREFIX)/lib/systemd/system)
UNITS   := zaptec-accessd.service zaptec-accessd.socket zaptec-accessd-admin.socket
CC      ?= cc

PKGS    := libmicrohttpd sqlite3 libpq jansson libsodium libsystemd libcurl
# CFLAGS and LDFLAGS are the user's (optimisation, hardening, debug info): a
# 'make CFLAGS=-O0' replaces them whole. What the build itself needs — the
# language standard, feature macros, warnings, include paths, dependency
# files — lives in the ACCESSD_ variables, which come first on every line.
CFLAGS  ?= -O2 -g
LDFLAGS ?=
# Instrumentation for the sanitizer and fuzzing builds, which are this Makefile
# run again with BUILD pointing to their own directory.
SANITIZE ?=
ACCESSD_CFLAGS  := -std=c11 -D_GNU_SOURCE -pthread -Wall -Wextra -Wshadow \
                   -Wstrict-prototypes -Wmissing-prototypes -Werror -MMD -MP \
                   -DACCESSD_VERSION='"$(VERSION)"' -Idaemon -Ibuild $(SANITIZE)
ACCESSD_LDFLAGS := $(SANITIZE)
LDLIBS  += -pthread -lm

# pkg-config is asked only when something is built, so that 'make deps' works
# on a machine that has no pkg-config yet.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   = $(shell pkg-config --libs $(PKGS))
CHECK_LIBS = $(shell pkg-config --libs check)

BUILD       := build
DAEMON_SRCS := $(filter-out daemon/main.c,$(wildcard daemon/*.c))
DAEMON_OBJS := $(DAEMON_SRCS:daemon/%.c=$(BUILD)/daemon/%.o) $(BUILD)/schema.o $(BUILD)/schema_pg.o
UNIT_SRCS   := $(wildcard tests/unit/*.c)
UNIT_OBJS   := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/unit/%.o)
MIGRATIONS  := $(sort $(wildcard schema/[0-9][0-9][0-9]_*.sql))
PG_MIGRATIONS := $(sort $(wildcard schema/postgresql/[0-9][0-9][0-9]_*.sql))

# AddressSanitizer + UndefinedBehaviorSanitizer (any report aborts the run), and
# libFuzzer with both, built by clang. The sanitizer options make a report in a
# test that Check forked abort that child, which Check counts as an error.
ASAN_BUILD   := build/asan
ASAN_FLAGS   := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
SAN_ENV      := ASAN_OPTIONS=abort_on_error=1:detect_leaks=1:detect_stack_use_after_return=1 \
                LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
                UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
VALGRIND     := valgrind --quiet --error-exitcode=1 --leak-check=full \
                --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect,possible \
                --child-silent-after-fork=yes --suppressions=tests/valgrind.supp
FUZZ_BUILD   := build/fuzz
FUZZ_CC      := clang
FUZZ_FLAGS   := -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_SECONDS ?= 60
VALGRIND_SUITES ?=
FUZZ_TARGETS := $(sort $(basename $(notdir $(wildcard tests/fuzz/*.c))))

all: zaptec-accessd

zaptec-accessd: $(BUILD)/daemon/main.o $(BUILD)/libaccessd.a
	$(CC) $(ACCESSD_LDFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(LDLIBS)

$(BUILD)/libaccessd.a: $(DAEMON_OBJS)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/daemon/%.o: daemon/%.c | $(BUILD)/daemon
	$(CC) $(ACCESSD_CFLAGS) $(CPPFLAGS) $(CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

# The migrations are compiled into the binary, in file-name order.
$(BUILD)/schema.c: $(MIGRATIONS) scripts/embed-schema.sh | $(BUILD)
	scripts/embed-schema.sh store_sqlite_migrations $(MIGRATIONS) > $@.tmp && mv $@.tmp $@

$(BUILD)/schema.o: $(BUILD)/schema.c
	$(CC) $(ACCESSD_CFLAGS) $(CFLAGS) -c -o $@ $<

# PostgreSQL's migrations, from schema/postgresql/, the same way.
$(BUILD)/schema_pg.c: $(PG_MIGRATIONS) scripts/embed-schema.sh | $(BUILD)
	scripts/embed-schema.sh store_pg_migrations $(PG_MIGRATIONS) > $@.tmp && mv $@.tmp $@

$(BUILD)/schema_pg.o: $(BUILD)/schema_pg.c
	$(CC) $(ACCESSD_CFLAGS) $(CFLAGS) -c -o $@ $<

# Check suites: every 'Suite *NAME_suite(void)' in tests/unit is collected.
$(BUILD)/suites.h: $(UNIT_SRCS) | $(BUILD)
	sed -n 's/^Suite \*\([a-z0-9_]*_suite\)(void)$$/SUITE(\1)/p' $(UNIT_SRCS) | sort > $@.tmp
	cmp -s $@.tmp $@ && rm $@.tmp || mv $@.tmp $@

$(BUILD)/unit/%.o: tests/unit/%.c $(BUILD)/suites.h | $(BUILD)/unit
	$(CC) $(ACCESSD_CFLAGS) $(CFLAGS) $(PKG_CFLAGS) -Itests/unit -c -o $@ $<

$(BUILD)/check-unit: $(UNIT_OBJS) $(BUILD)/libaccessd.a
	$(CC) $(ACCESSD_LDFLAGS) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(PKG_LIBS) $(LDLIBS)

# A fuzz target links the daemon's library, built with fuzzer-no-link coverage.
$(BUILD)/fuzzers/%: tests/fuzz/%.c $(BUILD)/libaccessd.a | $(BUILD)/fuzzers
	$(CC) $(ACCESSD_CFLAGS) $(CFLAGS) -fsanitize=fuzzer $(PKG_CFLAGS) $(ACCESSD_LDFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libaccessd.a $(PKG_LIBS) $(LDLIBS)

fuzzers: $(FUZZ_TARGETS:%=$(BUILD)/fuzzers/%)

$(BUILD) $(BUILD)/daemon $(BUILD)/unit $(BUILD)/fuzzers:
	mkdir -p $@

deps:
	@scripts/install-deps.sh build

test-deps:
	@scripts/install-deps.sh test

run: deps
	$(MAKE) zaptec-accessd
	scripts/run-local.sh

check: test-deps
	$(MAKE) zaptec-accessd $(BUILD)/check-unit
	tests/run-all.sh

# The Check suites under ASan + UBSan, each test in its own forked child.
check-asan:
	$(MAKE) BUILD=$(ASAN_BUILD) SANITIZE='$(ASAN_FLAGS)' $(ASAN_BUILD)/check-unit
	$(SAN_ENV) $(ASAN_BUILD)/check-unit

# The Check suites under memcheck, unforked: every test starts and stops the
# in-process daemon in the same process, so a leak or a thread left behind by
# one shows. Definite and indirect leaks fail; possible ones are only shown.
check-valgrind:
	$(MAKE) $(BUILD)/check-unit
	CK_FORK=no $(VALGRIND) $(BUILD)/check-unit $(VALGRIND_SUITES)

# Each fuzz target: first its regression inputs (a crash fails), then
# FUZZ_SECONDS of fuzzing from its seed corpus (and tests/fuzz/NAME.dict when
# there is one). New inputs go to a scratch corpus under build/, crashes to
# build/fuzz/crashes/.
fuzz: $(FUZZ_TARGETS:%=fuzz-%)

fuzz-build:
	$(MAKE) CC=$(FUZZ_CC) BUILD=$(FUZZ_BUILD) SANITIZE='$(FUZZ_FLAGS)' fuzzers

fuzz-%: fuzz-build
	@mkdir -p $(FUZZ_BUILD)/corpus/$* $(FUZZ_BUILD)/crashes
	@if [ -n "$$(ls tests/fuzz/regressions/$*/ 2>/dev/null)" ]; then \
		$(SAN_ENV) $(FUZZ_BUILD)/fuzzers/$* tests/fuzz/regressions/$*/* > $(FUZZ_BUILD)/$*.replay.log 2>&1 || \
			{ tail -n 60 $(FUZZ_BUILD)/$*.replay.log; echo "fuzz $*: a regression input fails"; exit 1; }; \
		echo "fuzz $*: $$(ls tests/fuzz/regressions/$* | wc -l) regression inputs pass"; \
	fi
	@$(SAN_ENV) $(FUZZ_BUILD)/fuzzers/$* -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
		$$(test -e tests/fuzz/$*.dict && echo -dict=tests/fuzz/$*.dict) \
		-artifact_prefix=$(FUZZ_BUILD)/crashes/$*- $(FUZZ_BUILD)/corpus/$* tests/fuzz/corpus/$* \
		> $(FUZZ_BUILD)/$*.log 2>&1 || { tail -n 60 $(FUZZ_BUILD)/$*.log; exit 1; }
	@echo "fuzz $*: $$(sed -n 's/^stat::number_of_executed_units: *//p' $(FUZZ_BUILD)/$*.log) executions in $(FUZZ_SECONDS) s," \
		"$$(ls $(FUZZ_BUILD)/corpus/$* | wc -l) inputs in its working corpus"

bench:
	@scripts/install-deps.sh bench
	$(MAKE) zaptec-accessd
	tests/bench/run.sh

# The daemon in sbin (a system service), its units where systemd looks for the
# package manager's units when PREFIX is /usr (else under PREFIX, which systemd
# also reads for /usr/local), the manual pages, and the sample configuration
# unless one is there already. Debian's packaging installs the manual pages
# with dh_installman, so they are a target of their own.
install: install-daemon install-man

install-daemon: zaptec-accessd
	install -D -m 0755 zaptec-accessd $(DESTDIR)$(SBINDIR)/zaptec-accessd
	for unit in $(UNITS); do \
		install -D -m 0644 systemd/$$unit $(DESTDIR)$(UNITDIR)/$$unit || exit 1; \
	done
	sed -i 's|/usr/local/sbin/zaptec-accessd|$(SBINDIR)/zaptec-accessd|' \
		$(DESTDIR)$(UNITDIR)/zaptec-accessd.service
	install -d -m 0755 $(DESTDIR)/etc/zaptec-accessd
	test -e $(DESTDIR)/etc/zaptec-accessd/zaptec-accessd.conf || \
		install -m 0644 conf/zaptec-accessd.conf $(DESTDIR)/etc/zaptec-accessd/zaptec-accessd.conf

install-man:
	install -D -m 0644 doc/zaptec-accessd.8 $(DESTDIR)$(MANDIR)/man8/zaptec-accessd.8
	install -D -m 0644 doc/zaptec-accessd.conf.5 $(DESTDIR)$(MANDIR)/man5/zaptec-accessd.conf.5

# The Debian package, built from this tree by dpkg-buildpackage; the .deb and
# its companions land in the parent directory, as dpkg-buildpackage does.
deb:
	dpkg-buildpackage -us -uc -b

clean:
	rm -rf $(BUILD) zaptec-accessd

.PHONY: all deps test-deps run check check-asan check-valgrind fuzz fuzz-build fuzzers bench install \
	install-daemon install-man deb clean

-include $(wildcard $(BUILD)/daemon/*.d $(BUILD)/unit/*.d $(BUILD)/fuzzers/*.d $(BUILD)/schema.d $(BUILD)/schema_pg.d)
