# switchboard developer tasks. `make run` and `make test` install what they
# need (pinned) into project-local, git-ignored folders on first use.

SHELL := /bin/bash
VENV := $(CURDIR)/.venv
PYTHON ?= python3
MOTO_VERSION := 5.2.5
CARGO_LAMBDA_VERSION := 1.9.2
CFN_LINT_VERSION := 1.58.0
# SAM's own tools (the CLI brings its translator): the deploy rehearsal and `make deploy`.
SAM_CLI_VERSION := 1.170.0
# zig cross-compiles `make build` (cargo-lambda finds it through `python -m ziglang`).
ZIGLANG_VERSION := 0.13.0
VENV_STAMP := $(VENV)/.installed-moto$(MOTO_VERSION)-cl$(CARGO_LAMBDA_VERSION)-cfn$(CFN_LINT_VERSION)-sam$(SAM_CLI_VERSION)
ZIG_STAMP := $(VENV)/.installed-ziglang$(ZIGLANG_VERSION)
# The deployed stack `make deploy-code` updates.
STACK ?= switchboard
# arm64 (the template's default) needs the aarch64 standard library; without
# it, `make build` builds for x86_64 and says so.
AARCH64_STD := $(wildcard $(shell rustc --print sysroot 2>/dev/null)/lib/rustlib/aarch64-unknown-linux-gnu)
BUILD_ARCH := $(if $(AARCH64_STD),arm64,x86_64)

# cargo finds `cargo lambda` on PATH.
export PATH := $(VENV)/bin:$(PATH)

