"""ONNX backend node tests through the float32 reference runner (`pt2tf run`).

Every case ends as pass or refused: when `pt2tf run` accepts a case (exit 0) its outputs must
match the case's expected outputs (dtype, shape; floats within 1e-4 * max(1, max|ref|),
integers and bools exactly). A refusal must be one line with exit 1. Cases listed in
runner_backend_expected.txt (the passes when it was last regenerated, with
PT2TF_UPDATE_EXPECTED=1) must still pass, so coverage cannot silently shrink.
"""
import concurrent.futures as futures
import os
import pathlib
import subprocess
import tempfile

import numpy as np

from conftest import PT2TF
from runner_harness import close_enough

EXPECTED = pathlib.Path(__file__).parent / "runner_backend_expected.txt"


def cases_dir():
    import onnx
    return pathlib.Path(onnx.__file__).parent / "backend" / "test" / "data" / "node"


def load_case(case_dir):
    """({input name: array}, [(output name, array)]) or None for non-tensor cases."""
    import onnx
    from onnx import numpy_helper

    data = case_dir / "test_data_set_0"
    graph = onnx.load(str(case_dir / "model.onnx"), load_external_data=False).graph
    if not data.is_dir() or any(v.type.WhichOneof("value") != "tensor_type"
                                for v in list(graph.input) + list(graph.output)):
        return None
    inits = {t.name for t in graph.initializer}
    feeds = [v.name for v in graph.input if v.name not in inits]

    def read(prefix, k):
        t = onnx.TensorProto()
        t.ParseFromString((data / f"{prefix}_{k}.pb").read_bytes())
        return numpy_helper.to_array(t)

    try:
        inputs = {name: read("input", k) for k, name in enumerate(feeds)}
        outputs = [(v.name, read("output", k)) for k, v in enumerate(graph.output)]
    except Exception:  # noqa: BLE001 - string/sequence/unreadable tensors are not for us
        return None
    for a in list(inputs.values()) + [a for _, a in outputs]:
        if a.dtype.kind not in "fiub":
            return None
    return inputs, outputs


def run_case(case_dir, work):
    io = load_case(case_dir)
    if io is None:
        return "skip", "not a tensors-only case"
    inputs, expected = io
    src, dst = work / f"{case_dir.name}.in.npz", work / f"{case_dir.name}.out.npz"
    np.savez(src, **inputs)
    try:
        proc = subprocess.run([str(PT2TF), "run", "-i", str(case_dir / "model.onnx"), "--inputs",
                               str(src), "-o", str(dst), "--threads", "1"],
                              capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        return "crash", "pt2tf timed out"
    finally:
        src.unlink()
    if proc.returncode == 1:
        lines = proc.stderr.strip().splitlines()
        if len(lines) != 1 or dst.exists():
            return "fail", f"refusal is not one clean line: {proc.stderr.strip()[:200]}"
        return "refused", lines[0]
    if proc.returncode != 0:
        return "crash", f"exit {proc.returncode}: {proc.stderr.strip()[:200]}"
    with np.load(dst) as z:
        got = {k: z[k] for k in z.files}
    dst.unlink()
    for name, ref in expected:
        if name not in got:
            return "fail", f"output {name} missing"
        problem = close_enough(got[name], ref)
        if problem:
            return "fail", f"{name}: {problem}"
    return "pass", ""


def run_all_cases():
    root = cases_dir()
    names = sorted(p.name for p in root.iterdir())
    with tempfile.TemporaryDirectory() as tmp, futures.ThreadPoolExecutor(2) as pool:
        work = pathlib.Path(tmp)
        outcomes = pool.map(lambda n: run_case(root / n, work), names)
        return dict(zip(names, outcomes))


# One test (not two sharing a fixture): under pytest -n 2 each worker would run every case.
def test_backend_cases(pt2tf_bin):
    results = run_all_cases()
    bad = {n: r for n, r in results.items() if r[0] in ("fail", "crash")}
    assert not bad, f"{len(bad)} cases:\n" + "\n".join(
        f"{n}: {o}: {d}" for n, (o, d) in sorted(bad.items()))
    passed = sorted(n for n, (o, _) in results.items() if o == "pass")
    if os.environ.get("PT2TF_UPDATE_EXPECTED"):
        EXPECTED.write_text("\n".join(passed) + "\n")
    expected = EXPECTED.read_text().split()
    lost = [n for n in expected if results.get(n, ("missing",))[0] != "pass"]
    assert not lost, f"{len(lost)} cases no longer pass: {lost[:20]}"
    # The hot ops calibration needs are among the passes (a guard against a list
    # regenerated while they were broken).
    for case in ["test_conv_with_strides_padding", "test_gemm_default_matrix_bias",
                 "test_batchnorm_example", "test_maxpool_2d_pads", "test_softmax_axis_1",
                 "test_layer_normalization_2d_axis1", "test_resize_upsample_scales_nearest",
                 "test_matmul_4d", "test_averagepool_2d_ceil", "test_gelu_default_1"]:
        assert results.get(case, ("missing",))[0] == "pass", (case, results.get(case))
