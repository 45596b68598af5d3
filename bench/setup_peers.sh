#!/usr/bin/env bash
# Creates the peers' virtualenvs for the benchmarks (not needed for building or testing):
#   .venv-onnxtf    the classic pipeline: torch.onnx.export + onnx-tf (TensorFlow 2.15)
#   .venv-onnx2tf   onnx2tf 1.x, the newest release that installs on Python 3.11
#   .venv-litert    litert-torch 0.10 on torch 2.14.1 (the first peer of bench_tflite.py)
#   .venv-onnx2tf2  onnx2tf 2.x, which needs Python 3.12: made only when one is found
#                   ($PYTHON312, python3.12 on PATH, or a pyenv 3.12); else say so and skip
# Each is recreated from scratch whenever its requirements file changes.
#   bench/setup_peers.sh [NAME...]     # default: all four
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-$(command -v python3.11 || command -v python3)}

find_python312() {
  if [ -n "${PYTHON312:-}" ]; then echo "$PYTHON312"; return; fi
  local c
  for c in "$(command -v python3.12 || true)" "$HOME"/.pyenv/versions/3.12*/bin/python; do
    if [ -n "$c" ] && [ -x "$c" ] && "$c" -c 'import sys; assert sys.version_info[:2] == (3, 12)' \
        2>/dev/null; then
      echo "$c"; return
    fi
  done
}

names=("$@")
[ ${#names[@]} -gt 0 ] || names=(onnxtf onnx2tf litert onnx2tf2)
for name in "${names[@]}"; do
  req=bench/peers/requirements-$name.txt
  venv=.venv-$name
  python=$PY
  if [ "$name" = onnx2tf2 ]; then
    python=$(find_python312)
    if [ -z "$python" ]; then
      echo "setup_peers: no Python 3.12 found (set PYTHON312): skipping $venv;" \
           "bench_tflite.py then uses onnx2tf 1.x from .venv-onnx2tf"
      continue
    fi
  fi
  stamp=$venv/.requirements.sha256
  want=$(sha256sum "$req" | cut -d' ' -f1)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "setup_peers: creating $venv with $python"
    # --clear: start empty, so packages of an older pin set cannot linger. venv refuses a
    # symlinked directory, so resolve it (the venvs may live outside the tree, symlinked in).
    mkdir -p "$(readlink -f $venv)"
    "$python" -m venv --clear "$(readlink -f $venv)"
    $venv/bin/python -m pip install -q --upgrade pip
    $venv/bin/python -m pip install -q -r "$req"
    echo "$want" > "$stamp"
  fi
done