# The CLI finds the sender from the event type (each sender's one list of types).
EVENT ?= ENTITLEMENT_CREATE
CLI := cargo run --quiet -p switchboard-cli --
# `make run FORWARD=1` forwards every event, signed, to `make listen`'s port.
LISTEN_PORT ?= 9700
STACK_FLAGS := $(if $(FORWARD),--forward-url http://127.0.0.1:$(LISTEN_PORT)/webhooks)

.PHONY: all tools run listen test unit lint lint-rust docs build deploy deploy-code rehearse send peek events bench bench-interactions fuzz clean

all: test

$(VENV_STAMP):
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check 'moto[server]==$(MOTO_VERSION)' 'cfn-lint==$(CFN_LINT_VERSION)' 'aws-sam-cli==$(SAM_CLI_VERSION)'
	# zig is only for cross-compiling; local builds and `watch` do not need it.
	$(VENV)/bin/pip install --quiet --disable-pip-version-check --no-deps 'cargo-lambda==$(CARGO_LAMBDA_VERSION)'
	touch $@

tools: $(VENV_STAMP)

# Rust-only checks: no Python, no moto.
lint-rust:
	cargo fmt --all --check
	cargo clippy --workspace --all-targets -- -D warnings

# The domain crate's docs build clean with its default features too (the
# workspace build turns every feature on).
docs:
	RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --workspace --lib
	RUSTDOCFLAGS="-D warnings" cargo doc --no-deps -p switchboard --lib

lint: tools lint-rust docs
	$(VENV)/bin/cfn-lint template.yaml

# The fast loop: fmt, clippy and the unit tests (no Python, no moto, no end-to-end).
unit: lint-rust
	cargo test --workspace --lib --bins
	cargo test -p switchboard --tests

# Everything; CI runs this. The fuzz targets are only built, so they cannot rot.
test: lint rehearse
	cargo test --workspace
	cd fuzz && cargo check --bins

run: tools
	cargo build --workspace --bins
	$(CLI) stack $(STACK_FLAGS)

listen:
	$(CLI) listen --port $(LISTEN_PORT)

# `make send EVENT=CREATE_SWITCH TENANT=alpha` sends to a local tenant's route;
# `make send EVENT=APPLICATION_COMMAND NAME=ping` sends a slash command.
send:
	$(CLI) send $(EVENT) $(if $(TENANT),--tenant $(TENANT)) $(if $(NAME),--name $(NAME))

# `make peek BUS=1` shows what the local event bus delivered; DLQ=1 the DLQ.
peek:
	$(CLI) peek $(if $(BUS),--bus) $(if $(DLQ),--dlq)

# `make events SINCE=2h TYPE=CREATE_SWITCH`: what the archive holds.
events:
	$(CLI) events list --since $(or $(SINCE),24h) $(if $(TYPE),--type $(TYPE))

$(ZIG_STAMP): $(VENV_STAMP)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check 'ziglang==$(ZIGLANG_VERSION)'
	touch $@

# The three functions for Lambda, cross-compiled with zig: arm64, or x86_64 when
# this toolchain has no aarch64 standard library (`rustup target add
# aarch64-unknown-linux-gnu` adds it).
build: tools $(ZIG_STAMP)
ifeq ($(BUILD_ARCH),x86_64)
	@echo "make build: the aarch64 standard library is not installed, so this builds for x86_64."
	@echo "  The template deploys arm64; deploy this build with Architectures set to x86_64."
endif
	cargo lambda build --release --$(subst _,-,$(BUILD_ARCH)) --bin ingest --bin processor --bin watchdog

# SAM builds and deploys everything (its cargo-lambda builder; samconfig.toml
# holds the defaults). The first time asks the questions (--guided).
deploy: tools $(ZIG_STAMP)
	@echo "AlarmTopicArn: an SNS topic for the alarms. Left empty, the alarms notify NOBODY."
	sam build
	sam deploy --guided
	$(VENV)/bin/python deploy/alarm_notice.py

# After `make deploy`: new code only, with cargo-lambda, to the functions the
# stack $(STACK) made (from its outputs).
deploy-code: tools $(ZIG_STAMP)
	$(VENV)/bin/python deploy/deploy_code.py $(STACK) --arch $(BUILD_ARCH)

# What `sam deploy` does, offline: sam validate, the SAM transform, a deploy
# into moto's CloudFormation read back through each service, SAM's build
# command and deploy-code's command lines. Part of `make test`.
rehearse: tools
	$(VENV)/bin/python deploy/rehearse.py

# cargo-fuzz drives libFuzzer with nightly-only rustc flags; this machine has
# one stable toolchain, so RUSTC_BOOTSTRAP lets stable accept them.
CARGO_FUZZ_VERSION := 0.13.2
CARGO_FUZZ := $(CURDIR)/.tools/bin/cargo-fuzz
FUZZ_SECONDS ?= 300

$(CARGO_FUZZ):
	cargo install --locked --root $(CURDIR)/.tools cargo-fuzz --version $(CARGO_FUZZ_VERSION)

fuzz: $(CARGO_FUZZ)
	cd fuzz && RUSTC_BOOTSTRAP=1 $(CARGO_FUZZ) fuzz run decide --sanitizer none -- -max_total_time=$(FUZZ_SECONDS)
	cd fuzz && RUSTC_BOOTSTRAP=1 $(CARGO_FUZZ) fuzz run models --sanitizer none -- -max_total_time=$(FUZZ_SECONDS)

NODE_PEER := bench/node/node_modules/.package-lock.json

$(NODE_PEER): bench/node/package.json bench/node/package-lock.json
	cd bench/node && npm ci --no-audit --no-fund

# Criterion benches, then the Runtime API harness: ingest, hello world, the
# Node peer and the diagnostic builds side by side in one run (~35 min, most of
# it moto answering SendMessage), with the ratios against the floors; then the
# SQS send's instruction counts, and each binary's instructions (callgrind,
# with ingest's attribution by function) and system calls (strace) per warm
# invocation, from builds that keep their symbols. Numbers go to
# BENCHMARKS.md by hand.
ATTRIBUTED := hello,sdk-floor,sdk-floor-verified,ingest,ingest-no-queue
bench: tools $(NODE_PEER)
	cargo bench -p switchboard --bench paths
	cargo build --release -p ingest -p processor -p switchboard-bench
	target/release/runtime-bench
	if command -v valgrind >/dev/null; then target/release/runtime-bench --instructions; fi
	cargo build --profile profiling -p ingest -p switchboard-bench
	if command -v valgrind >/dev/null; then target/profiling/runtime-bench --binaries target/profiling --callgrind --only $(ATTRIBUTED); fi
	if command -v strace >/dev/null; then target/profiling/runtime-bench --binaries target/profiling --syscalls --only $(ATTRIBUTED); fi

# The time from ingest's deferral to the edit reaching the Discord stand-in,
# through the local stack (median and p90 over 100 interactions).
bench-interactions: tools
	bench/scripts/interaction_latency.py 100

clean:
	cargo clean
	rm -rf $(VENV) .dev .tools fuzz/target
