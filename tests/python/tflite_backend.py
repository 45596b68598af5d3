"""Runs the ONNX backend node test cases through pt2tf's TFLite writer.

Each case (onnx 1.22's onnx/backend/test/data/node/*) is converted with
`pt2tf convert -i model.onnx -o case.tflite`, loaded in the LiteRT interpreter
(ai-edge-litert, default op resolver: XNNPACK on) and run on the case's inputs; the outputs
are compared with the case's reference outputs (rtol 1e-3, atol 1e-5), as tf_backend.py does
for the .pb. Outcomes:
  pass     the outputs agree;
  refused  pt2tf exit 1 with a one-line reason (an op TFLite's builtins cannot express here);
  fail     converted, but the interpreter rejects the file or computes something else (a defect);
  crash    pt2tf died, or the interpreter killed the process running the model (a defect).

  python tests/python/tflite_backend.py [--filter SUBSTR] [--jobs N] [--json OUT]
                                        [--precision fp16]
"""
import argparse
import collections
import json
import os
import pathlib
import subprocess
import sys
import tempfile

import tf_backend
from tf_backend import PT2TF, cases_dir, load_case_io, mismatch


def read_output(interp, detail):
    """The output's value. The Python binding's get_tensor raises on a tensor with no elements
    (the interpreter itself runs such models): an output the interpreter sized to zero
    elements is read as an empty array of the shape and type it reports."""
    import numpy as np

    try:
        return interp.get_tensor(detail["index"])
    except ValueError:
        shape = [int(d) for d in detail["shape"]]  # read after invoke: the run-time shape
        if 0 not in shape:
            raise
        return np.empty(shape, dtype=detail["dtype"])


def mismatch_fp16(got, expected):
    """As tf_backend.mismatch, with the issue's fp16 bound for float outputs: float16 weights
    give max|diff| <= 1e-2 * max(1, max|ref|)."""
    import numpy as np

    why = mismatch(got, expected)
    if why is None or len(got) != len(expected):
        return why
    for i, (a, e) in enumerate(zip(got, expected)):
        a, e = np.asarray(a), np.asarray(e)
        if a.shape != e.shape or a.dtype != e.dtype:
            return mismatch([a], [e])
        if e.dtype.kind == "f":
            a64, e64 = a.astype(np.float64), e.astype(np.float64)
            finite = np.isfinite(e64)
            if not np.array_equal(np.isnan(a64), np.isnan(e64)) or \
                    not np.array_equal(a64[~finite & ~np.isnan(e64)], e64[~finite & ~np.isnan(e64)]):
                return f"output {i}: non-finite values differ"
            bound = 1e-2 * max(1.0, float(np.abs(e64[finite]).max(initial=0)))
            diff = float(np.abs(a64[finite] - e64[finite]).max(initial=0))
            if diff > bound:
                return f"output {i}: max|diff| {diff} > {bound} (fp16)"
        elif mismatch([a], [e]):
            return f"output {i}: {mismatch([a], [e])}"
    return None


