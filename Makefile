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
WERROR  := $(if $(CI),-Werror,)
CFLAGS  := -std=c17 -D_GNU_SOURCE $(OPT) -Wall -Wextra -Wshadow -Wformat=2 \
           -Wno-unused-parameter $(WERROR) $(SANFLAGS) \
           -Icommon -I/usr/include/postgresql -MMD -MP
LDFLAGS := $(SANFLAGS)
LIBS    := -lfcgi -lpq -ljwt -lcrypto -lcurl -lm

BIN     := $(BUILD)/bin
# Every fcgi/<name>/main.c is a program (services and the health aggregator);
# every workers/<name>.c is a daemon; t/razorpay/ is the Razorpay stand-in
# that the tests (and only they) run.
PROGRAMS := $(patsubst fcgi/%/main.c,%,$(wildcard fcgi/*/main.c))
WORKERS  := $(patsubst workers/%.c,%,$(wildcard workers/*.c))
# cron/job.c is the job runner cron calls (cron/README.md)
CRON     := $(if $(wildcard cron/job.c),cron-job) $(if $(wildcard cron/audit.c),audit)
STUBS    := $(if $(wildcard t/razorpay/*.c),razorpay-stub)

COMMON_SRC := $(wildcard common/*.c)
COMMON_OBJ := $(COMMON_SRC:%.c=$(BUILD)/%.o)
COMMON_LIB := $(BUILD)/libcommon.a

UNIT_SRC   := $(wildcard t/unit/*.c)
UNIT_BIN   := $(UNIT_SRC:t/unit/%.c=$(BUILD)/t/unit_%)
ITEST_SRC  := $(wildcard t/integration/*.c)
ITEST_BIN  := $(ITEST_SRC:t/integration/%.c=$(BUILD)/t/it_%)
TLIB_SRC   := $(wildcard t/lib/*.c)
TLIB_OBJ   := $(TLIB_SRC:%.c=$(BUILD)/%.o)

export BIN_DIR := $(abspath $(BIN))
export BUILD_DIR := $(abspath $(BUILD))
export SANITIZE

.PHONY: all build tests deps run stop test unit migrate admin health logs bench clean audit \
        dead-events retry-event fuzz job
all: build

build: $(PROGRAMS:%=$(BIN)/%) $(WORKERS:%=$(BIN)/%) $(CRON:%=$(BIN)/%)
tests: $(UNIT_BIN) $(ITEST_BIN) $(STUBS:%=$(BIN)/%)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(COMMON_LIB): $(COMMON_OBJ)
	@rm -f $@
	ar rcs $@ $^

# Every directory under fcgi/ is one program linked with common/.
objs_of = $(patsubst %.c,$(BUILD)/%.o,$(wildcard fcgi/$(1)/*.c))
.SECONDARY:
.SECONDEXPANSION:
$(BIN)/%: $$(call objs_of,$$*) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(COMMON_LIB) $(LIBS)

$(WORKERS:%=$(BIN)/%): $(BIN)/%: $(BUILD)/workers/%.o $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(COMMON_LIB) $(LIBS)

$(BIN)/cron-job: $(BUILD)/cron/job.o $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(COMMON_LIB) $(LIBS)

$(BIN)/audit: $(BUILD)/cron/audit.o $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(COMMON_LIB) $(LIBS)

$(BIN)/razorpay-stub: $$(patsubst %.c,$(BUILD)/%.o,$$(wildcard t/razorpay/*.c)) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(COMMON_LIB) $(LIBS)

$(BIN)/bench-hello: $(BUILD)/bench/hello.o $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(COMMON_LIB) $(LIBS)

# t/unit/<svc>_logic.c tests a service's rules, fcgi/<svc>/logic.c (plain
# functions: no request, no database), and links that one object too; "_"
# in <svc> stands for "-" (share_link_logic: fcgi/share-link/logic.c).
unit_logic = $(if $(filter %_logic,$(1)),$(patsubst %.c,$(BUILD)/%.o,\
    $(wildcard fcgi/$(subst _,-,$(patsubst %_logic,%,$(1)))/logic.c)))
$(BUILD)/t/unit_%: $(BUILD)/t/unit/%.o $$(call unit_logic,$$*) $(TLIB_OBJ) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(filter $(BUILD)/fcgi/%,$^) $(TLIB_OBJ) $(COMMON_LIB) $(LIBS) \
	    -ljson-c -lcunit

$(BUILD)/t/it_%: $(BUILD)/t/integration/%.o $(TLIB_OBJ) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(TLIB_OBJ) $(COMMON_LIB) $(LIBS) -ljson-c -lcunit

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
FUZZ_COMMON := $(COMMON_SRC:%.c=$(FUZZ_DIR)/%.o)
FUZZERS := $(patsubst t/fuzz/%.c,$(FUZZ_DIR)/fuzz_%,$(wildcard t/fuzz/*.c))

$(FUZZ_DIR)/%.o: %.c
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -c $< -o $@

$(FUZZ_DIR)/fuzz_%: $(FUZZ_DIR)/t/fuzz/%.o $(FUZZ_COMMON)
	clang -fsanitize=fuzzer,address,undefined -o $@ $^ $(LIBS)

fuzz: $(FUZZERS)
	@for f in $(FUZZERS); do \
		echo "== $$f ($(FUZZ_SECONDS) s)"; \
		mkdir -p $(FUZZ_DIR)/corpus/$$(basename $$f); \
		$$f -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
			$(FUZZ_DIR)/corpus/$$(basename $$f) t/fuzz/corpus 2>&1 | tail -n 3 || exit 1; \
	done

clean:
	rm -rf build
