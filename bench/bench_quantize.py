"""Full-integer int8 quantization: pt2tf beside onnx2tf (-oiqt) and TensorFlow's
TFLiteConverter with a representative dataset, on the same model and calibration samples.

    .venv/bin/python bench/bench_quantize.py                  # resnet50, mobilenet_v3_large,
                                                              # efficientnet-b0; 100 samples
    .venv/bin/python bench/bench_quantize.py --models mobilenet_v3_large --samples 20

Each model has random weights with its library's initialisation and BatchNorm statistics
measured on photo crops (scikit-learn's two sample photographs, as tests/python/
test_quantize.py), so its activations have realistic ranges. The calibration set is
`--samples` crops; `--held` more crops are the evaluation set no tool sees. The tools, each
as a user runs it:
  - pt2tf: `pt2tf convert -i m.pth --model NAME -o q.tflite --quantize int8 --calibration
    c.npy` (one process from the checkpoint; it calibrates on the first 80% of the file it
    is given, so it gets the calibration set followed by `samples/4` evaluation crops it holds
    back for its own report — they are not among the held-out set scored here);
  - onnx2tf: `onnx2tf -i torch.onnx -o DIR -oiqt -cind INPUT c_nhwc.npy MEAN STD` on the
    torch.onnx.export file (its calibration data is NHWC in [0, 1] with mean/std given; the
    ImageNet mean/std reproduce the same normalized inputs); its `*_integer_quant.tflite`
    (float32 interface, int8 inside) is scored;
  - TFLiteConverter: `bench/peers/tflite_converter_int8.py` on pt2tf's SavedModel of the same
    checkpoint (representative dataset = the calibration set, TFLITE_BUILTINS_INT8).
Times are the whole process of each tool (wall and CPU; TensorFlow's import counts for the
two Python tools, as it does for their users); the SavedModel and ONNX files the peers start
from are made beforehand and not timed. Accuracy: every file runs in the LiteRT interpreter
(builtin kernels, one thread) on the held-out set; SNR (dB), cosine and top-1 agreement are
against PyTorch eager on the same inputs. Writes docs/benchmarks/quantize.md; raw numbers in
bench/results/quantize.json.
"""
import argparse
import json
import os
import pathlib
import sys
import tempfile

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests" / "python"))

import measure  # noqa: E402
import tools  # noqa: E402

DEFAULT_MODELS = ["resnet50", "mobilenet_v3_large", "efficientnet-b0"]
TOOLS = ["pt2tf", "onnx2tf", "tfliteconverter"]
MEAN, STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]


def onnx2tf_venv():
    for v in (ROOT / ".venv-onnx2tf2" / "bin", tools.VENV_ONNX2TF):
        if (v / "onnx2tf").exists():
            return v
    return tools.VENV_ONNX2TF


