"""ONNX → pt2tf → ONNX on every ONNX backend node test case that ONNX Runtime can run.

Each case (onnx 1.22's onnx/backend/test/data/node/*) is converted with
`pt2tf convert -i model.onnx -o out.onnx --opset N` for N in OPSETS, the result is run in
ONNX Runtime on the case's inputs and compared with the case's reference outputs.

Outcomes per case and opset: pass; refused (pt2tf exit 1: something it does not support,
said in one line); fail (converted but wrong or unloadable: a defect); crash (any other exit).
Cases whose *original* model ONNX Runtime cannot run or gets wrong are left out.
onnx_roundtrip_expected.txt lists the case@opset pairs that passed; any of them not passing
now fails the suite. PT2TF_UPDATE_EXPECTED=1 adds newly passing pairs; removing one needs
PT2TF_UPDATE_EXPECTED=drop (ratchet.py).
"""
import concurrent.futures as futures
import os
import pathlib
import subprocess

import numpy as np
import onnx
import onnx.numpy_helper
import onnxruntime as ort
import pytest

import ratchet
from conftest import PT2TF, ROOT

CASES_DIR = pathlib.Path(onnx.__file__).parent / "backend" / "test" / "data" / "node"
EXPECTED = pathlib.Path(__file__).parent / "onnx_roundtrip_expected.txt"
OPSETS = (17, 21)
RTOL, ATOL = 1e-3, 1e-5
WORKERS = max(2, os.cpu_count() or 2)


def load_case_io(case_dir):
    """(inputs, outputs) as numpy arrays, or None when the case is not tensors-only."""
    data = case_dir / "test_data_set_0"
    graph = onnx.load(str(case_dir / "model.onnx"), load_external_data=False).graph
    if not data.is_dir() or any(v.type.WhichOneof("value") != "tensor_type"
                                for v in list(graph.input) + list(graph.output)):
        return None

    def read(prefix):
        arrays = []
        for i in range(len(list(data.glob(f"{prefix}_*.pb")))):
            tensor = onnx.TensorProto()
            tensor.ParseFromString((data / f"{prefix}_{i}.pb").read_bytes())
            arrays.append(onnx.numpy_helper.to_array(tensor))
        return arrays

    inputs, outputs = read("input"), read("output")
    if inputs is None or outputs is None:
        return None
    return inputs, outputs


def session(path):
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 4
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


def run_model(path, inputs):
    sess = session(path)
    names = [i.name for i in sess.get_inputs()]
    if len(names) != len(inputs):
        raise RuntimeError(f"model has {len(names)} inputs, case has {len(inputs)}")
    return sess.run(None, dict(zip(names, inputs)))


def mismatch(actual, expected):
    """None when the outputs agree, else a short reason."""
    if len(actual) != len(expected):
        return f"{len(actual)} outputs, expected {len(expected)}"
    for i, (a, e) in enumerate(zip(actual, expected)):
        a, e = np.asarray(a), np.asarray(e)
        if a.shape != e.shape:
            return f"output {i}: shape {a.shape}, expected {e.shape}"
        if a.dtype != e.dtype:
            return f"output {i}: dtype {a.dtype}, expected {e.dtype}"
        if e.dtype.kind in "fc":
            if not np.allclose(a, e, rtol=RTOL, atol=ATOL, equal_nan=True):
                return f"output {i}: max |diff| {np.nanmax(np.abs(a - e))}"
        elif e.dtype.kind == "O":
            if not (a == e).all():
                return f"output {i}: values differ"
        elif not np.array_equal(a, e):
            return f"output {i}: values differ"
    return None


def reference_ok(case_dir):
    """The case's io when ONNX Runtime runs the original model correctly, else None."""
    io = load_case_io(case_dir)
    if io is None:
        return None
    try:
        got = run_model(case_dir / "model.onnx", io[0])
    except Exception:  # noqa: BLE001 - ORT cannot run it: not a usable case
        return None
    return io if mismatch(got, io[1]) is None else None


