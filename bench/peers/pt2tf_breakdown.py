"""Where pt2tf.convert's end-to-end time goes, step by step, in one fresh process (the
breakdown behind docs/benchmarks/pt2.md):

  .venv/bin/python bench/peers/pt2tf_breakdown.py --model resnet50 -o /tmp/m.tflite

Prints one JSON line: seconds for importing torch, building the model (its library's import
included), torch.export.export, torch.export.save, the native conversion of the .pt2
(build/pt2tf or PT2TF_BINARY, a subprocess), and the total from this script's first line
(the interpreter's own start-up is what the whole process takes beyond that).
"""
import time

T0 = time.perf_counter()
import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import pathlib  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402

BENCH = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH / "peers"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("-o", "--output", required=True)
    args = ap.parse_args()
    times = {}
    t = time.perf_counter()
    import torch  # noqa: F401
    import module_convert
    times["import_torch"] = time.perf_counter() - t
    t = time.perf_counter()
    model, x = module_convert.build(args.model)
    times["build_model"] = time.perf_counter() - t
    t = time.perf_counter()
    with torch.no_grad():
        program = torch.export.export(model.eval(), (x,))
    times["export"] = time.perf_counter() - t
    with tempfile.TemporaryDirectory() as tmp:
        pt2 = pathlib.Path(tmp) / "m.pt2"
        t = time.perf_counter()
        torch.export.save(program, str(pt2))
        times["save"] = time.perf_counter() - t
        binary = os.environ.get("PT2TF_BINARY", str(BENCH.parent / "build" / "pt2tf"))
        t = time.perf_counter()
        subprocess.run([binary, "convert", "-q", "-i", str(pt2), "-o", args.output], check=True)
        times["native_convert"] = time.perf_counter() - t
    times["total_in_process"] = time.perf_counter() - T0
    print(json.dumps({k: round(v, 3) for k, v in times.items()}))


if __name__ == "__main__":
    main()
