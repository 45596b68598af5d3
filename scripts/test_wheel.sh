#!/usr/bin/env bash
# The Python package as a user gets it (issue #12): build the wheel with `pip wheel .`
# (scikit-build-core from PyPI, the C++ build of scripts/setup.sh), install it into an empty
# directory, and from there, with no PT2TF_BINARY and no build/ on any path, check that
#   - `import pt2tf` is the installed copy and runs the executable bundled in the wheel;
#   - pt2tf.convert(module, ...) writes .onnx/.pb/.tflite that match PyTorch eager in ONNX
#     Runtime, TensorFlow and the LiteRT interpreter (within 1e-4 * max(1, max|ref|)).
# Not in `make test` (a full native build, minutes): `make test-wheel`. Uses .venv's PyTorch.
set -euo pipefail
cd "$(dirname "$0")/.."
py=.venv/bin/python
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ccache=$(command -v ccache || true)
# A fixed build dir under build-wheel/ keeps rebuilds incremental.
"$py" -m pip wheel . --no-deps -w "$work/dist" -q \
  -C build-dir=build-wheel ${ccache:+-C cmake.define.CMAKE_CXX_COMPILER_LAUNCHER=$ccache}
wheel=$(ls "$work"/dist/pt2tf-*.whl)
echo "test-wheel: built $(basename "$wheel") ($(du -h "$wheel" | cut -f1))"
"$py" -m pip install --no-deps -q --target "$work/site" "$wheel"
cd "$work"  # nothing of the source tree on sys.path
env -u PT2TF_BINARY PATH=/usr/bin:/bin PYTHONPATH="$work/site" "$OLDPWD/$py" - <<'PY'
import pathlib, sys
import numpy as np
import torch
import pt2tf

where = pathlib.Path(pt2tf.__file__).resolve()
assert "site" in where.parts, f"pt2tf imported from {where}, not the installed wheel"
binary = pathlib.Path(pt2tf.binary_path()).resolve()
assert binary == where.parent / "bin" / "pt2tf", f"runs {binary}, not the bundled executable"

torch.manual_seed(0)
model = torch.nn.Sequential(
    torch.nn.Conv2d(3, 8, 3, padding=1), torch.nn.BatchNorm2d(8), torch.nn.ReLU(),
    torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Linear(8, 5)).eval()
with torch.no_grad():
    model[1].running_mean.uniform_(-1, 1)
    model[1].running_var.uniform_(0.5, 2)
x = torch.randn(2, 3, 16, 16)
ref = model(x).detach().numpy()
out = pathlib.Path("out")
out.mkdir()
summary = pt2tf.convert(model, (x,), outputs=[out / "m.onnx", out / "m.pb", out / "m.tflite"])
assert [pathlib.Path(f["path"]).name for f in summary.files] == ["m.onnx", "m.pb", "m.tflite"]
tol = 1e-4 * max(1.0, float(np.abs(ref).max()))

import onnxruntime as ort
sess = ort.InferenceSession(str(out / "m.onnx"))
got = sess.run(None, {sess.get_inputs()[0].name: x.numpy()})[0]
d_onnx = float(np.abs(got - ref).max())

from ai_edge_litert.interpreter import Interpreter
interp = Interpreter(model_path=str(out / "m.tflite"))
interp.allocate_tensors()
inp = interp.get_input_details()[0]
interp.set_tensor(inp["index"], x.numpy())
interp.invoke()
d_tflite = float(np.abs(interp.get_tensor(interp.get_output_details()[0]["index"]) - ref).max())

import tensorflow as tf
gd = tf.compat.v1.GraphDef()
gd.ParseFromString((out / "m.pb").read_bytes())
graph = tf.Graph()
with graph.as_default():
    tf.import_graph_def(gd, name="")
with tf.compat.v1.Session(graph=graph) as sess:
    got = sess.run(summary.outputs[0]["name"] + ":0", {summary.inputs[0]["name"] + ":0": x.numpy()})
d_tf = float(np.abs(got - ref).max())
print(f"test-wheel: {where.parent} runs {binary.name}; max|diff| onnx {d_onnx:.2e}, "
      f"tflite {d_tflite:.2e}, tf {d_tf:.2e} (tolerance {tol:.2e})")
assert max(d_onnx, d_tflite, d_tf) <= tol, "outputs differ from PyTorch eager"
PY
echo "test-wheel: ok"
