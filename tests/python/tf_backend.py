"""Runs the ONNX backend node test cases through pt2tf's TensorFlow writer.

Each case (onnx 1.22's onnx/backend/test/data/node/*) is converted with
`pt2tf convert -i model.onnx -o case.pb`, imported into TensorFlow (CPU) and run on the
case's inputs; the outputs are compared with the case's reference outputs
(rtol 1e-3, atol 1e-5; float16 outputs at rtol 2e-3, atol 1e-3). Outcomes:
  pass     the outputs agree;
  refused  pt2tf exit 1 with one `pt2tf: error: <reason>` line (an op or attribute it does
           not convert) and no output file;
  fail     converted, but TensorFlow rejects the graph or computes something else (a defect);
  crash    pt2tf died, or TensorFlow killed the process running the graph (a defect).
TensorFlow runs in worker processes so that a TF abort marks one case and the run goes on.

  python tests/python/tf_backend.py [--filter SUBSTR] [--jobs N] [--write-docs] [--json OUT]
"""
import argparse
import collections
import json
import os
import pathlib
import subprocess
import sys
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

ROOT = pathlib.Path(__file__).resolve().parents[2]
PT2TF = pathlib.Path(os.environ.get("PT2TF", ROOT / "build" / "pt2tf"))
RTOL, ATOL = 1e-3, 1e-5
FP16_RTOL, FP16_ATOL = 2e-3, 1e-3


def cases_dir():
    import onnx
    return pathlib.Path(onnx.__file__).parent / "backend" / "test" / "data" / "node"


def load_case_io(case_dir):
    """(inputs, outputs) as numpy arrays, or None when the case is not tensors-only."""
    import onnx
    import onnx.numpy_helper

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

    return read("input"), read("output")


def case_operator(name, _ops=[]):
    """The ONNX operator a case is named after ("test_layer_normalization_2d" ->
    "LayerNormalization"), with " (expanded)" for its function-body variant."""
    import onnx
    import onnx.defs

    if not _ops:
        _ops.extend(sorted({s.name for s in onnx.defs.get_all_schemas_with_history()}))
    stem = name[len("test_"):].replace("_expanded", "")
    flat = stem.replace("_", "").lower()
    best = max((op for op in _ops if flat.startswith(op.lower())), key=len, default=None)
    if best is None:  # e.g. test_basic_conv_with_padding: name it after its only op
        graph = onnx.load(str(cases_dir() / name / "model.onnx"), load_external_data=False).graph
        ops = sorted({n.op_type for n in graph.node})
        best = ops[0] if len(ops) == 1 else stem
    return best + (" (expanded)" if "_expanded" in name else "")


def mismatch(actual, expected):
    import numpy as np

    if len(actual) != len(expected):
        return f"{len(actual)} outputs, expected {len(expected)}"
    for i, (a, e) in enumerate(zip(actual, expected)):
        a, e = np.asarray(a), np.asarray(e)
        if a.shape != e.shape:
            return f"output {i}: shape {a.shape}, expected {e.shape}"
        if a.dtype != e.dtype:
            return f"output {i}: dtype {a.dtype}, expected {e.dtype}"
        if "float" in str(e.dtype) and e.dtype.kind not in "fc":  # bfloat16, float8 (ml_dtypes)
            a, e = a.astype(np.float32), e.astype(np.float32)
        if e.dtype.kind in "fc":
            # float16 results are compared at float16 precision (a couple of its ulps, 2^-10
            # relative): the reference rounds every step of an expanded function to half while
            # TF's kernels may keep float32 intermediates, so one step of rounding differs.
            rtol, atol = (FP16_RTOL, FP16_ATOL) if e.dtype == np.float16 else (RTOL, ATOL)
            if not np.allclose(a, e, rtol=rtol, atol=atol, equal_nan=True):
                return f"output {i}: max|diff| {float(np.nanmax(np.abs(a - e)))}"
        elif not np.array_equal(a, e):
            return f"output {i}: values differ"
    return None


def refusal(stderr, output):
    """("refused", reason) for a well-formed refusal: exactly one line in the form
    `pt2tf: error: ...` and no output left behind; otherwise ("fail", why)."""
    if output.exists():
        return "fail", f"exit 1 but {output.name} was left behind"
    lines = stderr.strip().splitlines()
    if len(lines) != 1 or not lines[0].startswith("pt2tf: error: "):
        return "fail", f"refusal is not one `pt2tf: error:` line: {stderr.strip()[:200]!r}"
    return "refused", lines[0][len("pt2tf: error: "):].replace(str(output) + ": ", "")


