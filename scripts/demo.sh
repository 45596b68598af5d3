#!/usr/bin/env bash
# The README's demo: pt2tf on the bundled CivilNet example checkpoint.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${PT2TF:-build/pt2tf}
mkdir -p out

echo "== pt2tf inspect examples/civilnet.pth"
"$BIN" inspect examples/civilnet.pth
echo
echo "== pt2tf convert: the CivilNet state_dict to ONNX and a TensorFlow frozen graph"
"$BIN" convert -i examples/civilnet.pth --model civilnet -o out/civilnet.onnx -o out/civilnet.pb
echo
echo "== the whole pickled model picks its own architecture (no --model)"
"$BIN" convert -i examples/civilnet_model.pth -o out/civilnet_model.pb

if [ -x .venv/bin/python ]; then
  echo
  echo "== run out/civilnet.pb in TensorFlow and compare with PyTorch"
  TF_CPP_MIN_LOG_LEVEL=3 .venv/bin/python examples/run_in_tensorflow.py \
    examples/civilnet.pth out/civilnet.pb 2>/dev/null
else
  echo
  echo "(make test creates .venv/; the demo then also runs the .pb in TensorFlow)"
fi
