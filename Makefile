# The two commands of the README: `make run` and `make test`.
BUILD ?= build
# ccache keys on paths relative to the checkout, so a fresh clone reuses earlier builds.
export CCACHE_BASEDIR := $(CURDIR)
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
GEN := $(shell command -v ninja >/dev/null 2>&1 && echo "-G Ninja")
LAUNCHER := $(shell command -v ccache >/dev/null 2>&1 && echo "-DCMAKE_CXX_COMPILER_LAUNCHER=ccache")

.PHONY: deps build run test clean sanitize fuzz lint format package install pgo

deps:
	@scripts/install-deps.sh

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) $(GEN) $(LAUNCHER) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

run: build
	$(BUILD)/geosim run scenarios/teaching.yaml

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# The whole test suite under AddressSanitizer + UndefinedBehaviorSanitizer (GEOSIM_SANITIZE).
SANITIZE_BUILD ?= build-sanitize
# -Og with line tables only (stack traces keep file:line): on the 2-core machine the build
# takes 17% less compile time than at -O1 and the suite under the sanitizers 9% more time;
# 1.5 minutes less in all (a fresh clone, no compiler cache).
SANITIZE_OPT ?= -Og -g1 -DNDEBUG
# Left out under the sanitizers: the checks of the docs' text (label docs: tutorial blocks,
# doc tables) and of the report pages in Chromium (label page). They repeat commands that
# other tests run under the sanitizers, and the plain suite runs them; the studio's browser
# test stays (it drives the HTTP server).
SANITIZE_CTEST ?= -LE "^(docs|page)$$"
sanitize: deps
	cmake -S . -B $(SANITIZE_BUILD) $(GEN) $(LAUNCHER) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="$(SANITIZE_OPT)" -DGEOSIM_SANITIZE=ON -DGEOSIM_WITH_PYTHON=OFF
	cmake --build $(SANITIZE_BUILD) -j $(JOBS)
	cd $(SANITIZE_BUILD) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS) $(SANITIZE_CTEST)

# libFuzzer targets (tests/fuzz), FUZZ_SECONDS each (default 60); see scripts/fuzz.sh.
FUZZ_SECONDS ?= 60
fuzz: deps
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_JOBS=$(JOBS) scripts/fuzz.sh

# clang-tidy and clang-format on the C++ files changed since main (scripts/lint.sh).
lint: $(BUILD)/CMakeCache.txt
	BUILD=$(BUILD) scripts/lint.sh

# Formats FILES (default: every C++ file of the project) with .clang-format.
FILES ?= $(shell git ls-files 'engine/*.cpp' 'engine/*.h' 'analysis/*.cpp' 'analysis/*.h' 'tests/*.cpp' 'tests/*.h' 'bench/*.cpp' 'bench/*.h' 'cli/*.cpp' 'cli/*.h' 'python/*.cpp')
format:
	clang-format -i $(FILES)

# A profile-guided build of geosim in $(PGO_BUILD), trained on the shipped scenarios
# (scripts/build_pgo.sh; the same bytes of output, faster: docs/performance.md).
PGO_BUILD ?= build-pgo
# NATIVE=1 tunes it for this machine's CPU as well (-march=native, GEOSIM_NATIVE: faster here,
# the same bytes, but the binary may not start on an older CPU).
NATIVE ?=
pgo: deps
	JOBS=$(JOBS) CMAKE_FLAGS="$(CMAKE_FLAGS) -DGEOSIM_NATIVE=$(if $(filter 1,$(NATIVE)),ON,OFF)" scripts/build_pgo.sh $(PGO_BUILD)

# A Debian package (CPack) in $(BUILD): geosim_VERSION_ARCH.deb.
package: build
	cmake --build $(BUILD) --target package

# Installs into PREFIX (default /usr/local): the command, libraries, headers, CMake package.
PREFIX ?= /usr/local
install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

clean:
	rm -rf $(BUILD)