def build(name, tmp, samples, held):
    """(checkpoint, onnx, calibration NCHW, pt2tf's calibration file, held-out, reference)."""
    import torch
    from test_quantize import _photos, _recalibrate_bn
    torch.manual_seed(0)
    if name.startswith("efficientnet-"):
        from efficientnet_pytorch import EfficientNet
        model = EfficientNet.from_name(name)
        model.set_swish(memory_efficient=False)  # exportable Swish
    else:
        import torchvision
        model = getattr(torchvision.models, name)(weights=None)
    _recalibrate_bn(model, _photos(32, 224, seed=1))
    ckpt = tmp / f"{name}.pth"
    torch.save(model.state_dict(), ckpt)
    onnx = tmp / "torch.onnx"
    torch.onnx.export(model, (torch.zeros(1, 3, 224, 224),), str(onnx), input_names=["input"],
                      output_names=["output"], dynamo=False)
    extra = max(1, samples // 4)
    crops = _photos(samples + extra + held, 224, seed=0)
    calib, own, test = crops[:samples], crops[samples:samples + extra], crops[samples + extra:]
    with torch.no_grad():
        ref = np.concatenate([model(torch.from_numpy(x[None])).numpy() for x in test])
    return ckpt, onnx, calib, np.concatenate([calib, own]), test, ref


def litert(path, xs, nhwc=False):
    from ai_edge_litert.interpreter import Interpreter, OpResolverType
    it = Interpreter(model_path=str(path), num_threads=1,
                     experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
    it.allocate_tensors()
    inp, out = it.get_input_details()[0], it.get_output_details()[0]
    got = []
    for x in xs:
        x = x.transpose(1, 2, 0) if nhwc else x
        if inp["dtype"] == np.int8:
            s, z = inp["quantization"]
            x = np.clip(np.round(x / s) + z, -128, 127).astype(np.int8)
        it.set_tensor(inp["index"], x[None].astype(inp["dtype"]))
        it.invoke()
        r = it.get_tensor(out["index"])
        if out["dtype"] == np.int8:
            s, z = out["quantization"]
            r = (r.astype(np.float32) - z) * s
        got.append(np.array(r, np.float64).reshape(1, -1))
    return np.concatenate(got)


def op_census(path):
    """(int8 CONV/DEPTHWISE/FC, all CONV/DEPTHWISE/FC, ops computing in float32)."""
    from ai_edge_litert.interpreter import Interpreter, OpResolverType
    it = Interpreter(model_path=str(path),
                     experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
    it.allocate_tensors()
    dtype = {t["index"]: t["dtype"] for t in it.get_tensor_details()}
    int8 = total = floats = 0
    for op in it._get_ops_details():
        name = op["op_name"]
        ins = [i for i in op["inputs"] if i >= 0]
        if name in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"):
            total += 1
            int8 += all(dtype[i] in (np.int8, np.int32) for i in ins[:2])
        if name not in ("QUANTIZE", "DEQUANTIZE") and ins and dtype[ins[0]] == np.float32:
            floats += 1
    return int8, total, floats


def accuracy(ref, got):
    err = ref - got
    return {"snr_db": float(10 * np.log10(np.sum(ref ** 2) / np.sum(err ** 2))),
            "cosine": float(np.sum(ref * got) / np.sqrt(np.sum(ref ** 2) * np.sum(got ** 2))),
            "max_abs": float(np.abs(err).max()),
            "top1_agreement": float(np.mean(ref.argmax(1) == got.argmax(1)))}


def run_tools(name, args, tmp):
    ckpt, onnx, calib, own, test, ref = build(name, tmp, args.samples, args.held)
    pt2tf = tools.pt2tf_binary(args.build)
    np.save(tmp / "calib_pt2tf.npy", own)
    np.save(tmp / "calib.npy", calib)
    # onnx2tf: NHWC in [0, 1] plus the mean/std it normalizes with (-cind).
    raw = calib.transpose(0, 2, 3, 1) * np.array(STD, np.float32) + np.array(MEAN, np.float32)
    np.save(tmp / "calib_nhwc01.npy", raw.astype(np.float32))
    saved = tmp / "saved_model"
    tools.convert([pt2tf, "convert", "-q", "-i", ckpt, "--model", name, "-o", f"{saved}/"],
                  [saved], 1)
    f32 = tmp / "f32.tflite"
    tools.convert([pt2tf, "convert", "-q", "-i", ckpt, "--model", name, "-o", f32], [f32], 1)
    res = {}
    files = {"pt2tf": (tmp / "pt2tf_int8.tflite", False),
             "onnx2tf": (tmp / "onnx2tf" / "torch_integer_quant.tflite", True),
             "tfliteconverter": (tmp / "tf_int8.tflite", False)}
    cwd = tools.onnx2tf_workdir(tmp)
    cmds = {
        "pt2tf": [pt2tf, "convert", "-q", "-i", ckpt, "--model", name, "-o",
                  files["pt2tf"][0], "--quantize", "int8", "--calibration",
                  tmp / "calib_pt2tf.npy"],
        "onnx2tf": [onnx2tf_venv() / "onnx2tf", "-i", onnx, "-o", tmp / "onnx2tf", "-n", "-oiqt",
                    "-cind", "input", tmp / "calib_nhwc01.npy", json.dumps([[[MEAN]]]),
                    json.dumps([[[STD]]])],
        "tfliteconverter": [tools.VENV / "python", ROOT / "bench" / "peers" /
                            "tflite_converter_int8.py", "-i", saved, "--calibration",
                            tmp / "calib.npy", "-o", files["tfliteconverter"][0]],
    }
    for tool in args.tools:
        path, nhwc = files[tool]
        note = ""
        try:
            try:
                run = tools.convert([str(c) for c in cmds[tool]], [path], 1,
                                    cwd=cwd if tool == "onnx2tf" else None, timeout=args.timeout)
            except tools.Unavailable as first:
                # -tb exists from onnx2tf 2.x on: with 1.x the first error is the result.
                if tool != "onnx2tf" or "onnx2tf2" not in str(onnx2tf_venv()):
                    raise
                # onnx2tf 2.x's default FlatBuffer writer has "limited quantization support"
                # and refuses some models: its TFLiteConverter backend is the documented one.
                note = f"default backend failed ({first}); -tb tf_converter"
                run = tools.convert([str(c) for c in cmds[tool]] + ["-tb", "tf_converter"],
                                    [path], 1, cwd=cwd, timeout=args.timeout)
        except tools.Unavailable as e:
            res[tool] = {"error": str(e)}
            print(f"{name} {tool}: {e}", flush=True)
            continue
        int8, total, floats = op_census(path)
        res[tool] = {"seconds": run.seconds, "cpu_seconds": run.cpu_seconds,
                     "peak_rss_mb": run.peak_rss_mb, "size_mb": path.stat().st_size / 2**20,
                     "int8_conv_fc": int8, "conv_fc": total, "float_ops": floats,
                     "note": note, **accuracy(ref, litert(path, test, nhwc))}
        print(f"{name} {tool}: {res[tool]}", flush=True)
    res["fp32"] = {"size_mb": f32.stat().st_size / 2**20, **accuracy(ref, litert(f32, test))}
    return res


def fmt(x, digits=2):
    return "—" if x is None else f"{x:.{digits}f}"


def render(data):
    L = ["# int8 quantization: pt2tf vs onnx2tf `-oiqt` vs TFLiteConverter", "",
         "Generated by `bench/bench_quantize.py` (command and method in its docstring); raw "
         "numbers in `bench/results/quantize.json`.", "",
         f"- machine: {data['machine']}",
         f"- load average (1/5/15 min) at start: {data['load_start']}, at end: "
         f"{data['load_end']} (other jobs shared the 2 cores: CPU times are the steadier "
         "figure)",
         f"- {data['samples']} calibration samples; accuracy on {data['held']} held-out "
         "samples in the LiteRT interpreter (builtin kernels), against PyTorch eager",
         *data["versions"], "",
         "| model | tool | wall (s) | CPU (s) | CPU vs pt2tf | SNR (dB) | cosine | top-1 agr. "
         "| int8 conv/FC | float ops | size (MB) |",
         "|---|---|---|---|---|---|---|---|---|---|---|"]
    notes = []
    for name, res in data["models"].items():
        base = res.get("pt2tf", {}).get("cpu_seconds")
        for tool in TOOLS:
            r = res.get(tool)
            if r is None:
                continue
            if "error" in r:
                what = "not measured" if r["error"].startswith("not finished") else "failed"
                L.append(f"| {name} | {tool} | {what}: {r['error']} |||||||||")
                continue
            ratio = f"{r['cpu_seconds'] / base:.1f}×" if base else "—"
            if r.get("note"):
                notes.append(f"- {name}, {tool}: {r['note']}")
            L.append(f"| {name} | {tool} | {fmt(r['seconds'], 1)} | {fmt(r['cpu_seconds'], 1)} "
                     f"| {ratio} | {fmt(r['snr_db'])} | {fmt(r['cosine'], 4)} | "
                     f"{fmt(r['top1_agreement'])} | {r['int8_conv_fc']}/{r['conv_fc']} | "
                     f"{r['float_ops']} | {fmt(r['size_mb'])} |")
        f = res.get("fp32")  # absent when a run was cut short (rows rebuilt from its log)
        if f:
            L.append(f"| {name} | (pt2tf fp32 file) | | | | {fmt(f['snr_db'])} | "
                     f"{fmt(f['cosine'], 4)} | {fmt(f['top1_agreement'])} | | | "
                     f"{fmt(f['size_mb'])} |")
    L += ["", "Goal (issue #11): at least as accurate (SNR) as each peer on every model and "
          "≥ 20× faster. *float ops*: operators other than QUANTIZE/DEQUANTIZE whose first "
          "input is float32 in the file.", "", *notes, *data.get("notes", []), ""]
    return "\n".join(L) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", nargs="+", default=DEFAULT_MODELS)
    ap.add_argument("--tools", nargs="+", default=TOOLS, choices=TOOLS)
    ap.add_argument("--samples", type=int, default=100)
    ap.add_argument("--held", type=int, default=200)
    ap.add_argument("--timeout", type=float, default=1800)
    ap.add_argument("--build", default=str(ROOT / "build"))
    ap.add_argument("--doc", default=str(ROOT / "docs" / "benchmarks" / "quantize.md"))
    ap.add_argument("--results", default=str(ROOT / "bench" / "results"))
    ap.add_argument("--from-json", help="re-render the doc from this raw file")
    args = ap.parse_args()
    if args.from_json:
        data = json.loads(pathlib.Path(args.from_json).read_text())
    else:
        main_v = tools.package_versions(tools.VENV / "python",
                                        ["tensorflow-cpu", "tensorflow", "torch", "ai-edge-litert"])
        o2t = tools.package_versions(onnx2tf_venv() / "python", ["onnx2tf", "tensorflow"])
        fmt_v = lambda d: ", ".join(f"{k} {v}" for k, v in d.items())  # noqa: E731
        data = {"machine": measure.machine_description(),
                "load_start": " / ".join(f"{x:.1f}" for x in os.getloadavg()),
                "samples": args.samples, "held": args.held,
                "versions": [f"- pt2tf: {tools.pt2tf_version(args.build)}",
                             f"- main venv (TFLiteConverter, LiteRT): {fmt_v(main_v)}",
                             f"- onnx2tf venv ({onnx2tf_venv().parent.name}): {fmt_v(o2t)}"],
                "models": {}}
        for name in args.models:
            with tempfile.TemporaryDirectory() as tmp:
                data["models"][name] = run_tools(name, args, pathlib.Path(tmp))
        data["load_end"] = " / ".join(f"{x:.1f}" for x in os.getloadavg())
        raw = pathlib.Path(args.results) / "quantize.json"
        raw.parent.mkdir(parents=True, exist_ok=True)
        raw.write_text(json.dumps(data, indent=1))
    text = render(data)
    pathlib.Path(args.doc).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
