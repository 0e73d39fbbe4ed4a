# SPDX-License-Identifier: MIT
# Every target does its own set-up on a fresh Debian 12 machine (packages through apt-get as root
# or with sudo, CMake configure, build); the work is in scripts/build.sh.
#
#   make demo     build and run the demo program (DEMO_TARGET, an examples/ program)
#   make test     build-asan/ (ASan+UBSan) + ctest, servers up meanwhile, and the library built
#                 with clang in build-clang/ (what CI runs)
#   make check    build/ (RelWithDebInfo) + ctest: the same tests unsanitized, quicker
#   make bench    Release build in build-release/, run every bench_* program, print BENCH lines
#   make build    configure and build build/
#   make deps     install the Debian packages (scripts/deps.sh test)
#   make clean    remove the build directories
SHELL := /bin/bash

# The program `make demo` builds and runs: the seed blog (examples/blog/, crucible-blog demo).
# --reset: its database (build/blog_dev.db) is the demo's own, re-created on every run; without
# it, `crucible-blog demo` refuses to drop the tables of an existing blog.
# `make demo DEMO_TARGET=crucible_core_demo DEMO_PROGRAM= DEMO_ARGS=` runs the Core tour instead.
DEMO_TARGET ?= crucible_blog_app
DEMO_PROGRAM ?= crucible-blog
DEMO_ARGS ?= demo --reset
export DEMO_PROGRAM DEMO_ARGS

BUILD_DIRS := build build-asan build-clang build-release

.PHONY: all demo test check bench build deps clean help

all: build

demo:
	@bash scripts/build.sh demo $(DEMO_TARGET)

test:
	@bash scripts/build.sh test

check:
	@bash scripts/build.sh check

bench:
	@bash scripts/build.sh bench

build:
	@bash scripts/build.sh build

deps:
	@bash scripts/deps.sh test

clean:
	rm -rf $(BUILD_DIRS)

help:
	@sed -n 's/^#   //p' $(firstword $(MAKEFILE_LIST))
