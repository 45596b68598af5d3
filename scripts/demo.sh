#!/usr/bin/env bash
# The README's demo: pt2tf on the bundled CivilNet example checkpoint.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${PT2TF:-build/pt2tf}
echo "== pt2tf inspect examples/civilnet.pth"
"$BIN" inspect examples/civilnet.pth
echo
echo "== pt2tf inspect examples/civilnet_model.pth (whole pickled model)"
"$BIN" inspect examples/civilnet_model.pth
