#!/usr/bin/env bash
# Creates the peers' virtualenvs for the benchmarks (not needed for building or testing):
#   .venv-onnxtf   the classic pipeline: torch.onnx.export + onnx-tf (TensorFlow 2.15)
#   .venv-onnx2tf  onnx2tf, the newest release that installs on Python 3.11
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-$(command -v python3.11 || command -v python3)}
for name in onnxtf onnx2tf; do
  req=bench/peers/requirements-$name.txt
  venv=.venv-$name
  stamp=$venv/.requirements.sha256
  want=$(sha256sum "$req" | cut -d' ' -f1)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "setup_peers: creating $venv"
    # --clear: start empty, so packages of an older pin set cannot linger. venv refuses a
    # symlinked directory, so resolve it (the venvs may live outside the tree, symlinked in).
    "$PY" -m venv --clear "$(readlink -f $venv)"
    $venv/bin/python -m pip install -q --upgrade pip
    $venv/bin/python -m pip install -q -r "$req"
    echo "$want" > "$stamp"
  fi
done