def run_case(case_dir, work, precision="fp32"):
    """(outcome, detail) for one case; runs the interpreter in this process. Under
    precision "fp16" the file is written with `--precision fp16` and compared at the fp16
    bound."""
    io = load_case_io(case_dir)
    if io is None:
        return "skip", "not a tensors-only case"
    inputs, expected = io
    out = work / f"{case_dir.name}.tflite"
    try:
        extra = ["--precision", "fp16"] if precision == "fp16" else []
        proc = subprocess.run([str(PT2TF), "convert", "-i", str(case_dir / "model.onnx"), "-o",
                               str(out)] + extra, capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        return "crash", "pt2tf timed out"
    if proc.returncode == 1:
        if out.exists():
            out.unlink()
            return "fail", "the refusal left an output file behind"
        lines = proc.stderr.strip().splitlines()
        if len(lines) != 1:
            return "fail", f"refusal is not one line: {proc.stderr.strip()[:200]}"
        return "refused", lines[0].replace(str(out) + ": ", "")
    if proc.returncode != 0:
        return "crash", f"pt2tf exit {proc.returncode}: {proc.stderr.strip()[:200]}"
    from ai_edge_litert.interpreter import Interpreter

    try:
        interp = Interpreter(model_path=str(out), num_threads=1)
        interp.allocate_tensors()
        details = interp.get_input_details()
        if len(details) != len(inputs):
            return "fail", f"{len(details)} inputs, expected {len(inputs)}"
        for d, x in zip(details, inputs):
            interp.set_tensor(d["index"], x)
        interp.invoke()
        got = [read_output(interp, d) for d in interp.get_output_details()]
    except Exception as e:  # the interpreter reports bad files as exceptions: a defect of ours
        return "fail", f"LiteRT: {type(e).__name__}: {str(e).splitlines()[0][:200]}"
    finally:
        out.unlink(missing_ok=True)
    why = mismatch_fp16(got, expected) if precision == "fp16" else mismatch(got, expected)
    return ("fail", why) if why else ("pass", "")


def worker():
    """Reads case names from stdin, prints one JSON result line per case."""
    root = cases_dir()
    precision = os.environ.get(PRECISION_ENV, "fp32")
    with tempfile.TemporaryDirectory() as tmp:
        for line in sys.stdin:
            name = line.strip()
            if not name:
                continue
            outcome, detail = run_case(root / name, pathlib.Path(tmp), precision)
            print(json.dumps({"case": name, "outcome": outcome, "detail": detail}), flush=True)


EXPECTED = pathlib.Path(__file__).parent / "tflite_backend_expected.txt"


def update_docs(path, passed=None):
    """Adds (or refreshes) the TFLite column of docs/OPERATORS.md's per-op table: the cases
    of each op that pass through the TFLite writer (`passed`, default: the ratchet list, which
    a run wrote). The TensorFlow columns stay as tf_backend.py wrote them."""
    if passed is None:
        passed = set(EXPECTED.read_text().split()) if EXPECTED.exists() else set()
    per_op = collections.Counter(tf_backend.case_operator(n) for n in passed)
    lines = pathlib.Path(path).read_text().splitlines()
    out = []
    in_table_section = True  # the per-op section ends at the next "## " heading
    skip_blank = False
    for line in lines:
        if line.startswith("## "):
            in_table_section = False
        if skip_blank:
            skip_blank = False
            if not line.strip():
                continue
        if in_table_section:
            if line.startswith("| op | passed |"):
                line = "| op | passed | refused | failed | crashed | TFLite passed |"
            elif line.startswith("|---|"):
                line = "|---|---:|---:|---:|---:|---:|"
            elif line.startswith("| ") and line.count("|") >= 6:
                cells = [c.strip() for c in line.strip("|").split("|")][:5]
                line = "| " + " | ".join(cells + [str(per_op.get(cells[0], 0))]) + " |"
            elif line.startswith("TFLite:"):
                skip_blank = True  # the line and the blank line after it are rewritten
                continue
        out.append(line)
        if in_table_section and line.startswith("Total:"):
            out += ["", f"TFLite: {len(passed)} passed through the `.tflite` writer in the LiteRT "
                    "interpreter (XNNPACK on; tests/python/tflite_backend.py), 0 failed, 0 crashed, "
                    "each also with `--precision fp16` (float16 weights, compared at 1e-2 x "
                    "max(1, max|ref|)); the rest refused with a one-line reason."]
    pathlib.Path(path).write_text("\n".join(out) + "\n")


PRECISION_ENV = "PT2TF_TFLITE_BACKEND_PRECISION"  # how run_all tells its workers


def run_all(names, jobs=2, precision="fp32"):
    old = os.environ.get(PRECISION_ENV)
    os.environ[PRECISION_ENV] = precision
    try:
        return tf_backend.run_all(names, jobs, script=__file__)
    finally:
        if old is None:
            os.environ.pop(PRECISION_ENV)
        else:
            os.environ[PRECISION_ENV] = old


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--worker", action="store_true")
    parser.add_argument("--filter", default="")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--json")
    parser.add_argument("--precision", choices=["fp32", "fp16"], default="fp32")
    parser.add_argument("--write-docs", action="store_true",
                        help="refresh the TFLite column of docs/OPERATORS.md from this run")
    args = parser.parse_args()
    if args.worker:
        worker()
        return
    names = sorted(p.name for p in cases_dir().iterdir() if args.filter in p.name)
    results = run_all(names, args.jobs, args.precision)
    counts = collections.Counter(o for o, _ in results.values())
    for name in sorted(results):
        outcome, detail = results[name]
        if outcome in ("fail", "crash"):
            print(f"{outcome.upper()} {name}: {detail}")
    print(dict(counts))
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(results, indent=1, sort_keys=True))
    if args.write_docs:
        update_docs(tf_backend.ROOT / "docs" / "OPERATORS.md",
                    {n for n, (o, _) in results.items() if o == "pass"})


if __name__ == "__main__":
    main()
