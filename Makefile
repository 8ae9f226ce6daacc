# Reseller backend: one Makefile builds every service and drives the stack.
# Build output goes to build/ (build/asan/ with SANITIZE=1); the running
# stack lives under var/.  Operator commands delegate to scripts/.

CC      ?= gcc
SANITIZE ?= 0
ifeq ($(SANITIZE),1)
BUILD   := build/asan
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
OPT     := -O1 -g
else
BUILD   := build/release
SANFLAGS :=
OPT     := -O2 -g
endif
# JSON=jsonc: parse every body with json-c's tokener behind the check in
# common/json_jsonc.c instead of our parser (common/README.md, "JSON: why
# our own parser"); its own build directory, so the two never mix.
JSON    ?= own
ifeq ($(JSON),jsonc)
BUILD   := $(BUILD)-jsonc
JSONDEF := -DJSON_JSONC
JSONLIB := -ljson-c
else
JSONDEF :=
JSONLIB :=
endif
WERROR  := $(if $(CI),-Werror,)
CFLAGS  := -std=c17 -D_GNU_SOURCE $(OPT) -Wall -Wextra -Wshadow -Wformat=2 \
           -Wno-unused-parameter $(WERROR) $(SANFLAGS) $(JSONDEF) \
           -Icommon -I$(BUILD)/gen -I/usr/include/postgresql -MMD -MP
LDFLAGS := $(SANFLAGS)
# The ground floor (libcore.a) needs no libfcgi; the request layer does.
CORE_LIBS := -lpq -ljwt -lcrypto -lcurl -lm $(JSONLIB)
LIBS    := -lfcgi $(CORE_LIBS)

