"""The ONNX backend node cases that pass in TensorFlow (tf_backend_expected.txt), through
TensorFlow's own TFLite route: `pt2tf convert -o case_saved/`, TFLiteConverter (builtin
operators only), the LiteRT interpreter, compared with the case's outputs like tf_backend.py.

Outcomes per case:
  pass      converted and the outputs agree;
  refused   the converter refused; the TF ops it named are counted (the point of the run:
            ops pt2tf emits that have no builtin lowering);
  fail      converted, but the interpreter rejects the file or computes something else;
  crash     the converter or interpreter killed the worker.

  python tests/python/tflite_route_backend.py [--filter SUBSTR] [--jobs N] [--json OUT]
"""
import argparse
import collections
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(pathlib.Path(__file__).parent))

import tf_backend  # noqa: E402
import tflite_route  # noqa: E402

EXPECTED = pathlib.Path(__file__).parent / "tf_backend_expected.txt"


def run_case(case_dir, work):
    import onnx

    io = tf_backend.load_case_io(case_dir)
    if io is None:
        return "skip", "not a tensors-only case", []
    inputs, expected = io
    saved = work / f"{case_dir.name}_saved"
    tfl = work / f"{case_dir.name}.tflite"
    try:
        proc = subprocess.run([str(tf_backend.PT2TF), "convert", "-i",
                               str(case_dir / "model.onnx"), "-o", f"{saved}/"],
                              capture_output=True, text=True, timeout=120)
        if proc.returncode != 0:
            return "pt2tf", proc.stderr.strip()[:200], []
        reply = tflite_route._convert(str(saved), str(tfl))
        if "refused" in reply:
            return "refused", reply["message"], reply["refused"]
        graph = onnx.load(str(case_dir / "model.onnx"), load_external_data=False).graph
        runner = tflite_route.interpreter(tfl, 1).get_signature_runner("serving_default")
        keys = list(runner.get_input_details())
        names = [i.name for i in graph.input]
        feeds = {}
        for name, x in zip(names, inputs):
            key = name if name in keys else next((k for k in keys if k.endswith(name)), None)
            if key is None:
                return "fail", f"no signature input for {name} in {keys}", []
            feeds[key] = x
        got = runner(**feeds)
        outs = [o.name for o in graph.output]
        out_keys = list(runner.get_output_details())
        ordered = []
        for name in outs:
            key = name if name in got else next((k for k in out_keys if k.endswith(name)), None)
            if key is None:
                return "fail", f"no signature output for {name} in {out_keys}", []
            ordered.append(got[key])
    except Exception as e:  # the interpreter rejects the file: a defect of the route
        return "fail", f"{type(e).__name__}: {str(e).splitlines()[0][:200] if str(e) else ''}", []
    finally:
        shutil.rmtree(saved, ignore_errors=True)
        tfl.unlink(missing_ok=True)
    why = tf_backend.mismatch(ordered, expected)
    return ("fail", why, []) if why else ("pass", "", [])


def worker():
    root = tf_backend.cases_dir()
    with tempfile.TemporaryDirectory() as tmp:
        for line in sys.stdin:
            name = line.strip()
            if name:
                outcome, detail, ops = run_case(root / name, pathlib.Path(tmp))
                print(json.dumps({"case": name, "outcome": outcome, "detail": detail,
                                  "ops": ops}), flush=True)


def run_all(names, jobs):
    import concurrent.futures as futures

    def drive(share):
        results, pending = {}, list(share)
        while pending:
            proc = subprocess.Popen([sys.executable, __file__, "--worker"], stdin=subprocess.PIPE,
                                    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            proc.stdin.write("\n".join(pending) + "\n")
            proc.stdin.close()
            for line in proc.stdout:
                if line.startswith("{"):
                    r = json.loads(line)
                    results[r["case"]] = r
            proc.wait()
            pending = [n for n in pending if n not in results]
            if pending:
                results[pending[0]] = {"case": pending[0], "outcome": "crash", "ops": [],
                                       "detail": f"worker died (exit {proc.returncode})"}
                pending = pending[1:]
        return results

    out = {}
    with futures.ThreadPoolExecutor(jobs) as pool:
        for r in pool.map(drive, [names[i::jobs] for i in range(jobs)]):
            out.update(r)
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--worker", action="store_true")
    parser.add_argument("--filter", default="")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--json")
    args = parser.parse_args()
    if args.worker:
        worker()
        return
    names = [n for n in EXPECTED.read_text().split() if args.filter in n]
    results = run_all(names, args.jobs)
    counts = collections.Counter(r["outcome"] for r in results.values())
    by_op = collections.defaultdict(list)
    for r in results.values():
        for op in r["ops"]:
            by_op[op].append(r["case"])
    for op in sorted(by_op, key=lambda o: -len(by_op[o])):
        print(f"{op}: {len(by_op[op])} cases, e.g. {', '.join(sorted(by_op[op])[:4])}")
    unnamed = sorted(r["case"] for r in results.values()
                     if r["outcome"] == "refused" and not r["ops"])
    if unnamed:
        print(f"refused without a named op: {len(unnamed)}, e.g. {unnamed[:6]}")
    for r in sorted(results.values(), key=lambda r: r["case"]):
        if r["outcome"] in ("fail", "crash", "pt2tf"):
            print(f"{r['outcome'].upper()} {r['case']}: {r['detail']}")
    print(dict(counts))
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(results, indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
