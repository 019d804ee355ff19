# sesrelay — top-level Makefile.  See README.md.
#   make            build build/sesrelay and build/sendmail (the light intake binary)
#   make check      unit tests + integration tests, plain and under ASan+UBSan
#   make demo       end-to-end demo against the local SES stand-in
#                   (TRANSPORT=api: through the SES API with IMDSv2 role credentials)
#   make bench      benchmarks (not tests)
#   make fuzz       libFuzzer targets (clang) in build-fuzz/fuzz/; make fuzz-run
#                   FUZZ_SECONDS=N runs each for N seconds (test/fuzz/README.md)
#   make install    PREFIX, DESTDIR, SYSCONFDIR, SPOOLDIR honoured
#   make uninstall  the same variables; PURGE=1 also removes spool and config

PREFIX     ?= /usr
SBINDIR    ?= $(PREFIX)/sbin
BINDIR     ?= $(PREFIX)/bin
LIBEXECDIR ?= $(PREFIX)/lib/sesrelay
MANDIR     ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
SPOOLDIR   ?= /var/spool/sesrelay
RELAYUSER  ?= sesrelay
UNITDIR    ?= $(PREFIX)/lib/systemd/system
# SETUP=no: packagers (debian/rules, the RPM spec) stage files only; their
# maintainer scripts create the user and set owners and modes on the target.
SETUP      ?= yes

BUILD   ?= build
CC      ?= cc
OPT     ?= -O2 -g
SANFLAGS ?=
CFLAGS  += -std=c11 $(OPT) $(SANFLAGS) -Wall -Wextra -Wshadow -Wpointer-arith \
	   -Wmissing-prototypes -Wstrict-prototypes -Wformat=2 -Wno-format-nonliteral \
	   -D_GNU_SOURCE -MMD -MP \
	   -DSESRELAY_CONF='"$(SYSCONFDIR)/sesrelay/sesrelay.conf"' \
	   -DSESRELAY_SPOOL='"$(SPOOLDIR)"' \
	   -DSESRELAY_USER='"$(RELAYUSER)"' \
	   -DSESRELAY_BIN='"$(SBINDIR)/sesrelay"'
LDFLAGS += $(SANFLAGS)

# The intake binary (sendmail/mailq/newaliases) links libconfig only: loading
# libcurl + OpenSSL costs ~4 ms per process start (PRODUCT.md), which would
# triple the cost of every enqueue.  Keep this list free of curl/openssl users.
INTAKE_SRCS = \
	relay/sendmail.c \
	relay/intake.c \
	relay/header.c \
	relay/smtpd_stdio.c \
	relay/spool.c \
	relay/envelope.c \
	relay/qid.c \
	relay/config.c \
	relay/log.c \
	relay/util.c \
	relay/aliases.c \
	relay/newaliases.c \
	relay/rewrite.c