BIN     := $(BUILD)/bin
# Every fcgi/<name>/main.c is a program (services and the health aggregator);
# every workers/<name>.c is a daemon, linked with its parts workers/<name>_*.c
# (which t/unit/<name>.c links too); t/razorpay/ is the Razorpay stand-in
# that the tests (and only they) run, t/smtp/ and t/notify-stub/ the mail,
# SMS and WhatsApp providers' stand-ins.
PROGRAMS := $(patsubst fcgi/%/main.c,%,$(wildcard fcgi/*/main.c))
WORKERS  := $(patsubst workers/%.c,%,$(foreach f,$(wildcard workers/*.c),\
              $(if $(findstring _,$(notdir $(f))),,$(f))))
# cron/job.c is the job runner cron calls (cron/README.md)
CRON     := $(if $(wildcard cron/job.c),cron-job) $(if $(wildcard cron/audit.c),audit)
STUBS    := $(if $(wildcard t/razorpay/*.c),razorpay-stub) $(if $(wildcard t/smtp/*.c),smtp-stub) \
            $(if $(wildcard t/notify-stub/*.c),notify-stub)

# services.conf lists the services (scripts/README.md): every program under
# fcgi/ but the gateway's own health program must have its line there.
SERVICES := $(shell awk '$$1 !~ /^\#/ && NF { print $$1 }' services.conf)
UNLISTED := $(filter-out $(SERVICES) health,$(PROGRAMS))
$(if $(UNLISTED),$(error fcgi/$(firstword $(UNLISTED))/ has no line in services.conf))
# The relay's routing table, generated from services.conf.
SERVICES_H := $(BUILD)/gen/services.h

# common/ has two floors (common/README.md): the ground floor knows no
# request (libcore.a: all that workers/ and cron/ link); the request layer
# above it is everything else in common/ (libcommon.a).
CORE_NAMES := arena json json_jsonc money crypto config log dbconn httpc fcgic valid token supervise
CORE_SRC   := $(CORE_NAMES:%=common/%.c)
CORE_OBJ   := $(CORE_SRC:%.c=$(BUILD)/%.o)
CORE_LIB   := $(BUILD)/libcore.a
COMMON_SRC := $(filter-out $(CORE_SRC),$(wildcard common/*.c))
COMMON_OBJ := $(COMMON_SRC:%.c=$(BUILD)/%.o)
COMMON_LIB := $(BUILD)/libcommon.a
# What a ground-floor file, a daemon or a cron program may not include.
REQ_HEADERS := $(patsubst common/%.c,%,$(COMMON_SRC)) fcgiapp
empty :=
space := $(empty) $(empty)

UNIT_SRC   := $(wildcard t/unit/*.c)
UNIT_BIN   := $(UNIT_SRC:t/unit/%.c=$(BUILD)/t/unit_%)
# t/integration/X.c is the suite it_X; a directory t/integration/X/ is the
# suite it_X built from all its files (t/README.md).
ITEST_SRC  := $(wildcard t/integration/*.c)
ITEST_DIRS := $(patsubst t/integration/%/,%,$(sort $(dir $(wildcard t/integration/*/*.c))))
ITEST_BIN  := $(ITEST_SRC:t/integration/%.c=$(BUILD)/t/it_%) $(ITEST_DIRS:%=$(BUILD)/t/it_%)
TLIB_SRC   := $(wildcard t/lib/*.c)
TLIB_OBJ   := $(TLIB_SRC:%.c=$(BUILD)/%.o)

export BIN_DIR := $(abspath $(BIN))
export BUILD_DIR := $(abspath $(BUILD))
export SANITIZE

.PHONY: floors all build tests deps run stop test unit migrate admin health logs bench clean audit \
        dead-events retry-event bench-json fuzz fuzz-plain fuzz-json-diff job
all: build

build: floors $(PROGRAMS:%=$(BIN)/%) $(WORKERS:%=$(BIN)/%) $(CRON:%=$(BIN)/%)

# The include rule of the two floors (common/README.md): the ground floor,
# workers/ and cron/ include nothing of the request layer.
floors:
	@bad=$$(grep -nE '#include *["<]($(subst $(space),|,$(REQ_HEADERS)))\.h[">]' \
	    $(CORE_SRC) $(wildcard $(CORE_SRC:.c=.h) workers/*.[ch] cron/*.[ch])); \
	if [ -n "$$bad" ]; then echo "$$bad"; \
	    echo "these include the request layer from the ground floor (common/README.md)"; \
	    exit 1; fi
tests: $(UNIT_BIN) $(ITEST_BIN) $(STUBS:%=$(BIN)/%)

$(BUILD)/%.o: %.c | $(SERVICES_H)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(SERVICES_H): services.conf scripts/services.awk
	@mkdir -p $(dir $@)
	awk -f scripts/services.awk services.conf > $@.tmp || { rm -f $@.tmp; exit 1; }
	mv $@.tmp $@

# The notification service's message templates, compiled into its logic.o
# (fcgi/notification/README.md, "Templates"); the directory is a
# prerequisite too, so a template added or removed regenerates the table.
NOTIFY_TPL   := $(sort $(wildcard fcgi/notification/templates/*.txt))
NOTIFY_TPL_H := $(BUILD)/gen/notify_templates.h
$(NOTIFY_TPL_H): fcgi/notification/templates.awk fcgi/notification/templates $(NOTIFY_TPL)
	@mkdir -p $(dir $@)
	@echo "templates.awk: $(words $(NOTIFY_TPL)) templates -> $@"
	@LC_ALL=C awk -f fcgi/notification/templates.awk $(NOTIFY_TPL) </dev/null > $@.tmp || \
	    { rm -f $@.tmp; exit 1; }
	@mv $@.tmp $@
$(BUILD)/fcgi/notification/logic.o: $(NOTIFY_TPL_H)

$(CORE_LIB): $(CORE_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(COMMON_LIB): $(COMMON_OBJ)
	@rm -f $@
	ar rcs $@ $^

# Every directory under fcgi/ is one program linked with common/.
objs_of = $(patsubst %.c,$(BUILD)/%.o,$(wildcard fcgi/$(1)/*.c))
.SECONDARY:
.SECONDEXPANSION:
$(BIN)/%: $$(call objs_of,$$*) $(COMMON_LIB) $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(COMMON_LIB) $(CORE_LIB) $(LIBS)

worker_parts = $(patsubst %.c,$(BUILD)/%.o,$(wildcard workers/$(1)_*.c))
$(WORKERS:%=$(BIN)/%): $(BIN)/%: $(BUILD)/workers/%.o $$(call worker_parts,$$*) $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(CORE_LIB) $(CORE_LIBS)

$(BIN)/cron-job: $(BUILD)/cron/job.o $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(CORE_LIB) $(CORE_LIBS)

$(BIN)/audit: $(BUILD)/cron/audit.o $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(CORE_LIB) $(CORE_LIBS)

$(BIN)/razorpay-stub: $$(patsubst %.c,$(BUILD)/%.o,$$(wildcard t/razorpay/*.c)) $(COMMON_LIB) $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(COMMON_LIB) $(CORE_LIB) $(LIBS)

$(BIN)/notify-stub: $$(patsubst %.c,$(BUILD)/%.o,$$(wildcard t/notify-stub/*.c)) $(COMMON_LIB) $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(COMMON_LIB) $(CORE_LIB) $(LIBS)

# The SMTP stand-in (t/smtp/README.md): plain libc, nothing of common/.
$(BIN)/smtp-stub: $$(patsubst %.c,$(BUILD)/%.o,$$(wildcard t/smtp/*.c))
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^)

$(BIN)/bench-hello: $(BUILD)/bench/hello.o $(COMMON_LIB) $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(COMMON_LIB) $(CORE_LIB) $(LIBS)

# `make bench-json`: the JSON parsers side by side (bench/json_parse.c; no
# stack, about a minute).  common/README.md, "JSON: why our own parser".
$(BIN)/bench-json-parse: $(BUILD)/bench/json_parse.o $(COMMON_LIB) $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(COMMON_LIB) $(CORE_LIB) $(LIBS) -ljson-c

bench-json: $(BIN)/bench-json-parse
	@$(BIN)/bench-json-parse

# t/unit/<svc>_logic.c tests a service's rules, fcgi/<svc>/logic.c (plain
# functions: no request, no database), and links that one object too; "_"
# in <svc> stands for "-" (share_link_logic: fcgi/share-link/logic.c).
unit_logic = $(if $(filter %_logic,$(1)),$(patsubst %.c,$(BUILD)/%.o,\
    $(wildcard fcgi/$(subst _,-,$(patsubst %_logic,%,$(1)))/logic.c)))
$(BUILD)/t/unit_%: $(BUILD)/t/unit/%.o $$(call worker_parts,$$*) $$(call unit_logic,$$*) $(TLIB_OBJ) $(COMMON_LIB) $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(COMMON_LIB) $(CORE_LIB) $(LIBS) -ljson-c -lcunit

itest_objs = $(patsubst %.c,$(BUILD)/%.o,$(wildcard t/integration/$(1).c t/integration/$(1)/*.c))
$(BUILD)/t/it_%: $$(call itest_objs,$$*) $(TLIB_OBJ) $(COMMON_LIB) $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(COMMON_LIB) $(CORE_LIB) $(LIBS) -ljson-c -lcunit

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# ---- operator commands (scripts/stack.sh does the work) ----
deps:
	@scripts/stack.sh deps

run: deps
	@$(MAKE) --no-print-directory build
	@scripts/stack.sh run

stop:
	@scripts/stack.sh stop

migrate: build
	@scripts/stack.sh migrate

admin: build
	@scripts/stack.sh admin "$(EMAIL)" "$(PASSWORD)"

health:
	@scripts/stack.sh health

dead-events:
	@scripts/stack.sh dead-events

# JOB=<service>/<job>: one scheduled job now (cron/README.md)
# The books across services (cron/README.md, "The audit"); exit 1 when
# any discrepancy is found.  ARGS="--grace 0 --since 3600" to narrow it.
audit: build
	@scripts/stack.sh audit $(ARGS)

job: build
	@scripts/stack.sh job "$(firstword $(subst /, ,$(JOB)))" "$(word 2,$(subst /, ,$(JOB)))"

retry-event:
	@scripts/stack.sh retry-event "$(ID)"

logs:
	@scripts/stack.sh logs

# The whole suite: unit tests, then integration tests against a throwaway
# stack on free ports (scripts/test.sh starts and removes it).
test: deps
	@$(MAKE) --no-print-directory build tests
	@scripts/test.sh

unit: deps
	@$(MAKE) --no-print-directory tests
	@for t in $(UNIT_BIN); do $$t || exit 1; done

bench: deps
	@$(MAKE) --no-print-directory build $(BIN)/bench-hello $(STUBS:%=$(BIN)/%)
	@bench/run.sh

# Fuzzing (clang + libFuzzer, not part of make test): each harness in t/fuzz/
# runs for FUZZ_SECONDS (default 30) on the seeds in t/fuzz/corpus.
FUZZ_SECONDS ?= 30
FUZZ_DIR := build/fuzz
FUZZ_CFLAGS := -std=c17 -D_GNU_SOURCE -O1 -g -Icommon -I/usr/include/postgresql \
               -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
FUZZ_COMMON := $(patsubst %.c,$(FUZZ_DIR)/%.o,$(wildcard common/*.c))
FUZZERS := $(patsubst t/fuzz/%.c,$(FUZZ_DIR)/fuzz_%,$(wildcard t/fuzz/*.c))

$(FUZZ_DIR)/%.o: %.c
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -c $< -o $@

$(FUZZ_DIR)/fuzz_%: $(FUZZ_DIR)/t/fuzz/%.o $(FUZZ_COMMON)
	clang -fsanitize=fuzzer,address,undefined -o $@ $^ $(LIBS) -ljson-c

fuzz: $(FUZZERS)
	@for f in $(FUZZERS); do \
		echo "== $$f ($(FUZZ_SECONDS) s)"; \
		mkdir -p $(FUZZ_DIR)/corpus/$$(basename $$f); \
		$$f -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
			$(FUZZ_DIR)/corpus/$$(basename $$f) t/fuzz/corpus 2>&1 | tail -n 3 || exit 1; \
	done

# The same harnesses without clang: t/fuzz/driver/main.c runs the seeds, then
# FUZZ_RUNS inputs generated and mutated from FUZZ_SEED (FUZZ_RUNS=0
# FUZZ_MAX_SECONDS=300: for five minutes).  gcc, so SANITIZE=1 applies.
# fuzz-json-diff: our parser against the json-c path (t/fuzz/json_diff.c).
FUZZ_RUNS ?= 200000
FUZZ_SEED ?= 1
FUZZ_MAX_SECONDS ?= 0
FUZZER ?= json_diff

$(BUILD)/fuzz-plain/%: $(BUILD)/t/fuzz/%.o $(BUILD)/t/fuzz/driver/main.o $(COMMON_LIB) $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(COMMON_LIB) $(CORE_LIB) $(LIBS) -ljson-c

fuzz-plain: $(BUILD)/fuzz-plain/$(FUZZER)
	@FUZZ_CRASH=$(BUILD)/fuzz-plain/crash-$(FUZZER) $< -runs=$(FUZZ_RUNS) \
		-seconds=$(FUZZ_MAX_SECONDS) -seed=$(FUZZ_SEED) -max_len=65536 t/fuzz/corpus

fuzz-json-diff:
	@$(MAKE) --no-print-directory fuzz-plain FUZZER=json_diff

clean:
	rm -rf build