def run_case(case_dir, work):
    """(outcome, detail) for one case; runs TensorFlow in this process."""
    io = load_case_io(case_dir)
    if io is None:
        return "skip", "not a tensors-only case"
    inputs, expected = io
    pb = work / f"{case_dir.name}.pb"
    try:
        proc = subprocess.run([str(PT2TF), "convert", "-i", str(case_dir / "model.onnx"), "-o",
                               str(pb)], capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        return "crash", "pt2tf timed out"
    if proc.returncode == 1:
        return refusal(proc.stderr, pb)
    if proc.returncode != 0:
        return "crash", f"pt2tf exit {proc.returncode}: {proc.stderr.strip()[:200]}"
    import tensorflow as tf

    try:
        gd = tf.compat.v1.GraphDef()
        gd.ParseFromString(pb.read_bytes())
        placeholders = [n.name for n in gd.node if n.op == "Placeholder"]
        outputs = [n.name for n in gd.node[-len(expected):]] if expected else []
        graph = tf.Graph()
        with graph.as_default():
            tf.import_graph_def(gd, name="")
        with tf.compat.v1.Session(graph=graph) as sess:
            got = sess.run([f"{o}:0" for o in outputs],
                           {f"{p}:0": x for p, x in zip(placeholders, inputs)})
    except Exception as e:  # TF reports graph errors as exceptions: a defect of ours
        return "fail", f"TensorFlow: {type(e).__name__}: {str(e).splitlines()[0][:200]}"
    finally:
        pb.unlink(missing_ok=True)
    why = mismatch(got, expected)
    return ("fail", why) if why else ("pass", "")


def worker():
    """Reads case names from stdin, prints one JSON result line per case."""
    root = cases_dir()
    with tempfile.TemporaryDirectory() as tmp:
        for line in sys.stdin:
            name = line.strip()
            if not name:
                continue
            outcome, detail = run_case(root / name, pathlib.Path(tmp))
            print(json.dumps({"case": name, "outcome": outcome, "detail": detail}), flush=True)


def run_all(names, jobs=2, script=__file__):
    """{case: (outcome, detail)}; each of `jobs` workers (`script --worker`) gets a share,
    restarted after a crash."""
    import concurrent.futures as futures

    def drive(share):
        results = {}
        pending = list(share)
        while pending:
            proc = subprocess.Popen([sys.executable, script, "--worker"], stdin=subprocess.PIPE,
                                    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            proc.stdin.write("\n".join(pending) + "\n")
            proc.stdin.close()
            for line in proc.stdout:
                if line.startswith("{"):
                    r = json.loads(line)
                    results[r["case"]] = (r["outcome"], r["detail"])
            proc.wait()
            pending = [n for n in pending if n not in results]
            if pending:  # the worker died on pending[0]
                results[pending[0]] = ("crash", f"the runner process died (exit {proc.returncode})")
                pending = pending[1:]
        return results

    shares = [names[i::jobs] for i in range(jobs)]
    out = {}
    with futures.ThreadPoolExecutor(jobs) as pool:
        for r in pool.map(drive, shares):
            out.update(r)
    return out


def write_docs(results, path):
    per_op = collections.defaultdict(collections.Counter)
    for name, (outcome, _) in results.items():
        if outcome == "skip":
            continue
        per_op[case_operator(name)][outcome] += 1
    totals = collections.Counter(o for o, _ in results.values() if o != "skip")
    old = pathlib.Path(path).read_text() if pathlib.Path(path).exists() else ""
    # The hand-written notes between the totals and the table (control flow, functions,
    # Slice; the TFLite line is rewritten by tflite_backend.update_docs) are kept as they are.
    old_lines = old.splitlines()
    starts = [i for i, line in enumerate(old_lines) if line.startswith("Total:")]
    tables = [i for i, line in enumerate(old_lines) if line.startswith("| op |")]
    notes = old_lines[starts[0] + 1:tables[0]] if starts and tables and starts[0] < tables[0] else []
    notes = [line for line in notes if not line.startswith("TFLite:")]
    while notes and not notes[0].strip():
        notes.pop(0)
    while notes and not notes[-1].strip():
        notes.pop()
    lines = [
        "# Operators: ONNX backend node tests through the TensorFlow writer",
        "",
        "Generated by `python tests/python/tf_backend.py --write-docs` (onnx 1.22 backend node",
        "cases, converted to a frozen `.pb`, run in TensorFlow 2.21 CPU, compared at rtol 1e-3,",
        "atol 1e-5). *refused* means pt2tf declined the case with a one-line reason; *fail* and",
        "*crash* would be defects.",
        "",
        f"Total: {totals['pass']} passed, {totals['refused']} refused, {totals['fail']} failed, "
        f"{totals['crash']} crashed.",
        "",
        *([*notes, ""] if notes else []),
        "| op | passed | refused | failed | crashed |",
        "|---|---:|---:|---:|---:|",
    ]
    for op in sorted(per_op):
        c = per_op[op]
        lines.append(f"| {op} | {c['pass']} | {c['refused']} | {c['fail']} | {c['crash']} |")
    # The ATen section (tests/python/pt2_ops_doc.py) has its own generator: keep it.
    aten = old[old.find("## ATen ops"):] if "## ATen ops" in old else ""
    pathlib.Path(path).write_text("\n".join(lines) + "\n" + ("\n" + aten if aten else ""))
    import tflite_backend  # the TFLite column, from its ratchet list

    tflite_backend.update_docs(path)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--worker", action="store_true")
    parser.add_argument("--filter", default="")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--write-docs", action="store_true")
    parser.add_argument("--json")
    args = parser.parse_args()
    if args.worker:
        worker()
        return
    names = sorted(p.name for p in cases_dir().iterdir() if args.filter in p.name)
    results = run_all(names, args.jobs)
    counts = collections.Counter(o for o, _ in results.values())
    for name in sorted(results):
        outcome, detail = results[name]
        if outcome in ("fail", "crash"):
            print(f"{outcome.upper()} {name}: {detail}")
    print(dict(counts))
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(results, indent=1, sort_keys=True))
    if args.write_docs:
        write_docs(results, ROOT / "docs" / "OPERATORS.md")


if __name__ == "__main__":
    main()
