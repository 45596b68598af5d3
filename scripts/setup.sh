#!/usr/bin/env bash
# Installs what pt2tf needs on a Debian/Ubuntu machine. Idempotent: does nothing that is
# already done.
#   scripts/setup.sh          the native build's apt packages
#   scripts/setup.sh --venv   also the pinned Python reference stack in .venv/ (for tests)
#   scripts/setup.sh --fuzz   clang-14 with libFuzzer and the sanitizer runtimes (make fuzz,
#                             make test-asan; tests/fuzz/README.md)
set -euo pipefail
cd "$(dirname "$0")/.."

# libopenblas-dev: the reference runner's sgemm; libjpeg-dev, libpng-dev: calibration images.
# strace: a test proves `convert` opens the checkpoint once for several outputs.
APT_PACKAGES=(g++ cmake ninja-build make protobuf-compiler libprotobuf-dev nlohmann-json3-dev
  libcli11-dev libflatbuffers-dev flatbuffers-compiler libgtest-dev libgmock-dev zlib1g-dev
  libssl-dev libbenchmark-dev clang-format ccache
  strace python3 python3-venv python3-pip libopenblas-dev libjpeg-dev libpng-dev)

# llvm-14: llvm-symbolizer, for sanitizer stack traces with file:line.
[ "${1:-}" = "--fuzz" ] && APT_PACKAGES+=(clang-14 libclang-rt-14-dev llvm-14)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing apt packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ "${1:-}" = "--venv" ]; then
  REQ=tests/python/requirements.txt
  STAMP=.venv/.requirements.sha256
  want=$(sha256sum "$REQ" | cut -d' ' -f1)
  if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$want" ]; then
    # Python 3.11: torch 2.14.1 / torchvision 0.29.1 wheels exist for it.
    PY=${PYTHON:-$(command -v python3.11 || command -v python3)}
    echo "setup: creating .venv with $("$PY" --version) and the pinned reference stack"
    [ -x .venv/bin/python ] || "$PY" -m venv .venv
    .venv/bin/python -m pip install -q --upgrade pip
    .venv/bin/python -m pip install -q -r "$REQ"
    echo "$want" > "$STAMP"
  fi
fi