# Everything else goes into the library that sesrelay and the unit tests use.
LIB_SRCS  = $(filter-out relay/sendmail.c relay/sesrelay.c,$(wildcard relay/*.c))
TOOL_SRCS = relay/sesrelay.c

LIB_OBJS    = $(LIB_SRCS:%.c=$(BUILD)/%.o)
INTAKE_OBJS = $(INTAKE_SRCS:%.c=$(BUILD)/%.o)
TOOL_OBJS   = $(TOOL_SRCS:%.c=$(BUILD)/%.o)

INTAKE_LIBS = $(shell pkg-config --libs libconfig)
TOOL_LIBS   = $(shell pkg-config --libs libconfig libcurl openssl jansson sqlite3) -lresolv -lpthread -lm
TEST_LIBS   = $(TOOL_LIBS) $(shell pkg-config --libs cmocka)

UNIT_SRCS  = $(wildcard test/unit/test_*.c)
UNIT_BINS  = $(UNIT_SRCS:test/unit/%.c=$(BUILD)/test/%)

all: $(BUILD)/sesrelay $(BUILD)/sendmail

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/libsesrelay.a: $(LIB_OBJS)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/sesrelay: $(TOOL_OBJS) $(BUILD)/libsesrelay.a
	$(CC) $(LDFLAGS) -o $@ $^ $(TOOL_LIBS)

$(BUILD)/sendmail: $(INTAKE_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(INTAKE_LIBS)

$(BUILD)/test/%: test/unit/%.c $(BUILD)/libsesrelay.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -Irelay -o $@ $< $(BUILD)/libsesrelay.a $(TEST_LIBS)

unit: $(UNIT_BINS)

# check: plain build first, then the same suite under ASan+UBSan.
check:
	./test/deps.sh
	$(MAKE) all unit
	./test/run-tests.sh $(BUILD)
	$(MAKE) fuzz
	./test/fuzz/replay.sh $(FUZZ_BUILD)
	$(MAKE) BUILD=build-asan OPT='-O1 -g -fno-omit-frame-pointer' \
		SANFLAGS='-fsanitize=address,undefined -fno-sanitize-recover=all' all unit
	./test/run-tests.sh build-asan

demo:
	./test/deps.sh
	$(MAKE) all
	TRANSPORT=$(TRANSPORT) ./test/demo.sh $(BUILD)

bench:
	./test/deps.sh
	$(MAKE) all
	./bench/run.sh $(BUILD)
	./bench/api.sh $(BUILD)

lint:
	mandoc -Tlint -W warning man/*.[0-9]

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBEXECDIR)
	install -m 0755 $(BUILD)/sesrelay $(DESTDIR)$(SBINDIR)/sesrelay
	# setgid to the relay group only once that group is set (postinst-spool.sh
	# as root, or the package's own scripts): never setgid to a builder's group.
	install -m 0755 $(BUILD)/sendmail $(DESTDIR)$(LIBEXECDIR)/sendmail
	ln -sf ../lib/sesrelay/sendmail $(DESTDIR)$(SBINDIR)/sendmail
	ln -sf ../lib/sesrelay/sendmail $(DESTDIR)$(BINDIR)/mailq
	ln -sf ../lib/sesrelay/sendmail $(DESTDIR)$(BINDIR)/newaliases
	install -d $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8
	for m in man/*.1; do [ -e "$$m" ] && install -m 0644 $$m $(DESTDIR)$(MANDIR)/man1/; done; true
	for m in man/*.5; do [ -e "$$m" ] && install -m 0644 $$m $(DESTDIR)$(MANDIR)/man5/; done; true
	for m in man/*.8; do [ -e "$$m" ] && install -m 0644 $$m $(DESTDIR)$(MANDIR)/man8/; done; true
	install -d $(DESTDIR)$(SYSCONFDIR)/sesrelay $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SPOOLDIR)
	[ -e $(DESTDIR)$(SYSCONFDIR)/sesrelay/sesrelay.conf ] || \
		install -m 0640 conf/sesrelay.conf $(DESTDIR)$(SYSCONFDIR)/sesrelay/sesrelay.conf
	sed -e 's|/usr/sbin/sesrelay|$(SBINDIR)/sesrelay|g' -e 's|/var/spool/sesrelay|$(SPOOLDIR)|g' \
		-e 's|^User=sesrelay|User=$(RELAYUSER)|' -e 's|^Group=sesrelay|Group=$(RELAYUSER)|' \
		conf/sesrelay.service >$(DESTDIR)$(UNITDIR)/sesrelay.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/sesrelay.service
	[ "$(SETUP)" = no ] || ./packaging/postinst-spool.sh "$(DESTDIR)$(SPOOLDIR)" "$(RELAYUSER)" \
		"$(DESTDIR)$(LIBEXECDIR)/sendmail" "$(DESTDIR)$(SYSCONFDIR)/sesrelay"

# uninstall: removes what install put in place.  The three links go only
# while they still point at our intake binary (another MTA installed since
# keeps its own).  The spool (queued mail) and the config stay unless
# PURGE=1; the relay user stays (its uid may own files elsewhere).
uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/sesrelay $(DESTDIR)$(LIBEXECDIR)/sendmail
	-rmdir $(DESTDIR)$(LIBEXECDIR) 2>/dev/null
	for l in $(SBINDIR)/sendmail $(BINDIR)/mailq $(BINDIR)/newaliases; do \
		if [ "$$(readlink $(DESTDIR)$$l)" = ../lib/sesrelay/sendmail ]; then \
			rm -f $(DESTDIR)$$l; \
		elif [ -e $(DESTDIR)$$l ] || [ -L $(DESTDIR)$$l ]; then \
			echo "uninstall: kept $(DESTDIR)$$l: it is not sesrelay's"; fi; \
	done
	for m in man/*.[158]; do \
		rm -f $(DESTDIR)$(MANDIR)/man$${m##*.}/$${m##*/}; done
	rm -f $(DESTDIR)$(UNITDIR)/sesrelay.service
	@if [ "$(PURGE)" = 1 ]; then \
		rm -rf $(DESTDIR)$(SPOOLDIR) $(DESTDIR)$(SYSCONFDIR)/sesrelay; \
		echo "uninstall: PURGE=1: removed the spool $(DESTDIR)$(SPOOLDIR) (with any queued mail) and $(DESTDIR)$(SYSCONFDIR)/sesrelay"; \
	else \
		echo "uninstall: kept the spool $(DESTDIR)$(SPOOLDIR) (queued mail) and the config $(DESTDIR)$(SYSCONFDIR)/sesrelay; 'make uninstall PURGE=1' removes them too"; \
	fi
	@echo "uninstall: the $(RELAYUSER) user and group are kept (userdel $(RELAYUSER) removes them)"

clean:
	rm -rf build build-asan build-fuzz

# Fuzzing: every relay/ object built by clang with ASan+UBSan and libFuzzer's
# coverage; one binary per target in test/fuzz/fuzz_*.c.  `make check`
# replays the corpora (test/fuzz/corpus/TARGET/) with these binaries.
FUZZ_BUILD   ?= build-fuzz
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_RUNS    ?=
FUZZ_MAX_LEN ?=
FUZZ_OPTS    ?=
FUZZ_TARGETS = addr header smtpd spool wire classify config

fuzz:
	$(MAKE) BUILD=$(FUZZ_BUILD) CC=$(FUZZ_CC) OPT='-O1 -g -fno-omit-frame-pointer' \
		SANFLAGS='-fsanitize=address,undefined -fno-sanitize-recover=all \
		-fsanitize=fuzzer-no-link' fuzz-bins

fuzz-bins: $(FUZZ_TARGETS:%=$(BUILD)/fuzz/fuzz_%)

$(BUILD)/fuzz/fuzz_%: test/fuzz/fuzz_%.c test/fuzz/fuzz.h test/fuzz/fuzz_intake.h $(BUILD)/libsesrelay.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fsanitize=fuzzer -Irelay -o $@ $< $(BUILD)/libsesrelay.a $(TOOL_LIBS)

fuzz-run: fuzz
	FUZZ_RUNS=$(FUZZ_RUNS) FUZZ_MAX_LEN=$(FUZZ_MAX_LEN) FUZZ_OPTS='$(FUZZ_OPTS)' ./test/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

.PHONY: all unit check demo bench lint install uninstall clean fuzz fuzz-bins fuzz-run

-include $(LIB_OBJS:.o=.d) $(INTAKE_OBJS:.o=.d) $(TOOL_OBJS:.o=.d)
