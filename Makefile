# The two commands a newcomer needs (README.md):
#   make demo   install, build, and convert the bundled CivilNet example
#   make test   install (incl. the Python reference stack), build, and run every test
BUILD ?= build
JOBS ?= $(shell nproc)

.PHONY: all setup setup-venv build demo test bench format clean

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
	for f in tests/python/test_*.py; do .venv/bin/python -m pytest $$f -n $(JOBS) -q -p no:cacheprovider || exit 1; done

# The comparison benchmarks (bench/README.md); creates the peers' venvs on first use.
bench: build
	bench/setup_peers.sh
	.venv/bin/python bench/bench_pipeline.py
	.venv/bin/python bench/bench_onnx_export.py
	.venv/bin/python bench/bench_onnx_to_tf.py

format:
	clang-format -i $$(git ls-files '*.cpp' '*.h' '*.cc')

clean:
	rm -rf $(BUILD)
