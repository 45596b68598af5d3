"""Helpers for the float32 reference runner tests: `pt2tf run` on arrays, ONNX Runtime as the
reference, and the tolerance every comparison uses: max|diff| <= 1e-4 * max(1, max|ref|)
(2e-3 for float16 references, which round every step to half precision)."""
import pathlib

import numpy as np

from conftest import run_pt2tf

RTOL = 1e-4


def run_runner(model, inputs, tmp_path, *extra):
    """`pt2tf run` of `model` on {input name: array}; returns {output name: array}."""
    tmp_path = pathlib.Path(tmp_path)
    src = tmp_path / "inputs.npz"
    dst = tmp_path / "outputs.npz"
    np.savez(src, **inputs)
    run_pt2tf("run", "-i", model, "--inputs", src, "-o", dst, "--threads", "1", *extra)
    with np.load(dst) as z:
        out = {k: z[k] for k in z.files}
    src.unlink()
    dst.unlink()
    return out


def run_ort(path, inputs, outputs=None):
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    names = outputs or [o.name for o in session.get_outputs()]
    return dict(zip(names, session.run(names, inputs)))


def close_enough(got, ref):
    """None when `got` matches `ref` (dtype, shape, values), else what differs."""
    if got.shape != ref.shape:
        return f"shape {got.shape} != reference {ref.shape}"
    if ref.dtype.kind in "fc":
        if got.dtype.kind != "f":
            return f"dtype {got.dtype} != reference {ref.dtype}"
        g, r = got.astype(np.float64), ref.astype(np.float64)
        if not np.array_equal(np.isnan(g), np.isnan(r)):
            return "NaN in different places"
        finite = ~np.isnan(r)
        if not np.array_equal(np.isinf(g[finite]), np.isinf(r[finite])) or not np.array_equal(
                g[np.isinf(r)], r[np.isinf(r)]):
            return "infinities differ"
        ok = finite & ~np.isinf(r)
        if not ok.any():
            return None
        diff = float(np.max(np.abs(g[ok] - r[ok])))
        # A float16 reference rounds every step to 11 bits; the runner computes in float32.
        rtol = 2e-3 if ref.dtype == np.float16 else RTOL
        tol = rtol * max(1.0, float(np.max(np.abs(r[ok]))))
        return None if diff <= tol else f"max|diff| {diff:.3g} > tolerance {tol:.3g}"
    if got.dtype != ref.dtype and not (got.dtype.kind == ref.dtype.kind == "b"):
        return f"dtype {got.dtype} != reference {ref.dtype}"
    return None if np.array_equal(got, ref) else "values differ"


def assert_close(got, ref, what):
    problem = close_enough(got, ref)
    assert problem is None, f"{what}: {problem}"
