# The two commands a newcomer needs (README.md):
#   make demo   install, build, and convert the bundled CivilNet example
#   make test   install (incl. the Python reference stack), build, and run every test
BUILD ?= build
JOBS ?= $(shell nproc)

.PHONY: all setup setup-venv build demo test test-wheel bench format clean setup-fuzz test-asan fuzz

all: build

setup:
	scripts/setup.sh

setup-venv:
	scripts/setup.sh --venv

# ccache makes rebuilds and fresh clones fast (paths relative to the clone). setup installs it,
# so it is looked up when the recipe runs, after setup, not when make reads this file: that
# way the first configure already has what later ones have, and `make demo` then `make test`
# (both through this one target) configure identically and compile each file once.
export CCACHE_BASEDIR := $(CURDIR)

build: setup
	ccache=$$(command -v ccache || true); \
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release \
	  $${ccache:+-DCMAKE_CXX_COMPILER_LAUNCHER=$$ccache} >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

demo: build
	scripts/demo.sh

test: setup-venv build
	# --no-tests=error: a build that registered no tests must not pass.
	cd $(BUILD) && ctest --output-on-failure --no-tests=error -j $(JOBS)
	# One pytest process per file: TensorFlow and torchvision (triton) imported into one
	# process can crash it, and a shared xdist worker would mix files that import each.
	# Every file runs even after a failure (one red file must not hide another); the failed
	# ones are listed at the end and make the target fail.
	failed=""; for f in tests/python/test_*.py; do .venv/bin/python -m pytest $$f -n $(JOBS) -q -p no:cacheprovider || failed="$$failed $$f"; done; \
	if [ -n "$$failed" ]; then echo "failed:$$failed"; exit 1; fi

# The wheel as a user installs it (scripts/test_wheel.sh): a full native build, so not in test.
test-wheel: setup-venv
	scripts/test_wheel.sh

# Hardening (tests/fuzz/README.md, docs/SECURITY.md). clang-14 + libFuzzer from Debian.
#   make test-asan          ctest, then every Python test, against an ASan+UBSan build
#   make fuzz               every fuzz target for FUZZ_SECONDS of CPU each (FUZZ_TARGETS to pick)
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?=
SANITIZER_ENV := ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 PT2TF_SANITIZED=1
# -O1 -gline-tables-only: the usual sanitizer build (stack traces with lines), and it
# compiles about twice as fast as -O2 -g.
CLANG_CMAKE := -G Ninja -DCMAKE_BUILD_TYPE=None -DCMAKE_CXX_FLAGS="-O1 -gline-tables-only" \
  -DCMAKE_CXX_COMPILER=clang++-14 $(if $(CCACHE),-DCMAKE_CXX_COMPILER_LAUNCHER=$(CCACHE))

setup-fuzz: setup
	scripts/setup.sh --fuzz

test-asan: setup-fuzz setup-venv
	cmake -S . -B $(ASAN_BUILD) $(CLANG_CMAKE) -DPT2TF_SANITIZE=ON >/dev/null
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && $(SANITIZER_ENV) ctest --output-on-failure -j $(JOBS)
	for f in tests/python/test_*.py; do $(SANITIZER_ENV) PT2TF=$(ASAN_BUILD)/pt2tf \
	  PT2TF_TESTS=$(ASAN_BUILD)/pt2tf_tests .venv/bin/python -m pytest $$f -n $(JOBS) -q \
	  -p no:cacheprovider || exit 1; done

fuzz: setup-fuzz
	cmake -S . -B $(FUZZ_BUILD) $(CLANG_CMAKE) -DPT2TF_FUZZ=ON >/dev/null
	cmake --build $(FUZZ_BUILD) -j $(JOBS)
	tests/fuzz/run_fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# The comparison benchmarks (bench/README.md); creates the peers' venvs on first use.
bench: build
	bench/setup_peers.sh
	.venv/bin/python bench/bench_pipeline.py
	.venv/bin/python bench/bench_onnx_export.py
	.venv/bin/python bench/bench_onnx_to_tf.py
	.venv/bin/python bench/bench_tflite.py

format:
	clang-format -i $$(git ls-files '*.cpp' '*.h' '*.cc')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
