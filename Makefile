# Tocsin: `make run` runs the daemon on its embedded defaults, `make test` runs every test.
# Both install the Debian packages they need first (as root, or through sudo).

SWIFT      ?= swift
CONFIG     ?=
SUDO       := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
# Build and run: the C libraries and the allocator; test: a real browser, its driver and Python for the browser test.
BUILD_PACKAGES := pkg-config libsqlite3-dev libudev-dev libxml2-dev libjemalloc-dev
TEST_PACKAGES  := chromium chromium-driver python3 python3-venv libxml2-utils openssl sip-tester
# Box tests and packaging: udevd, lintian, debootstrap, dpkg-shlibdeps, strip, man.
BOX_PACKAGES   := udev lintian debootstrap dpkg-dev binutils man-db
# The packaged binary: Swift runtime linked in; _FoundationCShims is named because FoundationEssentials
# needs it and the static link does not pull it in by itself; BIND_NOW for lintian's hardening check.
STATIC_LINK    := --static-swift-stdlib -Xlinker -l_FoundationCShims -Xlinker -z -Xlinker now
# The shipped binary (bench and package) is also linked for size, 40 MB down to 29 MB stripped:
# thin LTO through lld drops the code no entry point reaches, which it can only do once no symbol is
# exported for dlsym (nothing looks the binary's own symbols up, and a crash backtrace prints offsets
# that `addr2line` resolves against the .debug file `make package` keeps); packed relative
# relocations shrink the relocation table; identical code folding merges duplicate generic code.
RELEASE_LINK   := $(STATIC_LINK) --experimental-lto-mode=thin -Xswiftc -use-ld=lld -Xlinker --no-export-dynamic \
                  -Xlinker -z -Xlinker pack-relative-relocs -Xlinker --icf=all
VENV       := .build-venv
BIN_DEBUG   = $(shell $(SWIFT) build --show-bin-path)
BIN_RELEASE = $(shell $(SWIFT) build -c release --show-bin-path)

.PHONY: run test test-box bench package deps-build deps-test deps-box build clean

define ensure_packages
	@missing=""; for p in $(1); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:$$missing"; \
		$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi
endef

deps-build:
	$(call ensure_packages,$(BUILD_PACKAGES))

deps-test: deps-build
	$(call ensure_packages,$(TEST_PACKAGES))
	@# The OpenAPI validator is not packaged by Debian: a private venv keeps it off the system Python.
	@[ -x $(VENV)/bin/openapi-spec-validator ] || { python3 -m venv $(VENV) && $(VENV)/bin/pip install --quiet openapi-spec-validator; }

build: deps-build
	$(SWIFT) build --product tocsin

run: build
	$(BIN_DEBUG)/tocsin run $(if $(CONFIG),--config $(CONFIG))

test: deps-test
	$(SWIFT) build --build-tests
	$(VENV)/bin/openapi-spec-validator Docs/openapi.yaml
	@# One test at a time: on 2 cores Swift's cooperative pool has 2 threads, and the integration
	@# tests that wait on the daemon's sockets and ptys with blocking reads would otherwise starve
	@# the timers of the tests beside them. The whole run takes under two minutes this way.
	TOCSIN_BINARY=$(BIN_DEBUG)/tocsin $(SWIFT) test --skip-build --no-parallel
	bash Tests/Browser/run.sh $(BIN_DEBUG)/tocsin
	$(MAKE) --no-print-directory test-box

deps-box: deps-build
	$(call ensure_packages,$(BOX_PACKAGES))

# Units (verify, security score), udev rules (real udevd, as root), the .deb built from the DEBUG
# binary (a release build takes many minutes) with lintian, and the debootstrap install (as root).
# The debug binary for the package has the Swift runtime inside, so it runs in the chroot. It is
# built in its own scratch path: objects compiled for a static link name the static runtime
# libraries, and the dynamic test bundle of .build would then fail to link.
BOX_SCRATCH := .build/box-static
test-box: deps-box
	$(SWIFT) build --scratch-path $(BOX_SCRATCH) --product tocsin $(STATIC_LINK)
	bash Tests/Box/run.sh $(BOX_SCRATCH)/debug/tocsin

# Both products with the same link flags: the runner and the daemon share one release build.
bench: deps-test
	$(SWIFT) build -c release --product tocsin $(RELEASE_LINK)
	$(SWIFT) build -c release --product TocsinBenchmarks $(RELEASE_LINK)
	$(BIN_RELEASE)/TocsinBenchmarks --tocsin $(BIN_RELEASE)/tocsin --output Benchmarks/RESULTS.md

# dist/tocsin_<version>_<arch>.deb from the static stripped release binary, checked with
# dpkg-deb --info/--contents and lintian by the same script make test-box runs, and beside it
# dist/tocsin_<version>_<arch>.debug, the symbols that turn a crash backtrace into function names.
package: deps-box
	$(SWIFT) build -c release --product tocsin $(RELEASE_LINK)
	bash Tests/Box/deb.sh $(BIN_RELEASE)/tocsin dist

clean:
	rm -rf .build dist
