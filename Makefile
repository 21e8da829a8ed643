# zaptec-accessd — plain GNU Makefile.
#
#   make          build ./zaptec-accessd
#   make run      install what is missing, build, run on conf/local.conf
#   make check    install what is missing, build, run every test
#   make bench    benchmark against nginx and raw SQLite (tests/bench)
#   make install  PREFIX=/usr/local DESTDIR= : binary, systemd units, sample config
#   make clean

VERSION := 0.1.0
PREFIX  ?= /usr/local
DESTDIR ?=
CC      ?= cc

PKGS    := libmicrohttpd sqlite3 jansson libsodium libsystemd libcurl
CFLAGS  ?= -O2 -g
CFLAGS  += -std=c11 -D_GNU_SOURCE -pthread -Wall -Wextra -Wshadow \
           -Wstrict-prototypes -Wmissing-prototypes -Werror -MMD -MP \
           -DACCESSD_VERSION='"$(VERSION)"' -Idaemon -Ibuild
LDLIBS  += -pthread -lm

# pkg-config is asked only when something is built, so that 'make deps' works
# on a machine that has no pkg-config yet.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   = $(shell pkg-config --libs $(PKGS))
CHECK_LIBS = $(shell pkg-config --libs check)

BUILD       := build
DAEMON_SRCS := $(filter-out daemon/main.c,$(wildcard daemon/*.c))
DAEMON_OBJS := $(DAEMON_SRCS:daemon/%.c=$(BUILD)/daemon/%.o) $(BUILD)/schema.o
UNIT_SRCS   := $(wildcard tests/unit/*.c)
UNIT_OBJS   := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/unit/%.o)
MIGRATIONS  := $(sort $(wildcard schema/[0-9][0-9][0-9]_*.sql))

all: zaptec-accessd

zaptec-accessd: $(BUILD)/daemon/main.o $(BUILD)/libaccessd.a
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(LDLIBS)

$(BUILD)/libaccessd.a: $(DAEMON_OBJS)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/daemon/%.o: daemon/%.c | $(BUILD)/daemon
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

# The migrations are compiled into the binary, in file-name order.
$(BUILD)/schema.c: $(MIGRATIONS) scripts/embed-schema.sh | $(BUILD)
	scripts/embed-schema.sh $(MIGRATIONS) > $@.tmp && mv $@.tmp $@

$(BUILD)/schema.o: $(BUILD)/schema.c
	$(CC) $(CFLAGS) -c -o $@ $<

# Check suites: every 'Suite *NAME_suite(void)' in tests/unit is collected.
$(BUILD)/suites.h: $(UNIT_SRCS) | $(BUILD)
	sed -n 's/^Suite \*\([a-z0-9_]*_suite\)(void)$$/SUITE(\1)/p' $(UNIT_SRCS) | sort > $@.tmp
	cmp -s $@.tmp $@ && rm $@.tmp || mv $@.tmp $@

$(BUILD)/unit/%.o: tests/unit/%.c $(BUILD)/suites.h | $(BUILD)/unit
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -Itests/unit -c -o $@ $<

$(BUILD)/check-unit: $(UNIT_OBJS) $(BUILD)/libaccessd.a
	$(CC) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(PKG_LIBS) $(LDLIBS)

$(BUILD) $(BUILD)/daemon $(BUILD)/unit:
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

bench:
	@scripts/install-deps.sh bench
	$(MAKE) zaptec-accessd
	tests/bench/run.sh

install: zaptec-accessd
	install -D -m 0755 zaptec-accessd $(DESTDIR)$(PREFIX)/bin/zaptec-accessd
	install -D -m 0644 systemd/zaptec-accessd.service $(DESTDIR)/etc/systemd/system/zaptec-accessd.service
	install -D -m 0644 systemd/zaptec-accessd.socket $(DESTDIR)/etc/systemd/system/zaptec-accessd.socket
	install -D -m 0644 systemd/zaptec-accessd-admin.socket $(DESTDIR)/etc/systemd/system/zaptec-accessd-admin.socket
	sed -i 's|/usr/local/bin/zaptec-accessd|$(PREFIX)/bin/zaptec-accessd|' \
		$(DESTDIR)/etc/systemd/system/zaptec-accessd.service
	install -d -m 0755 $(DESTDIR)/etc/zaptec-accessd
	test -e $(DESTDIR)/etc/zaptec-accessd/zaptec-accessd.conf || \
		install -m 0644 conf/zaptec-accessd.conf $(DESTDIR)/etc/zaptec-accessd/zaptec-accessd.conf

clean:
	rm -rf $(BUILD) zaptec-accessd

.PHONY: all deps test-deps run check bench install clean

-include $(wildcard $(BUILD)/daemon/*.d $(BUILD)/unit/*.d)
