# proctor build. `make` builds build/proctor (BPF objects compiled with clang
# against the running kernel's BTF, linked into one object, skeleton by bpftool).
# `make test`, `make demo` and `make bench` need root and re-run through sudo.

BUILD     ?= build
CC        ?= gcc
CLANG     ?= clang
BPFTOOL   ?= bpftool
ARCH      := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')
PKGS      := libbpf sqlite3 yaml-0.1 libcurl libmicrohttpd zlib libelf openssl libpcre2-8 jansson
VERSION   := $(shell git describe --always --dirty 2>/dev/null || echo unknown)

CFLAGS    ?= -O2 -g
# Sanitizer flags for the user-space build (`make asan` sets them).
SANFLAGS  ?=
CFLAGS    += $(SANFLAGS) -std=gnu11 -Wall -Wextra -Werror -Wno-missing-field-initializers \
             -Iinclude -Isrc -I$(BUILD) -D_GNU_SOURCE -DPROCTOR_VERSION='"$(VERSION)"' \
             $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS    += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread -lm
BPFCFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror -I$(BUILD) -Iinclude -Ibpf

BPF_SRCS  := $(sort $(wildcard bpf/*/*.bpf.c))
BPF_OBJS  := $(patsubst bpf/%.bpf.c,$(BUILD)/bpf/%.bpf.o,$(BPF_SRCS))
SRCS      := $(shell find src -name '*.c' | sort)
LIB_SRCS  := $(filter-out src/cli/main.c,$(SRCS))
LIB_OBJS  := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(LIB_SRCS))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
# cmocka tests that need root (BPF, cgroups): run by tests/run.sh with the e2e suite.
ROOT_SRCS := $(wildcard tests/root/test_*.c)
ROOT_BINS := $(patsubst tests/root/%.c,$(BUILD)/tests/root/%,$(ROOT_SRCS))
HDRS      := $(shell find include src bpf -name '*.h')
# The web UI (web/, TypeScript + Vite, lockfile committed): built with npm and
# compiled into the binary as web_assets[] (src/serve/assets.h).
WEB_SRCS  := $(shell find web/src -type f 2>/dev/null) web/index.html web/package.json \
             web/package-lock.json web/vite.config.ts web/tsconfig.json
LIB_OBJS  += $(BUILD)/obj/web_assets.o

.DELETE_ON_ERROR:
.PHONY: all deps test unit e2e asan demo bench fuzz fuzz-container fuzz-policy fuzz-proto fuzz-daemon-config fuzz-hook fuzz-bolt format clean FORCE
.PHONY: fuzz-mcp
.PHONY: fuzz-llm
.PHONY: fuzz-llm-prices
.PHONY: fuzz-heads
.PHONY: fuzz-tls-boring
.PHONY: fuzz-tls-sigs
all: $(BUILD)/proctor $(UNIT_BINS) $(ROOT_BINS)

# Install missing build dependencies (idempotent; apt as root).
$(BUILD)/.deps: scripts/install-deps.sh
	@mkdir -p $(BUILD)
	@scripts/as-root.sh scripts/install-deps.sh
	@touch $@
deps: $(BUILD)/.deps

$(BUILD)/vmlinux.h: | $(BUILD)/.deps
	@mkdir -p $(BUILD)
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp && mv $@.tmp $@

$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*/*.h) $(wildcard include/proctor/*.h) $(BUILD)/vmlinux.h
	@mkdir -p $(dir $@)
	$(CLANG) $(BPFCFLAGS) -c $< -o $@

# Relink when the set of BPF sources or C sources changes (a removed file
# must not linger in the linked object or the archive).
$(BUILD)/bpf.list: FORCE | $(BUILD)/.deps
	@echo '$(BPF_OBJS)' | cmp -s - $@ || echo '$(BPF_OBJS)' > $@
$(BUILD)/src.list: FORCE | $(BUILD)/.deps
	@echo '$(LIB_OBJS)' | cmp -s - $@ || echo '$(LIB_OBJS)' > $@
FORCE:

$(BUILD)/proctor.bpf.o: $(BPF_OBJS) $(BUILD)/bpf.list
	$(BPFTOOL) gen object $@ $(BPF_OBJS)

$(BUILD)/proctor.skel.h: $(BUILD)/proctor.bpf.o
	$(BPFTOOL) gen skeleton $< name proctor_bpf > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/%.o: src/%.c $(HDRS) $(BUILD)/proctor.skel.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/web/.built: $(WEB_SRCS) | $(BUILD)/.deps
	@mkdir -p $(BUILD)/web
	cd web && npm ci --no-audit --no-fund --loglevel=error && \
		npm run --silent build -- --outDir $(abspath $(BUILD))/web/dist --emptyOutDir --logLevel warn
	@touch $@
$(BUILD)/web_assets.c: $(BUILD)/web/.built scripts/embed-web.py
	python3 scripts/embed-web.py $(BUILD)/web/dist > $@.tmp && mv $@.tmp $@
$(BUILD)/obj/web_assets.o: $(BUILD)/web_assets.c src/serve/assets.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/libproctor.a: $(LIB_OBJS) $(BUILD)/src.list
	rm -f $@ && ar rcs $@ $(LIB_OBJS)

$(BUILD)/proctor: $(BUILD)/obj/cli/main.o $(BUILD)/libproctor.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# The syscall table test checks the numbers against libseccomp's tables.
$(BUILD)/tests/test_syscall_hooks: LDLIBS += -lseccomp
$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libproctor.a $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/unit -o $@ $< $(BUILD)/libproctor.a $(LDLIBS) -lcmocka

# bench/serve.py's generator of a large session, written through the store's writer.
$(BUILD)/bench/gen_store: bench/gen_store.c $(BUILD)/libproctor.a $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(BUILD)/libproctor.a $(LDLIBS)

$(BUILD)/tests/root/%: tests/root/%.c $(BUILD)/libproctor.a $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/unit -o $@ $< $(BUILD)/libproctor.a $(LDLIBS) -lcmocka

test: | $(BUILD)/.deps
	@scripts/as-root.sh $(MAKE) --no-print-directory all
	@scripts/as-root.sh tests/run.sh

unit: all
	@tests/run.sh --unit

# ASan/UBSan: the unit tests and an e2e smoke subset (tests/run.sh --asan)
# against an instrumented proctor, built in its own directory so it never
# mixes with build/. Any sanitizer report is a failure.
ASAN_BUILD ?= build-asan
ASAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
asan: | $(BUILD)/.deps
	@scripts/as-root.sh $(MAKE) --no-print-directory BUILD=$(ASAN_BUILD) \
		SANFLAGS="$(ASAN_FLAGS)" all
	@scripts/as-root.sh env BUILD=$(ASAN_BUILD) tests/run.sh --asan

demo: | $(BUILD)/.deps
	@scripts/as-root.sh $(MAKE) --no-print-directory all
	@scripts/as-root.sh scripts/demo.sh

bench: | $(BUILD)/.deps
	@scripts/as-root.sh scripts/install-deps.sh --bench
	@scripts/as-root.sh $(MAKE) --no-print-directory all
	@scripts/as-root.sh bench/run.sh

# Coverage-guided fuzzing of the decoders and parsers (clang libFuzzer + ASan/UBSan). New
# inputs go to build/fuzz/corpus/; the seeds in tests/fuzz/corpus/ are read only.
FUZZ_SECONDS ?= 60
# Executions per target (-1: no limit); FUZZ_SECONDS=0 FUZZ_RUNS=10000000 runs each to 10M.
FUZZ_RUNS ?= -1
FUZZ_CFLAGS = -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_LIMITS = -max_total_time=$(FUZZ_SECONDS) -runs=$(FUZZ_RUNS)
fuzz: $(BUILD)/proctor.skel.h $(BUILD)/web_assets.c
	@mkdir -p $(BUILD)/fuzz
	$(CLANG) $(FUZZ_CFLAGS) -Iinclude -Isrc -I$(BUILD) -D_GNU_SOURCE \
		-DPROCTOR_VERSION='"fuzz"' -o $(BUILD)/fuzz/fuzz_decode tests/fuzz/fuzz_decode.c \
		src/decode/*.c src/model/*.c src/pipeline/*.c src/sinks/*.c \
		src/store/*.c src/util/*.c src/net/*.c src/policy/*.c src/probe/syscall_table.c $(LDLIBS)
	$(CLANG) $(FUZZ_CFLAGS) -Iinclude -Isrc -I$(BUILD) -D_GNU_SOURCE \
		-DPROCTOR_VERSION='"fuzz"' -o $(BUILD)/fuzz/fuzz_sinks tests/fuzz/fuzz_sinks.c \
		$(filter-out src/cli/main.c,$(SRCS)) $(BUILD)/web_assets.c $(LDLIBS)
	$(CLANG) $(FUZZ_CFLAGS) -Iinclude -Isrc -I$(BUILD) -D_GNU_SOURCE \
		-DPROCTOR_VERSION='"fuzz"' -o $(BUILD)/fuzz/fuzz_redact_rules tests/fuzz/fuzz_redact_rules.c \
		$(filter-out src/cli/main.c,$(SRCS)) $(BUILD)/web_assets.c $(LDLIBS)
	$(CLANG) $(FUZZ_CFLAGS) -Iinclude -Isrc -D_GNU_SOURCE \
		-o $(BUILD)/fuzz/fuzz_parse tests/fuzz/fuzz_parse.c src/util/parse.c src/util/strbuf.c
	$(BUILD)/fuzz/fuzz_decode $(FUZZ_LIMITS) -max_len=16384
	$(BUILD)/fuzz/fuzz_sinks $(FUZZ_LIMITS) -max_len=16384
	@mkdir -p $(BUILD)/fuzz/corpus/parse
	$(BUILD)/fuzz/fuzz_parse $(FUZZ_LIMITS) -max_len=4096 \
		$(BUILD)/fuzz/corpus/parse tests/fuzz/corpus/parse
	@mkdir -p $(BUILD)/fuzz/corpus/redact_rules
	$(BUILD)/fuzz/fuzz_redact_rules $(FUZZ_LIMITS) -max_len=16384 \
		$(BUILD)/fuzz/corpus/redact_rules tests/fuzz/corpus/redact_rules

format:
	clang-format -i $$(find src include tests/unit tests/root bench -name '*.[ch]') bpf/*/*.c bpf/*/*.h

clean:
	rm -rf $(BUILD)

# Schema v2's event encoding (store/compact.h): any input survives, and what is
# encoded decodes to the same bytes; seeded from tests/fuzz/corpus/compact/.
.PHONY: fuzz-compact
fuzz: fuzz-compact
fuzz-compact:
	@mkdir -p $(BUILD)/fuzz/compact-corpus
	$(CLANG) $(FUZZ_CFLAGS) -Iinclude -Isrc -D_GNU_SOURCE \
		-o $(BUILD)/fuzz/fuzz_compact tests/fuzz/fuzz_compact.c src/store/compact.c \
		src/util/util.c src/util/strbuf.c $(LDLIBS)
	$(BUILD)/fuzz/fuzz_compact $(FUZZ_LIMITS) -max_len=16384 \
		$(BUILD)/fuzz/compact-corpus tests/fuzz/corpus/compact

# The container attribution's cgroup path parser, seeded from tests/fuzz/corpus/container/.
fuzz: fuzz-container
fuzz-container:
	@mkdir -p $(BUILD)/fuzz/container-corpus
	$(CLANG) $(FUZZ_CFLAGS) -Iinclude -Isrc -D_GNU_SOURCE \
		-o $(BUILD)/fuzz/fuzz_container tests/fuzz/fuzz_container.c src/model/container.c
	$(BUILD)/fuzz/fuzz_container $(FUZZ_LIMITS) -max_len=4096 \
		$(BUILD)/fuzz/container-corpus tests/fuzz/corpus/container

# The LLM visibility parsers (HTTP/1.1, SSE, providers' JSON) on tls.data
# records, seeded from tests/fuzz/corpus/llm/.
fuzz: fuzz-llm
fuzz-llm:
	@mkdir -p $(BUILD)/fuzz/llm-corpus
	$(CLANG) $(FUZZ_CFLAGS) -Iinclude -Isrc -D_GNU_SOURCE \
		-o $(BUILD)/fuzz/fuzz_llm tests/fuzz/fuzz_llm.c src/llm/*.c src/model/record.c src/util/util.c \
		src/util/strbuf.c $(LDLIBS)
	$(BUILD)/fuzz/fuzz_llm $(FUZZ_LIMITS) -max_len=16384 \
		$(BUILD)/fuzz/llm-corpus tests/fuzz/corpus/llm

# The price table parser (src/llm/prices.c), seeded from
# tests/fuzz/corpus/llm-prices/ (the shipped data/llm-prices).
fuzz: fuzz-llm-prices
fuzz-llm-prices:
	@mkdir -p $(BUILD)/fuzz/llm-prices-corpus
	$(CLANG) $(FUZZ_CFLAGS) -Iinclude -Isrc -D_GNU_SOURCE \
		-o $(BUILD)/fuzz/fuzz_llm_prices tests/fuzz/fuzz_llm_prices.c src/llm/prices.c \
		src/llm/call.c src/util/strbuf.c $(LDLIBS)
	$(BUILD)/fuzz/fuzz_llm_prices $(FUZZ_LIMITS) -max_len=4096 \
		$(BUILD)/fuzz/llm-prices-corpus tests/fuzz/corpus/llm-prices

# The BoringSSL locator (src/probe/tls_boring.c) on executables, seeded
# with the host's /bin/true (a small ELF; not committed).
fuzz: fuzz-tls-boring
fuzz-tls-boring:
	@mkdir -p $(BUILD)/fuzz/tls-boring-corpus
	cp /bin/true $(BUILD)/fuzz/tls-boring-corpus/true.elf
	$(CLANG) $(FUZZ_CFLAGS) -Iinclude -Isrc -D_GNU_SOURCE \
		-o $(BUILD)/fuzz/fuzz_tls_boring tests/fuzz/fuzz_tls_boring.c src/probe/tls_boring.c -lelf
	$(BUILD)/fuzz/fuzz_tls_boring $(FUZZ_LIMITS) -max_len=65536 \
		$(BUILD)/fuzz/tls-boring-corpus

# The TLS signature file parser (src/probe/tls_sigs.c), seeded from
# tests/fuzz/corpus/tls-sigs/ (the shipped data/tls-signatures).
fuzz: fuzz-tls-sigs
fuzz-tls-sigs:
	@mkdir -p $(BUILD)/fuzz/tls-sigs-corpus
	$(CLANG) $(FUZZ_CFLAGS) -Iinclude -Isrc -D_GNU_SOURCE \
		-o $(BUILD)/fuzz/fuzz_tls_sigs tests/fuzz/fuzz_tls_sigs.c src/probe/tls_sigs.c -lelf
	$(BUILD)/fuzz/fuzz_tls_sigs $(FUZZ_LIMITS) -max_len=4096 \
		$(BUILD)/fuzz/tls-sigs-corpus tests/fuzz/corpus/tls-sigs

# The policy parser and checker under libFuzzer, seeded from
# tests/fuzz/corpus/policy/ (new inputs it finds go to build/fuzz/policy-corpus).
fuzz: fuzz-policy fuzz-proto
fuzz-proto:
	@mkdir -p $(BUILD)/fuzz/proto-corpus
	$(CLANG) $(FUZZ_CFLAGS) -Iinclude -Isrc -D_GNU_SOURCE \
		-DPROCTOR_VERSION='"fuzz"' -o $(BUILD)/fuzz/fuzz_proto tests/fuzz/fuzz_proto.c \
		src/daemon/proto.c $(LDLIBS)
	$(BUILD)/fuzz/fuzz_proto $(FUZZ_LIMITS) -max_len=8192 \
		$(BUILD)/fuzz/proto-corpus
fuzz-policy:
	@mkdir -p $(BUILD)/fuzz/policy-corpus
	$(CLANG) $(FUZZ_CFLAGS) -Iinclude -Isrc -D_GNU_SOURCE \
		-o $(BUILD)/fuzz/fuzz_policy tests/fuzz/fuzz_policy.c src/policy/*.c \
		src/util/yaml.c src/util/util.c $(LDLIBS)
	$(BUILD)/fuzz/fuzz_policy $(FUZZ_LIMITS) -max_len=8192 \
		$(BUILD)/fuzz/policy-corpus tests/fuzz/corpus/policy

# The daemon's configuration file parser, seeded from tests/fuzz/corpus/daemon_config/.
fuzz: fuzz-daemon-config
fuzz-daemon-config:
	@mkdir -p $(BUILD)/fuzz/daemon-config-corpus
	$(CLANG) $(FUZZ_CFLAGS) -Iinclude -Isrc -D_GNU_SOURCE \
		-o $(BUILD)/fuzz/fuzz_daemon_config tests/fuzz/fuzz_daemon_config.c \
		src/daemon/config.c src/serve/listen.c src/util/yaml.c src/util/util.c \
		src/util/parse.c src/util/strbuf.c $(LDLIBS)
	$(BUILD)/fuzz/fuzz_daemon_config $(FUZZ_LIMITS) -max_len=8192 \
		$(BUILD)/fuzz/daemon-config-corpus tests/fuzz/corpus/daemon_config

# podman's state as the daemon reads it at a container's start (bbolt, the
# container's configuration), seeded from tests/fuzz/corpus/bolt/.
fuzz: fuzz-bolt
fuzz-bolt:
	@mkdir -p $(BUILD)/fuzz/bolt-corpus
	$(CLANG) $(FUZZ_CFLAGS) -Iinclude -Isrc -D_GNU_SOURCE \
		-o $(BUILD)/fuzz/fuzz_bolt tests/fuzz/fuzz_bolt.c src/util/bolt.c \
		src/app/container_state.c $(LDLIBS)
	$(BUILD)/fuzz/fuzz_bolt $(FUZZ_LIMITS) -max_len=262144 \
		$(BUILD)/fuzz/bolt-corpus tests/fuzz/corpus/bolt

# `proctor hook`'s parse of a tool's shell command line and file paths.
fuzz: fuzz-hook
fuzz-hook:
	@mkdir -p $(BUILD)/fuzz/hook-corpus
	$(CLANG) $(FUZZ_CFLAGS) -Iinclude -Isrc -D_GNU_SOURCE \
		-o $(BUILD)/fuzz/fuzz_hook tests/fuzz/fuzz_hook.c src/policy/*.c \
		src/util/yaml.c src/util/util.c $(LDLIBS)
	$(BUILD)/fuzz/fuzz_hook $(FUZZ_LIMITS) -max_len=8192 $(BUILD)/fuzz/hook-corpus

# The API's parameter parsers (cursor, times, counts, token header, route, query
# string) and the event page they feed, seeded from tests/fuzz/corpus/api_params/.
.PHONY: fuzz-api
fuzz: fuzz-api
fuzz-api:
	@mkdir -p $(BUILD)/fuzz/api-corpus
	$(CLANG) $(FUZZ_CFLAGS) -Iinclude -Isrc -D_GNU_SOURCE \
		-o $(BUILD)/fuzz/fuzz_api_params tests/fuzz/fuzz_api_params.c src/serve/params.c \
		src/store/*.c src/util/*.c $(LDLIBS)
	$(BUILD)/fuzz/fuzz_api_params $(FUZZ_LIMITS) -max_len=4096 \
		$(BUILD)/fuzz/api-corpus tests/fuzz/corpus/api_params

# `proctor mcp`'s JSON-RPC messages (any bytes as one message).
fuzz: fuzz-mcp
fuzz-mcp:
	@mkdir -p $(BUILD)/fuzz/mcp-corpus
	$(CLANG) $(FUZZ_CFLAGS) -Iinclude -Isrc -D_GNU_SOURCE \
		-DPROCTOR_VERSION='"fuzz"' -o $(BUILD)/fuzz/fuzz_mcp tests/fuzz/fuzz_mcp.c \
		src/cli/mcp.c src/cli/mcp_tools.c src/cli/hook_feed.c src/policy/*.c \
		src/util/yaml.c src/util/util.c src/util/strbuf.c $(LDLIBS)
	$(BUILD)/fuzz/fuzz_mcp $(FUZZ_LIMITS) -max_len=8192 $(BUILD)/fuzz/mcp-corpus \
		tests/fuzz/corpus/mcp

# Chain heads read back from a sink's JSON lines (`proctor verify --heads`),
# seeded from tests/fuzz/corpus/heads/.
fuzz: fuzz-heads
fuzz-heads:
	@mkdir -p $(BUILD)/fuzz/heads-corpus
	$(CLANG) $(FUZZ_CFLAGS) -Iinclude -Isrc -D_GNU_SOURCE \
		-o $(BUILD)/fuzz/fuzz_heads tests/fuzz/fuzz_heads.c src/store/heads.c -ljansson
	$(BUILD)/fuzz/fuzz_heads $(FUZZ_LIMITS) -max_len=4096 \
		$(BUILD)/fuzz/heads-corpus tests/fuzz/corpus/heads