def convert_and_check(case_dir, io, opset, out_dir):
    out = out_dir / f"{case_dir.name}@{opset}.onnx"
    proc = subprocess.run([str(PT2TF), "convert", "-q", "-i", str(case_dir / "model.onnx"),
                           "-o", str(out), "--opset", str(opset)],
                          capture_output=True, text=True, timeout=120)
    if proc.returncode == 1:
        if out.exists():
            return "fail", "exit 1 but the output file exists"
        lines = proc.stderr.strip().splitlines()
        if len(lines) != 1 or not lines[0].startswith("pt2tf: error: "):
            return "fail", f"error is not one line: {proc.stderr!r}"
        return "refused", lines[0]
    if proc.returncode != 0:
        return "crash", f"exit {proc.returncode}: {proc.stderr.strip()[:300]}"
    try:
        model = onnx.load(str(out))
        onnx.checker.check_model(model)
        if model.opset_import[0].version != opset:
            return "fail", f"wrote opset {model.opset_import[0].version}"
        got = run_model(out, io[0])
    except Exception as e:  # noqa: BLE001
        return "fail", f"{type(e).__name__}: {str(e).splitlines()[0][:300]}"
    reason = mismatch(got, io[1])
    return ("fail", reason) if reason else ("pass", "")


def run_all_cases(out_dir, opsets=OPSETS):
    """{(case, opset): (outcome, detail)} for every case ORT runs correctly."""
    cases = sorted(p for p in CASES_DIR.iterdir() if (p / "model.onnx").exists())
    with futures.ThreadPoolExecutor(WORKERS) as pool:
        refs = dict(zip(cases, pool.map(reference_ok, cases)))
        jobs = {(c.name, opset): pool.submit(convert_and_check, c, io, opset, out_dir)
                for c, io in refs.items() if io is not None for opset in opsets}
        return {key: job.result() for key, job in jobs.items()}


def test_cases_exist():
    assert len(list(CASES_DIR.iterdir())) >= 1750, CASES_DIR  # onnx 1.22 has 1765


# One test, so that under pytest-xdist a single worker runs the (internally parallel) batch.
def test_backend_node_cases_roundtrip(pt2tf_bin, tmp_path):
    results = run_all_cases(tmp_path)
    summary = {}
    for outcome, _ in results.values():
        summary[outcome] = summary.get(outcome, 0) + 1
    print(f"\nper case@opset: {summary}")

    bad = {f"{case}@{opset}": f"{outcome}: {why}"
           for (case, opset), (outcome, why) in results.items() if outcome in ("fail", "crash")}
    assert not bad, f"{len(bad)} wrong or crashed:\n" + "\n".join(
        f"{k}: {v}" for k, v in sorted(bad.items()))

    passing = sorted(f"{case}@{opset}" for (case, opset), (outcome, _) in results.items()
                     if outcome == "pass")
    details = {f"{c}@{o}": f"{outcome}: {why}" for (c, o), (outcome, why) in results.items()}
    ratchet.check(EXPECTED, passing,
                  lambda k: details.get(k, "no longer runnable by ONNX Runtime"))


if __name__ == "__main__":  # developer aid: print every refusal, grouped by message
    import collections
    import re
    import sys
    import tempfile
    opsets = [int(a) for a in sys.argv[1:]] or list(OPSETS)
    with tempfile.TemporaryDirectory() as tmp:
        results = run_all_cases(pathlib.Path(tmp), opsets)
        groups = collections.defaultdict(list)
        for (case, opset), (outcome, why) in results.items():
            if outcome != "pass":
                key = re.sub(r"'[^']*'", "'…'", why.replace("pt2tf: error: ", ""))
                key = re.sub(r"^\S*\.onnx: ", "", key)
                groups[f"{outcome}: {key}"].append(f"{case}@{opset}")
    for key, items in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        print(f"{len(items):4d} {key[:200]}\n     e.g. {' '.join(items[:4])}")
