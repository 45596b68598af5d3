"""Quantized TFLite (`--quantize dynamic-int8 | int8 | fp16`) on small real models.

A CNN (conv/bn/relu/maxpool/linear, as the zoo's) and an MLP are trained for a few seconds
on scikit-learn's digits dataset (8x8 images, 10 classes), exported to ONNX and quantized by
pt2tf with 200 training images as calibration data. The LiteRT interpreter runs every file
on the 597 held-out test images:
  - int8 keeps test accuracy within 1 point of the float model, dynamic-int8 within 0.5;
  - every CONV_2D / FULLY_CONNECTED computes on int8 weights, files are <= 0.35x fp32;
  - pt2tf's own simulation (`pt2tf run -i m.tflite`) matches LiteRT's int8 outputs within
    one quantization step (>= 99% exactly), and the SNR pt2tf reports for the held-back
    calibration samples matches the SNR LiteRT's outputs give within 1 dB;
  - calibration data that does not fit the model is a one-line error and no file.
A mobile CNN (HardSwish, squeeze-excite, split, nearest upsample, concat, SiLU, depthwise)
goes through the same checks, and single int8 ops are compared with LiteRT one by one.
Random-weight resnet18, mobilenet_v2, mobilenet_v3_small/large, efficientnet-b0 and an
Ultralytics YOLOv8n (seconds since calibration runs samples side by side; they were behind
PT2TF_QUANT_ZOO=1 when they took minutes), calibrated on photo crops (int8 loads and runs
in LiteRT, every CONV_2D / FULLY_CONNECTED int8, <= 0.3x fp32, reported SNR within 1 dB).
"""
import os
import time

import numpy as np
import pytest

from conftest import run_pt2tf, run_pt2tf_json

CALIB = 200  # calibration samples (the last 20% are held back for the accuracy report)


def _mobile_cnn():
    """The layers mobilenet_v3 / efficientnet / YOLO add over the plain CNN: HardSwish, a
    squeeze-excite block (global mean, 1x1 convs, HardSigmoid, broadcast MUL), a channel
    split, nearest upsampling and concatenation, SiLU, a depthwise conv with ReLU6."""
    import torch
    import torch.nn as nn

    class MobileCnn(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16),
                                      nn.Hardswish())
            self.se = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(16, 8, 1), nn.ReLU(),
                                    nn.Conv2d(8, 16, 1), nn.Hardsigmoid())
            self.body = nn.Sequential(nn.Conv2d(16, 32, 3, stride=2, padding=1),
                                      nn.BatchNorm2d(32), nn.SiLU(),
                                      nn.Conv2d(32, 32, 3, padding=1, groups=32), nn.ReLU6())
            self.head = nn.Sequential(nn.Flatten(), nn.Linear(512, 64), nn.Hardswish(),
                                      nn.Linear(64, 10))

        def forward(self, x):
            x = self.stem(x)
            x = x * self.se(x)
            a, b = x.chunk(2, dim=1)
            b = nn.functional.interpolate(nn.functional.max_pool2d(b, 2), scale_factor=2.0,
                                          mode="nearest")
            return self.head(self.body(torch.cat([a, b], 1)))

    return MobileCnn()


def _train(kind, x, y):
    import torch
    import torch.nn as nn
    torch.manual_seed(0)
    if kind == "mobile":
        model = _mobile_cnn()
        xt = torch.from_numpy(x)
    elif kind == "cnn":
        model = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(128, 256), nn.ReLU(), nn.Linear(256, 10))
        xt = torch.from_numpy(x)
    else:
        model = nn.Sequential(nn.Flatten(), nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 64),
                              nn.ReLU(), nn.Linear(64, 10))
        xt = torch.from_numpy(x)
    opt = torch.optim.Adam(model.parameters(), 1e-2)
    yt = torch.from_numpy(y)
    for _ in range(50):  # full batch: a few seconds on one core
        opt.zero_grad()
        nn.functional.cross_entropy(model(xt), yt).backward()
        opt.step()
    return model.eval()


@pytest.fixture(scope="module")
def digits():
    from sklearn.datasets import load_digits
    d = load_digits()
    x = (d.data / 16.0).astype(np.float32).reshape(-1, 1, 8, 8)
    idx = np.random.default_rng(0).permutation(len(x))
    train, test = idx[:1200], idx[1200:]
    return x[train], d.target[train], x[test], d.target[test]


@pytest.fixture(scope="module")
def models(digits, tmp_path_factory):
    """{kind: (onnx path batch 1, onnx path batch 64, float test accuracy, calib .npy)}"""
    import torch
    torch.set_num_threads(1)
    xtr, ytr, xte, yte = digits
    root = tmp_path_factory.mktemp("quant")
    calib = root / "calib.npy"
    np.save(calib, xtr[:CALIB])
    out = {}
    for kind in ("cnn", "mlp", "mobile"):
        start = time.time()
        model = _train(kind, xtr, ytr)
        print(f"trained {kind} in {time.time() - start:.1f} s")
        with torch.no_grad():
            acc = float((model(torch.from_numpy(xte)).argmax(1).numpy() == yte).mean())
        paths = []
        for batch in (1, 64):
            p = root / f"{kind}_b{batch}.onnx"
            torch.onnx.export(model, (torch.zeros(batch, 1, 8, 8),), str(p), input_names=["input"],
                              output_names=["logits"], dynamo=False)
            paths.append(p)
        out[kind] = (paths[0], paths[1], acc, calib)
    return out


def _interp(path, delegates=True):
    from ai_edge_litert.interpreter import Interpreter, OpResolverType
    kind = OpResolverType.AUTO if delegates else OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES
    it = Interpreter(model_path=str(path), num_threads=1, experimental_op_resolver_type=kind)
    it.allocate_tensors()
    return it


def _round_away(v):
    return np.sign(v) * np.floor(np.abs(v) + 0.5)  # TFLite's rounding (std::round)


def _litert(path, xs, delegates=True, raw=False):
    """Runs `xs` one batch at a time; int8 inputs are quantized with the file's parameters and
    int8 outputs dequantized (or returned raw)."""
    it = _interp(path, delegates)
    inp, out = it.get_input_details()[0], it.get_output_details()[0]
    batch = inp["shape"][0]
    results = []
    for k in range(0, len(xs), batch):
        x = xs[k:k + batch]
        if inp["dtype"] == np.int8:
            s, z = inp["quantization"]
            x = np.clip(_round_away(x / s) + z, -128, 127).astype(np.int8)
        it.set_tensor(inp["index"], x)
        it.invoke()
        r = it.get_tensor(out["index"])
        if out["dtype"] == np.int8 and not raw:
            s, z = out["quantization"]
            r = (r.astype(np.float32) - z) * s
        results.append(np.array(r))
    return np.concatenate(results)


def _weight_types(path):
    """{op name: [dtype of input 1 (weights)]} for CONV_2D / DEPTHWISE / FULLY_CONNECTED, and
    the input dtypes of those ops."""
    it = _interp(path, delegates=False)
    dtype = {t["index"]: t["dtype"] for t in it.get_tensor_details()}
    found = []
    for op in it._get_ops_details():
        if op["op_name"] in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"):
            found.append((op["op_name"], dtype[op["inputs"][0]], dtype[op["inputs"][1]]))
    return found


def _convert(onnx, out, *flags):
    return run_pt2tf_json("convert", "-i", onnx, "-o", out, "--json", *flags)["outputs"][0]


@pytest.mark.parametrize("kind", ["cnn", "mlp", "mobile"])
def test_int8_and_dynamic_accuracy(kind, models, digits, tmp_path):
    onnx, _, float_acc, calib = models[kind]
    _, _, xte, yte = digits
    f32 = tmp_path / "f32.tflite"
    _convert(onnx, f32)
    f32_acc = float((_litert(f32, xte).argmax(-1) == yte).mean())
    assert abs(f32_acc - float_acc) < 1e-9, (f32_acc, float_acc)
    assert float_acc > 0.9, f"training failed: {float_acc}"

    for mode, limit, flags in (("int8", 0.01, ("--calibration", calib)),
                               ("dynamic-int8", 0.005, ())):
        q = tmp_path / f"{mode}.tflite"
        summary = _convert(onnx, q, "--quantize", mode, *flags)
        acc = float((_litert(q, xte).argmax(-1) == yte).mean())
        print(f"{kind} {mode}: float {float_acc:.4f} quantized {acc:.4f} "
              f"size {q.stat().st_size} / {f32.stat().st_size}")
        assert float_acc - acc <= limit, f"{kind} {mode}: {acc:.4f} vs float {float_acc:.4f}"
        assert q.stat().st_size <= 0.35 * f32.stat().st_size, (q.stat().st_size,
                                                                f32.stat().st_size)
        report = summary["quantization"]
        assert report["mode"] == mode
        weighted = _weight_types(q)
        assert weighted and all(w == np.int8 for _, _, w in weighted), weighted
        if mode == "int8":
            assert all(x == np.int8 for _, x, _ in weighted), weighted
            assert report["float_ops"] == 0, report
        else:
            assert all(x == np.float32 for _, x, _ in weighted), weighted
        assert report["quantized_weights"] == len(weighted)


@pytest.mark.parametrize("kind", ["cnn", "mlp", "mobile"])
def test_simulation_matches_litert(kind, models, digits, tmp_path):
    """pt2tf's integer simulation against LiteRT's builtin int8 kernels, element by element."""
    _, onnx64, _, calib = models[kind]
    _, _, xte, _ = digits
    q = tmp_path / "int8_io.tflite"
    calib64 = tmp_path / "calib64.npy"  # whole batches of 64
    np.save(calib64, np.load(calib)[:128])
    _convert(onnx64, q, "--quantize", "int8", "--calibration", calib64, "--io-dtype", "int8")
    x = xte[:64]
    np.save(tmp_path / "x.npy", x)
    run_pt2tf("run", "-i", q, "--inputs", tmp_path / "x.npy", "-o", tmp_path / "sim.npz")
    sim = np.load(tmp_path / "sim.npz")
    (sim,) = [sim[k] for k in sim.files]
    it = _interp(q, delegates=False)
    out = it.get_output_details()[0]
    s, z = out["quantization"]
    sim_q = _round_away(sim / s + z).astype(np.int32)
    ref_q = _litert(q, x, delegates=False, raw=True).astype(np.int32)
    diff = np.abs(sim_q - ref_q)
    print(f"{kind}: max step difference {diff.max()}, equal {np.mean(diff == 0):.4f}")
    # The mobile CNN's MEAN and int8->int8 requantization are not yet bit-exact (see
    # test_int8_op_simulation_exact): its elements may differ by one step more often.
    exact = 0.9 if kind == "mobile" else 0.99
    assert diff.max() <= 1 and np.mean(diff == 0) >= exact, (diff.max(), np.mean(diff == 0))


@pytest.mark.parametrize("mode", ["int8", "dynamic-int8"])
def test_reported_snr_matches_litert(mode, models, tmp_path):
    """The summary's SNR (pt2tf's simulation, held-back samples) against LiteRT's on them."""
    onnx, _, _, calib = models["cnn"]
    f32, q = tmp_path / "f.tflite", tmp_path / "q.tflite"
    _convert(onnx, f32)
    report = _convert(onnx, q, "--quantize", mode, "--calibration", calib)["quantization"]
    held = np.load(calib)[CALIB - report["eval_samples"]:]
    assert report["eval_samples"] == CALIB // 5
    ref = _litert(f32, held)

    def snr_of(got):
        return 10 * np.log10(np.sum(ref.astype(np.float64) ** 2) / np.sum((ref - got) ** 2))

    # The builtin kernels are what pt2tf simulates; XNNPACK (LiteRT's default delegate) runs
    # int8 ops to the same arithmetic but hybrid ops its own way (more precisely here).
    got = _litert(q, held, delegates=False)
    snr, snr_xnnpack = snr_of(got), snr_of(_litert(q, held))
    (acc,) = report["accuracy"]
    print(f"{mode}: pt2tf SNR {acc['snr_db']:.2f} dB, LiteRT {snr:.2f} dB "
          f"(XNNPACK {snr_xnnpack:.2f} dB)")
    assert abs(acc["snr_db"] - snr) <= 1.0, (acc["snr_db"], snr)
    if mode == "int8":
        assert abs(acc["snr_db"] - snr_xnnpack) <= 1.0, (acc["snr_db"], snr_xnnpack)
    agree = float(np.mean(ref.argmax(-1) == got.argmax(-1)))
    assert abs(acc["top1_agreement"] - agree) <= 1.0 / len(held) + 1e-9
    assert acc["cosine"] > 0.99 and acc["max_abs"] > 0


def _bad(tmp_path, case):
    p = tmp_path / f"{case}.npy"
    if case == "shape":
        np.save(p, np.zeros((4, 1, 7, 7), np.float32))
    elif case == "dtype":
        np.save(p, np.zeros((4, 1, 8, 8), np.int64))
    elif case == "empty":
        np.save(p, np.zeros((0, 1, 8, 8), np.float32))
    else:
        a = np.zeros((4, 1, 8, 8), np.float32)
        a[2, 0, 3, 3] = np.nan
        np.save(p, a)
    return p


@pytest.mark.parametrize("case", ["shape", "dtype", "empty", "nan"])
def test_bad_calibration_data(case, models, tmp_path):
    onnx = models["cnn"][0]
    bad = _bad(tmp_path, case)
    out = tmp_path / "q.tflite"
    proc = run_pt2tf("convert", "-i", onnx, "-o", out, "--quantize", "int8", "--calibration", bad,
                     check=False)
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and bad.name in lines[0], proc.stderr
    assert not out.exists() and not list(tmp_path.glob("q.tflite*"))


def test_usage_errors_and_fp16_alias(models, tmp_path):
    onnx = models["mlp"][0]
    out = tmp_path / "q.tflite"
    for flags in (["--quantize", "int8"], ["--io-dtype", "int8"],
                  ["--quantize", "int8", "--calibration", models["mlp"][3], "--precision", "fp16"]):
        proc = run_pt2tf("convert", "-i", onnx, "-o", out, *flags, check=False)
        assert proc.returncode != 0 and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
        assert not out.exists()
    a, b = tmp_path / "a.tflite", tmp_path / "b.tflite"
    run_pt2tf("convert", "-i", onnx, "-o", a, "--quantize", "fp16")
    run_pt2tf("convert", "-i", onnx, "-o", b, "--precision", "fp16")
    assert a.read_bytes() == b.read_bytes()


ZOO_SAMPLES = 20  # 16 calibrate, 4 held back


def _photos(n, size, seed, imagenet=True):
    """`n` random crops (random size, position and flip) of the two photographs scikit-learn
    ships, resized to size x size, NCHW float32 in [0, 1] (ImageNet-normalized if asked)."""
    import torch
    from sklearn.datasets import load_sample_images
    photos = [np.asarray(p, np.float32) / 255 for p in load_sample_images().images]
    rng = np.random.default_rng(seed)
    out = []
    for k in range(n):
        p = photos[k % len(photos)]
        side = int(rng.integers(size, min(p.shape[:2]) + 1))
        y, x = rng.integers(0, p.shape[0] - side + 1), rng.integers(0, p.shape[1] - side + 1)
        crop = torch.from_numpy(p[y:y + side, x:x + side].transpose(2, 0, 1).copy())[None]
        crop = torch.nn.functional.interpolate(crop, size=(size, size), mode="bilinear",
                                               antialias=True)[0].numpy()
        out.append(crop[:, :, ::-1] if rng.random() < 0.5 else crop)
    x = np.stack(out).astype(np.float32)
    if imagenet:
        x = (x - np.array([0.485, 0.456, 0.406], np.float32)[:, None, None]) / \
            np.array([0.229, 0.224, 0.225], np.float32)[:, None, None]
    return x.astype(np.float32)


def _recalibrate_bn(model, x):
    """BatchNorm running statistics measured on `x` (train-mode passes, cumulative average),
    so a random-weight network's activations stay in a sane range; eval mode after."""
    import torch
    model.train()
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
                m.reset_running_stats()
                m.momentum = None
        for k in range(0, len(x), 4):
            model(torch.from_numpy(x[k:k + 4]))
    return model.eval()


def _zoo_model(name, tmp_path):
    """(pt2tf source args, calibration .npy, the PyTorch model) for a random-weight model with
    its library's own initialisation and BatchNorm statistics from other photo crops."""
    import torch
    torch.manual_seed(0)
    if name == "yolov8n":
        os.environ.setdefault("YOLO_OFFLINE", "1")
        os.environ.setdefault("YOLO_CONFIG_DIR", str(tmp_path / "ultralytics"))
        from ultralytics.nn.tasks import DetectionModel
        size = 160
        det = DetectionModel("yolov8n.yaml", nc=80, verbose=False)
        with torch.no_grad():  # variance-preserving init (see test_tflite_models._yolo)
            for conv in det.modules():
                if isinstance(conv, torch.nn.Conv2d):
                    conv.weight.normal_(0.0, 1.3 / conv.weight[0].numel() ** 0.5)
                    if conv.bias is not None:
                        conv.bias.zero_()
        _recalibrate_bn(det, _photos(16, size, seed=1, imagenet=False))

        class First(torch.nn.Module):  # the decoded [1, 84, anchors] predictions
            def __init__(self, m):
                super().__init__()
                self.m = m

            def forward(self, x):
                return self.m(x)[0]

        model = First(det).eval()
        onnx = tmp_path / "yolov8n.onnx"
        torch.onnx.export(model, (torch.zeros(1, 3, size, size),), str(onnx),
                          input_names=["images"], output_names=["output0"], dynamo=False)
        source = ["-i", onnx]
        calib = _photos(ZOO_SAMPLES, size, seed=0, imagenet=False)
    else:
        if name.startswith("efficientnet-"):
            from efficientnet_pytorch import EfficientNet
            model = EfficientNet.from_name(name)
        else:
            import torchvision
            model = getattr(torchvision.models, name)(weights=None)
        _recalibrate_bn(model, _photos(16, 224, seed=1))
        ckpt = tmp_path / f"{name}.pth"
        torch.save(model.state_dict(), ckpt)
        source = ["-i", ckpt, "--model", name]
        calib = _photos(ZOO_SAMPLES, 224, seed=0)
    path = tmp_path / "calib.npy"
    np.save(path, calib)
    return source, path, model


def _snr(ref, got):
    ref = ref.astype(np.float64)
    return float(10 * np.log10(np.sum(ref ** 2) / np.sum((ref - got) ** 2)))


ZOO_MODELS = ["resnet18", "mobilenet_v2", "mobilenet_v3_small", "mobilenet_v3_large",
              "efficientnet-b0", "yolov8n"]


@pytest.mark.parametrize("name", ZOO_MODELS)
def test_zoo_int8_loads_runs_and_reports_litert_snr(name, tmp_path):
    """Random-weight zoo models and an Ultralytics YOLOv8n, calibrated on photo crops: every
    CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED of the float file is there and int8 in the
    int8 file, file <= 0.3x fp32, the reported SNR within 1 dB of LiteRT's (builtin kernels)
    on the held-back samples, and pt2tf's own simulation (`pt2tf run`) within 1 dB of it."""
    source, calib, _ = _zoo_model(name, tmp_path)
    f32, q = tmp_path / "f.tflite", tmp_path / "q.tflite"
    run_pt2tf("convert", "-q", *source, "-o", f32)
    start = time.time()
    report = run_pt2tf_json("convert", "--json", *source, "-o", q, "--quantize", "int8",
                            "--calibration", calib)["outputs"][0]["quantization"]
    seconds = time.time() - start
    weighted, float_weighted = _weight_types(q), _weight_types(f32)
    assert len(weighted) == len(float_weighted) > 0
    assert all(x == np.int8 and w == np.int8 for _, x, w in weighted), weighted
    ratio = q.stat().st_size / f32.stat().st_size
    assert ratio <= 0.3, ratio
    held = np.load(calib)[ZOO_SAMPLES - report["eval_samples"]:]
    ref = _litert(f32, held)
    got = _litert(q, held, delegates=False)
    snr, snr_xnnpack = _snr(ref, got), _snr(ref, _litert(q, held))
    sims = []
    for k, x in enumerate(held):  # the files have batch 1
        np.save(tmp_path / f"x{k}.npy", x[None])
        run_pt2tf("run", "-i", q, "--inputs", tmp_path / f"x{k}.npy", "-o", tmp_path / "sim.npz")
        sim = np.load(tmp_path / "sim.npz")
        sims += [sim[key] for key in sim.files]
    sim_snr = _snr(ref, np.concatenate(sims).reshape(ref.shape))
    reported = report["accuracy"][0]["snr_db"]
    extra = ""
    if name == "yolov8n":  # class scores beside pixel boxes: each part on its own
        extra = f", class scores {_snr(ref[:, 4:], got[:, 4:]):.2f} dB"
    print(f"{name}: pt2tf SNR {reported:.2f} dB, LiteRT {snr:.2f} dB (XNNPACK "
          f"{snr_xnnpack:.2f}), pt2tf run {sim_snr:.2f} dB{extra}; {len(weighted)} int8 "
          f"conv/FC, {ratio:.3f}x fp32, float ops {report['float_op_types']}, "
          f"convert {seconds:.1f} s")
    assert abs(reported - snr) <= 1.0, (reported, snr)
    assert abs(sim_snr - snr) <= 1.0, (sim_snr, snr)

def test_int8_detector_with_nms_inside(tmp_path):
    """YOLOv8n as Ultralytics exports it with `nms=True` (NMSModel): the network is int8 and
    the post-processing float. Calibration runs what pt2tf's evaluator can (WHERE and
    NON_MAX_SUPPRESSION_V5 it has no kernel for, and what depends on them, are skipped and
    stay float); the accuracy report says it was not computed, naming the op. In LiteRT the
    int8 file runs, every CONV_2D is int8, and the class scores NMS reads keep >= 8 dB SNR
    against the float file (measured 12-21 dB; random weights, 80 classes)."""
    import types
    import torch
    import torchvision  # noqa: F401  (registers torchvision's ops before tracing)
    from ai_edge_litert.interpreter import Interpreter, OpResolverType
    _, _, first = _zoo_model("yolov8n", tmp_path)  # variance-preserving init, photo BN stats
    from ultralytics.engine.exporter import NMSModel
    det = first.m
    for m in det.modules():  # what Ultralytics' exporter sets on the head
        if hasattr(m, "export"):
            m.export, m.format = True, "onnx"
    det.task = "detect"
    args = types.SimpleNamespace(dynamic=False, batch=1, format="onnx", conf=0.01, max_det=100,
                                 agnostic_nms=False, iou=0.7, opset=17, quantize=None)
    model = NMSModel(det, args).eval()
    onnx = tmp_path / "yolo_nms.onnx"
    torch.onnx.export(model, (torch.zeros(1, 3, 160, 160),), str(onnx), dynamo=False,
                      opset_version=17, input_names=["images"], output_names=["out"])
    calib = tmp_path / "calib.npy"
    np.save(calib, _photos(ZOO_SAMPLES, 160, seed=0, imagenet=False))
    f32, q = tmp_path / "f.tflite", tmp_path / "q.tflite"
    run_pt2tf("convert", "-q", "-i", onnx, "-o", f32)
    report = _convert(onnx, q, "--quantize", "int8", "--calibration", calib)["quantization"]
    assert "WHERE" in report["simulation"] and "not computed" in report["simulation"], report
    assert report["float_op_types"].get("NON_MAX_SUPPRESSION_V5") == 1, report
    weighted = _weight_types(q)
    assert len(weighted) == len(_weight_types(f32)) > 0
    assert all(x == np.int8 and w == np.int8 for _, x, w in weighted), weighted

    def run(path, x):
        it = Interpreter(str(path), experimental_op_resolver_type=(
            OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES), experimental_preserve_all_tensors=True)
        it.allocate_tensors()
        it.set_tensor(it.get_input_details()[0]["index"], x)
        it.invoke()
        nms = [o for o in it._get_ops_details() if o["op_name"] == "NON_MAX_SUPPRESSION_V5"]
        return it.get_tensor(it.get_output_details()[0]["index"]), it.get_tensor(nms[0]["inputs"][1])

    held = np.load(calib)[-4:]
    snrs = []
    for x in held:
        out_f, scores_f = run(f32, x[None])
        out_q, scores_q = run(q, x[None])
        assert out_q.shape == out_f.shape == (1, 100, 6)
        assert (out_q[0, :, 4] > 0).sum() > 0  # it finds something
        snrs.append(_snr(scores_f, scores_q))
    print(f"yolov8n + NMS int8: class-score SNR at the NMS {[round(v, 1) for v in snrs]} dB")
    assert min(snrs) >= 8.0, snrs


def kernels_model():
    """A model made of the ops whose float kernels pt2tf's evaluator runs beside the int8
    ones (also a seed of tests/fuzz/corpus/tflite_eval, see make_corpus.py)."""
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    class Kernels(nn.Module):
        """Attention, LayerNorm, GELU, a transposed conv, reflection padding, resizes, split /
        stack / unbind / repeat / expand / gather, comparisons and where, elementwise math."""
        def __init__(self):
            super().__init__()
            self.stem = nn.Conv2d(3, 16, 3, padding=1)
            self.norm = nn.LayerNorm(16)
            self.qkv = nn.Linear(16, 48)
            self.proj = nn.Linear(16, 16)
            self.pos = nn.Parameter(torch.randn(1, 16, 16) * 0.1)
            self.register_buffer("order", torch.tensor([3, 0, 2, 1]))
            self.up = nn.ConvTranspose2d(16, 8, 3, stride=2, padding=1, output_padding=1)
        def forward(self, x):
            x = self.stem(x)                                     # [1, 16, 8, 8]
            x = x + F.pad(x, (1, 1, 1, 1), mode="reflect")[:, :, :-2, 2:]  # MIRROR_PAD
            up = torch.cat([F.interpolate(x, scale_factor=2, mode="bilinear",
                                          align_corners=False)[:, :8], self.up(x)], 1)
            x = F.pixel_unshuffle(up, 2)[:, :16] + x             # SPACE_TO_DEPTH
            d = F.pixel_shuffle(x, 2)                            # DEPTH_TO_SPACE
            x = x + F.avg_pool2d(d, 2).repeat(1, 4, 1, 1)        # TILE
            t = F.avg_pool2d(x, 2).flatten(2).transpose(1, 2) + self.pos  # [1, 16, 16]
            h = self.norm(t)
            q, k, v = self.qkv(h).split(16, dim=-1)
            a = torch.softmax(q @ k.transpose(1, 2) / 4.0, dim=-1)
            t = t + self.proj(F.gelu(a @ v))
            rows = torch.stack(t.unbind(1)[:4], 1)               # UNPACK / PACK
            rows = rows[:, self.order]                           # GATHER
            g = torch.where(rows > 0, torch.sqrt(rows.abs() + 1), rows.pow(2) - 1)
            g = g + torch.floor(rows * 3) / 3 + rows.expand(2, -1, -1).mean(0)
            return F.log_softmax(g.flatten(1), dim=-1) + torch.exp(-rows.square()).flatten(1)

    torch.manual_seed(0)
    return Kernels().eval()


KERNEL_OPS = {"BATCH_MATMUL", "SOFTMAX", "LOG_SOFTMAX", "SPLIT_V", "RSQRT", "SQUARE", "SQRT",
              "POW", "ABS", "NEG", "FLOOR", "EXP", "GREATER", "SELECT_V2", "GATHER", "TILE",
              "BROADCAST_TO", "RESIZE_BILINEAR", "DEPTH_TO_SPACE", "FULLY_CONNECTED",
              "TRANSPOSE_CONV", "MIRROR_PAD"}


def _op_names(path):
    return {op["op_name"] for op in _interp(path, delegates=False)._get_ops_details()}


def test_evaluator_float_kernels_match_litert(tmp_path):
    """pt2tf's own run of a float .tflite holding attention, LayerNorm, GELU, resizes, gathers,
    tiles, comparisons and elementwise math (what int8 calibration runs on transformers)
    matches LiteRT's builtin kernels; then the int8 file of the same model: every
    FULLY_CONNECTED / CONV_2D int8, the reported SNR within 1 dB of LiteRT's."""
    import torch
    model = kernels_model()
    onnx = tmp_path / "k.onnx"
    torch.onnx.export(model, (torch.zeros(1, 3, 8, 8),), str(onnx), input_names=["x"],
                      output_names=["y"], dynamo=False, opset_version=17)
    f32 = tmp_path / "k.tflite"
    run_pt2tf("convert", "-q", "-i", onnx, "-o", f32)
    assert KERNEL_OPS <= _op_names(f32), KERNEL_OPS - _op_names(f32)
    rng = np.random.default_rng(0)
    xs = rng.standard_normal((10, 1, 3, 8, 8)).astype(np.float32)
    for k, x in enumerate(xs[:3]):
        np.save(tmp_path / "x.npy", x)
        run_pt2tf("run", "-i", f32, "--inputs", tmp_path / "x.npy", "-o", tmp_path / "o.npz")
        got = np.load(tmp_path / "o.npz")
        (got,) = [got[name] for name in got.files]
        ref = _litert(f32, x, delegates=False)
        with torch.no_grad():
            eager = model(torch.from_numpy(x)).numpy()
        tol = 1e-4 * max(1.0, float(np.abs(ref).max()))
        assert np.abs(got - ref).max() <= tol, (k, np.abs(got - ref).max())
        assert np.abs(ref - eager).max() <= tol, (k, np.abs(ref - eager).max())
    calib = tmp_path / "calib.npy"
    np.save(calib, xs[:, 0])
    q = tmp_path / "q.tflite"
    report = _convert(onnx, q, "--quantize", "int8", "--calibration", calib)["quantization"]
    weighted = _weight_types(q)
    assert len(weighted) == len(_weight_types(f32)) == 3, weighted  # stem, qkv, proj
    assert all(x == np.int8 and w == np.int8 for _, x, w in weighted), weighted
    held = xs[10 - report["eval_samples"]:, 0]
    ref = np.concatenate([_litert(f32, x[None]) for x in held])
    got = np.concatenate([_litert(q, x[None], delegates=False) for x in held])
    snr = _snr(ref, got)
    print(f"kernels model int8: pt2tf SNR {report['accuracy'][0]['snr_db']:.2f} dB, LiteRT "
          f"{snr:.2f} dB, float ops {report['float_op_types']}")
    assert abs(report["accuracy"][0]["snr_db"] - snr) <= 1.0


def _onnx_model(nodes, inputs, outputs, inits=(), opset=17):
    from onnx import helper
    graph = helper.make_graph(nodes, "g", inputs, outputs, initializer=list(inits))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    return model


def index_kernel_cases():
    """{name: (ONNX model, input arrays, TFLite builtins the file must hold)}: one small graph
    per kernel family the evaluator gained for index, generating, bitwise and normalisation
    builtins, with the attributes TFLite has: CumSum exclusive / reverse (int32 too), ArgMax /
    ArgMin on either axis (select_last_index is a REVERSE_V2), TopK largest and smallest, OneHot
    on the last and the first axis with indices outside [0, depth), GatherND of slices and of
    elements, LRN, Atan (ZEROS_LIKE), BitShift (RIGHT_SHIFT), BitwiseXor. Inputs are multiples
    of 0.5, so ArgMax / TopK meet ties (TFLite: the smaller index first)."""
    import numpy as np
    from onnx import TensorProto as T, helper, numpy_helper
    vi = helper.make_tensor_value_info
    node = helper.make_node
    F, I64, I32, U8 = T.FLOAT, T.INT64, T.INT32, T.UINT8
    rng = np.random.default_rng(0)
    x = (np.round(rng.standard_normal((3, 5, 4)) * 2) / 2).astype(np.float32)
    x6 = (np.round(rng.standard_normal((3, 5, 6)) * 2) / 2).astype(np.float32)
    const = numpy_helper.from_array
    flags = [(e, r) for e in (0, 1) for r in (0, 1)]
    cases = {}
    cases["cumsum"] = (_onnx_model(
        [node("CumSum", ["x", "ax"], [f"y{e}{r}"], exclusive=e, reverse=r) for e, r in flags],
        [vi("x", F, [3, 5, 4])], [vi(f"y{e}{r}", F, [3, 5, 4]) for e, r in flags],
        [const(np.array(1, np.int64), "ax")]), [x], {"CUMSUM"})
    cases["cumsum_int32"] = (_onnx_model(
        [node("Cast", ["x"], ["xi"], to=I32), node("CumSum", ["xi", "ax"], ["y"], exclusive=1)],
        [vi("x", F, [3, 5, 4])], [vi("y", I32, [3, 5, 4])],
        [const(np.array(-1, np.int64), "ax")]), [x * 9], {"CUMSUM", "CAST"})
    cases["argmax_argmin"] = (_onnx_model(
        [node("ArgMax", ["x"], ["a"], axis=1, keepdims=0),
         node("ArgMin", ["x"], ["b"], axis=2, keepdims=1),
         node("ArgMax", ["x"], ["c"], axis=1, keepdims=0, select_last_index=1),
         node("ArgMin", ["x"], ["d"], axis=-1, keepdims=0, select_last_index=1)],
        [vi("x", F, [3, 5, 4])],
        [vi("a", I64, [3, 4]), vi("b", I64, [3, 5, 1]), vi("c", I64, [3, 4]),
         vi("d", I64, [3, 5])]), [x], {"ARG_MAX", "ARG_MIN", "REVERSE_V2"})
    cases["topk"] = (_onnx_model(
        [node("TopK", ["x", "k"], ["v", "i"], axis=-1),
         node("TopK", ["x", "k"], ["v2", "i2"], axis=-1, largest=0)],
        [vi("x", F, [3, 5, 6])],
        [vi("v", F, [3, 5, 3]), vi("i", I64, [3, 5, 3]), vi("v2", F, [3, 5, 3]),
         vi("i2", I64, [3, 5, 3])],
        [const(np.array([3], np.int64), "k")]), [x6], {"TOPK_V2"})
    cases["one_hot"] = (_onnx_model(
        [node("ArgMax", ["x"], ["a"], axis=2, keepdims=0),
         node("OneHot", ["a", "depth", "vals"], ["y"], axis=-1),
         node("OneHot", ["i", "depth", "vals"], ["y0"], axis=0)],
        [vi("x", F, [3, 5, 4]), vi("i", I64, [2, 5])],
        [vi("y", F, [3, 5, 6]), vi("y0", F, [6, 2, 5])],
        [const(np.array(6, np.int64), "depth"),
         const(np.array([-0.5, 2.0], np.float32), "vals")]),
        [x, np.array([[0, 5, 6, -1, -6], [-7, 9, 2, 3, 1]], np.int64)], {"ONE_HOT", "ARG_MAX"})
    cases["gather_nd"] = (_onnx_model(
        [node("GatherND", ["x", "i"], ["y"]), node("GatherND", ["x", "j"], ["z"])],
        [vi("x", F, [3, 5, 4])], [vi("y", F, [3, 4]), vi("z", F, [2])],
        [const(np.array([[0, 1], [2, 4], [1, 0]], np.int64), "i"),
         const(np.array([[0, 1, 2], [2, 4, 3]], np.int64), "j")]), [x], {"GATHER_ND"})
    cases["scatter_nd"] = (_onnx_model(  # update (SCATTER_ND + a written mask) and add (repeats sum)
        [node("ScatterND", ["x", "i", "u"], ["y"]),
         node("ScatterND", ["x", "r", "u"], ["z"], reduction="add")],
        [vi("x", F, [3, 5, 4]), vi("u", F, [2, 4])], [vi("y", F, [3, 5, 4]), vi("z", F, [3, 5, 4])],
        [const(np.array([[0, 1], [2, 4]], np.int64), "i"),
         const(np.array([[1, 3], [1, 3]], np.int64), "r")], opset=16),
        [x, rng.standard_normal((2, 4)).astype(np.float32)], {"SCATTER_ND", "SELECT_V2"})
    cases["reverse_sequence_flip"] = (_onnx_model(  # negative strides: masked and not
        [node("ReverseSequence", ["x", "lens"], ["r"], batch_axis=0, time_axis=1),
         node("Slice", ["r", "s", "e", "a", "st"], ["y"]),
         node("Slice", ["x", "s2", "e2", "a2", "st2"], ["z"])],
        [vi("x", F, [3, 5, 4])], [vi("y", F, [3, 5, 4]), vi("z", F, [3, 2, 4])],
        [const(np.array([5, 2, 0], np.int64), "lens"), const(np.array([-1], np.int64), "s"),
         const(np.array([-2**63], np.int64), "e"), const(np.array([2], np.int64), "a"),
         const(np.array([-1], np.int64), "st"), const(np.array([-2], np.int64), "s2"),
         const(np.array([0], np.int64), "e2"), const(np.array([1], np.int64), "a2"),
         const(np.array([-2], np.int64), "st2")]),
        [x], {"REVERSE_SEQUENCE", "STRIDED_SLICE"})
    cases["lrn"] = (_onnx_model(
        [node("LRN", ["x"], ["y"], size=3, alpha=0.3, beta=0.75, bias=1.5)],
        [vi("x", F, [1, 6, 4, 4])], [vi("y", F, [1, 6, 4, 4])]),
        [rng.standard_normal((1, 6, 4, 4)).astype(np.float32)], {"LOCAL_RESPONSE_NORMALIZATION"})
    cases["atan"] = (_onnx_model([node("Atan", ["x"], ["y"])], [vi("x", F, [3, 5, 4])],
                                 [vi("y", F, [3, 5, 4])]), [x], {"ZEROS_LIKE"})
    cases["right_shift"] = (_onnx_model(
        [node("BitShift", ["u", "s"], ["y"], direction="RIGHT")], [vi("u", U8, [3, 5, 4])],
        [vi("y", U8, [3, 5, 4])], [const(np.array([0, 1, 3, 7], np.uint8), "s")]),
        [rng.integers(0, 256, (3, 5, 4)).astype(np.uint8)], {"RIGHT_SHIFT"})
    cases["bitwise_xor"] = (_onnx_model(
        [node("Cast", ["x"], ["xi"], to=I32), node("BitwiseXor", ["xi", "m"], ["y"])],
        [vi("x", F, [3, 5, 4])], [vi("y", I32, [3, 5, 4])],
        [const(np.array([5, -3, 0, 255], np.int32), "m")], opset=18), [x * 7], {"BITWISE_XOR"})
    cases["dynamic_update_slice"] = (_onnx_model(  # a ScatterND of one index tuple
        [node("ScatterND", ["x", "i", "u"], ["y"])],
        [vi("x", F, [3, 5, 4]), vi("u", F, [1, 5, 4])], [vi("y", F, [3, 5, 4])],
        [const(np.array([[1]], np.int64), "i")]),
        [x, rng.standard_normal((1, 5, 4)).astype(np.float32)], {"DYNAMIC_UPDATE_SLICE"})
    cases["segment_max_min"] = (_onnx_model(  # scatters reducing by max / min
        [node("ScatterElements", ["x", "i", "u"], ["y"], axis=1, reduction="max"),
         node("ScatterND", ["x", "j", "v"], ["z"], reduction="min")],
        [vi("x", F, [3, 5, 4]), vi("u", F, [3, 2, 4]), vi("v", F, [3, 4])],
        [vi("y", F, [3, 5, 4]), vi("z", F, [3, 5, 4])],
        [const(np.array([[[0, 4, 4, 1], [4, 4, 0, 2]]] * 3, np.int64), "i"),
         const(np.array([[0, 1], [0, 1], [2, 3]], np.int64), "j")], opset=18),
        [x, rng.standard_normal((3, 2, 4)).astype(np.float32),
         rng.standard_normal((3, 4)).astype(np.float32)],
        {"UNSORTED_SEGMENT_MAX", "UNSORTED_SEGMENT_MIN"})
    return cases


def _litert_named(path, feeds):
    """LiteRT's builtin kernels on one set of inputs (in the file's input order): {output
    name: array}."""
    it = _interp(path, delegates=False)
    for d, x in zip(it.get_input_details(), feeds):
        it.set_tensor(d["index"], x.astype(d["dtype"]))
    it.invoke()
    return {d["name"]: np.array(it.get_tensor(d["index"])) for d in it.get_output_details()}


def _pt2tf_run(path, feeds, tmp_path):
    """`pt2tf run` of a .tflite on `feeds` (named as the file's inputs): {output name: array}."""
    names = [d["name"] for d in _interp(path, delegates=False).get_input_details()]
    inputs = tmp_path / "in.npz"
    np.savez(inputs, **dict(zip(names, feeds)))
    run_pt2tf("run", "-i", path, "--inputs", inputs, "-o", tmp_path / "out.npz")
    got = np.load(tmp_path / "out.npz")
    return {k: got[k] for k in got.files}


INDEX_CASES = ["cumsum", "cumsum_int32", "argmax_argmin", "topk", "one_hot", "gather_nd",
               "scatter_nd", "reverse_sequence_flip", "lrn", "atan", "right_shift", "bitwise_xor",
               "dynamic_update_slice", "segment_max_min"]


@pytest.mark.parametrize("case", INDEX_CASES)
def test_evaluator_index_kernels_match_litert(case, tmp_path):
    """`pt2tf run` of each case's float .tflite equals LiteRT's builtin kernels: integer
    outputs (indices, shifted bits) exactly and in the same dtype, float ones within
    1e-5 x max(1, |ref|) (LRN's pow within 1e-4)."""
    import onnx
    model, feeds, ops = index_kernel_cases()[case]
    src, f32 = tmp_path / "m.onnx", tmp_path / "m.tflite"
    onnx.save(model, src)
    run_pt2tf("convert", "-q", "-i", src, "-o", f32)
    assert ops <= _op_names(f32), ops - _op_names(f32)
    ref = _litert_named(f32, feeds)
    got = _pt2tf_run(f32, feeds, tmp_path)
    assert sorted(got) == sorted(ref)
    for name, r in ref.items():
        g = got[name]
        assert g.dtype == r.dtype and g.shape == r.shape, (name, g.dtype, r.dtype, g.shape, r.shape)
        if r.dtype.kind == "f":
            tol = (1e-4 if case == "lrn" else 1e-5) * max(1.0, float(np.abs(r).max()))
            assert np.abs(g - r).max() <= tol, (name, np.abs(g - r).max())
        else:
            assert np.array_equal(g, r), (name, g, r)


def index_cnn():
    """An ONNX CNN whose float part holds the index kernels beside int8 convs and a linear
    head: LRN after the first conv (ONNX's LRN: torch exports LocalResponseNorm as pooling,
    so it is spliced in), a CUMSUM along W, TOPK_V2 of it, ONE_HOT of an ARG_MAX, and gathers
    by the top-k indices (also a seed of tests/fuzz/corpus/tflite_eval, see make_corpus.py)."""
    import onnx
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    from onnx import helper

    class IndexCnn(nn.Module):
        def __init__(self):
            super().__init__()
            self.c1 = nn.Conv2d(3, 8, 3, padding=1)
            self.c2 = nn.Conv2d(8, 8, 3, padding=1)
            self.fc = nn.ModuleList([nn.Linear(64, 10), nn.Linear(32, 10), nn.Linear(64, 10)])

        def forward(self, x):
            # Slices and SUM rather than means, and three linears summed rather than one on a
            # concatenation: LiteRT's int8 MEAN and the requantization that aligns concatenated
            # inputs are not simulated bit-exactly (docs/QUANTIZATION.md), and here a step of
            # them would move the comparison off what the new kernels do.
            x = self.c2(F.relu(self.c1(x)))                          # [1, 8, 8, 8]
            c = torch.cumsum(x[:, :, 2], dim=-1) / 8                 # CUMSUM [1, 8, 8]
            v, i = torch.topk(c, 4, dim=-1)                          # TOPK_V2 [1, 8, 4]
            hot = F.one_hot(x[:, :, :, 5].argmax(1), 8).float()      # ARG_MAX, ONE_HOT
            g = c[0][i[0, :, 0], i[0, :, 1]]                         # GATHERs by index
            parts = [c.flatten(1), v.flatten(1) + g.sum() / 8, hot.flatten(1)]
            return sum(fc(p) for fc, p in zip(self.fc, parts))

    torch.manual_seed(0)
    import io
    buf = io.BytesIO()
    torch.onnx.export(IndexCnn().eval(), (torch.zeros(1, 3, 8, 8),), buf, input_names=["x"],
                      output_names=["y"], dynamo=False, opset_version=17)
    model = onnx.load_from_string(buf.getvalue())
    relu = next(n for n in model.graph.node if n.op_type == "Relu")
    out = relu.output[0]
    for n in model.graph.node:
        for k, name in enumerate(n.input):
            if name == out:
                n.input[k] = out + "_lrn"
    at = list(model.graph.node).index(relu) + 1
    model.graph.node.insert(at, helper.make_node("LRN", [out], [out + "_lrn"], size=3,
                                                 alpha=0.05, beta=0.75, bias=1.0))
    return model


def test_int8_calibrates_through_index_kernels(tmp_path):
    """int8 of a CNN with LRN, CUMSUM, TOPK_V2, ARG_MAX, ONE_HOT in its float part (was 'no
    kernel for TFLite ...'): the convs and the linear int8, the reported SNR within 1 dB of
    LiteRT's (builtin kernels) on the held-back samples, and `pt2tf run` of the float file
    equal to LiteRT's within 1e-5."""
    import onnx
    src = tmp_path / "m.onnx"
    onnx.save(index_cnn(), src)
    f32, q = tmp_path / "f.tflite", tmp_path / "q.tflite"
    run_pt2tf("convert", "-q", "-i", src, "-o", f32)
    want = {"LOCAL_RESPONSE_NORMALIZATION", "CUMSUM", "TOPK_V2", "ARG_MAX", "ONE_HOT"}
    assert want <= _op_names(f32), want - _op_names(f32)
    xs = np.random.default_rng(0).standard_normal((20, 1, 3, 8, 8)).astype(np.float32)
    ref = _litert_named(f32, [xs[0]])["y"]
    got = _pt2tf_run(f32, [xs[0]], tmp_path)["y"]
    assert np.abs(got - ref).max() <= 1e-5 * max(1.0, float(np.abs(ref).max()))
    calib = tmp_path / "calib.npy"
    np.save(calib, xs[:, 0])
    report = _convert(src, q, "--quantize", "int8", "--calibration", calib)["quantization"]
    weighted = _weight_types(q)
    assert len(weighted) == 5 and all(x == np.int8 and w == np.int8 for _, x, w in weighted)
    held = xs[20 - report["eval_samples"]:]
    ref = np.concatenate([_litert(f32, x) for x in held])
    got = np.concatenate([_litert(q, x, delegates=False) for x in held])
    snr, reported = _snr(ref, got), report["accuracy"][0]["snr_db"]
    print(f"index CNN int8: pt2tf SNR {reported:.2f} dB, LiteRT {snr:.2f} dB, float ops "
          f"{report['float_op_types']}")
    assert abs(reported - snr) <= 1.0, (reported, snr)


_TINY_BERT = """
import sys
import torch
from transformers import BertConfig, BertModel
torch.manual_seed(0)
config = BertConfig(vocab_size=100, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                    intermediate_size=64, max_position_embeddings=32)


class Bert(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.bert = BertModel(config, add_pooling_layer=False).eval()

    def forward(self, ids, mask):
        return self.bert(input_ids=ids, attention_mask=mask).last_hidden_state


torch.onnx.export(Bert().eval(), (torch.zeros(1, 16, dtype=torch.int64),
                                  torch.ones(1, 16, dtype=torch.int64)), sys.argv[1],
                  input_names=["ids", "mask"], output_names=["h"], dynamo=False, opset_version=17)
"""


def _tiny_bert(tmp_path):
    """A 2-layer BERT (hidden 32, 2 heads, vocabulary 100, random weights) taking token ids and
    an attention mask, both int64 [1, 16], exported to ONNX; 20 calibration samples of random
    ids with masks that hide a random tail. The export runs in its own process: transformers
    pulls in TensorFlow, whose TFLite runtime beside LiteRT's aborts allocate_tensors."""
    import subprocess
    import sys
    src = tmp_path / "bert.onnx"
    subprocess.run([sys.executable, "-c", _TINY_BERT, str(src)], check=True, capture_output=True,
                   env={**os.environ, "USE_TF": "0"})
    rng = np.random.default_rng(0)
    ids = rng.integers(0, 100, (20, 16)).astype(np.int64)
    mask = (np.arange(16)[None] < rng.integers(8, 17, (20, 1))).astype(np.int64)
    return src, ids, mask


def test_bert_int8_calibrates_on_token_ids(tmp_path):
    """int8 of a BERT calibrated on integer token ids (.npz of int64 ids and masks; int32
    arrays work too): the inputs stay int64 in the file, every FULLY_CONNECTED is int8, the
    report has an SNR, and LiteRT's int8 output is close to its float one (measured 32.7 dB in
    pt2tf's report and 32.9 dB in LiteRT: bound 25 dB) and within 1 dB of the report."""
    src, ids, mask = _tiny_bert(tmp_path)
    calib = tmp_path / "ids.npz"
    np.savez(calib, ids=ids, mask=mask)
    f32, q = tmp_path / "f.tflite", tmp_path / "q.tflite"
    run_pt2tf("convert", "-q", "-i", src, "-o", f32)
    report = _convert(src, q, "--quantize", "int8", "--calibration", calib)["quantization"]
    reported = report["accuracy"][0]["snr_db"]
    assert np.isfinite(reported) and reported > -999, report["accuracy"]
    it = _interp(q, delegates=False)
    assert [d["dtype"] for d in it.get_input_details()] == [np.int64, np.int64]
    fcs = [op for op in _weight_types(q) if op[0] == "FULLY_CONNECTED"]
    assert len(fcs) == 12 and all(x == np.int8 and w == np.int8 for _, x, w in fcs), fcs
    held = range(20 - report["eval_samples"], 20)
    ref = np.concatenate([_litert_named(f32, [ids[k:k + 1], mask[k:k + 1]])["h"] for k in held])
    got = np.concatenate([_litert_named(q, [ids[k:k + 1], mask[k:k + 1]])["h"] for k in held])
    snr = _snr(ref, got)
    print(f"tiny BERT int8: pt2tf SNR {reported:.2f} dB, LiteRT {snr:.2f} dB, float ops "
          f"{report['float_op_types']}")
    assert snr >= 25, snr
    assert abs(reported - snr) <= 1.0, (reported, snr)
    # int32 ids for the int64 inputs: the same file.
    np.savez(calib, ids=ids.astype(np.int32), mask=mask.astype(np.int32))
    q32 = tmp_path / "q32.tflite"
    _convert(src, q32, "--quantize", "int8", "--calibration", calib)
    assert q32.read_bytes() == q.read_bytes()


@pytest.mark.parametrize("case", ["float_ids", "out_of_range"])
def test_bad_token_id_calibration(case, tmp_path):
    """Float arrays for integer inputs, and ids the evaluator cannot carry exactly (beyond
    2^24), are one-line errors naming the file; no output is written."""
    src, ids, mask = _tiny_bert(tmp_path)
    calib = tmp_path / "bad.npz"
    if case == "float_ids":
        np.savez(calib, ids=ids.astype(np.float32), mask=mask)
    else:
        ids[3, 2] = 1 << 30
        np.savez(calib, ids=ids, mask=mask)
    q = tmp_path / "q.tflite"
    proc = run_pt2tf("convert", "-i", src, "-o", q, "--quantize", "int8", "--calibration", calib,
                     check=False)
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and ("float32" in lines[0] if case == "float_ids" else "2^24" in lines[0]), lines
    assert not q.exists()


def _vit_block():
    """Patch embedding, then two pre-norm transformer blocks (nn.TransformerEncoderLayer:
    LayerNorm, multi-head attention, GELU MLP) on [batch, tokens, features], and a head."""
    import torch
    import torch.nn as nn

    class Vit(nn.Module):
        def __init__(self):
            super().__init__()
            self.patch = nn.Conv2d(3, 256, 4, stride=4)
            layer = nn.TransformerEncoderLayer(256, 4, 1024, dropout=0.0, activation="gelu",
                                               batch_first=True, norm_first=True)
            self.blocks = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
            self.head = nn.Linear(256, 10)

        def forward(self, x):
            t = self.patch(x).flatten(2).transpose(1, 2)
            return self.head(self.blocks(t).mean(1))

    torch.manual_seed(0)
    return Vit().eval()


@pytest.mark.parametrize("mode", ["int8", "dynamic-int8"])
def test_transformer_linears_quantize(mode, tmp_path):
    """nn.Linear on a sequence is FULLY_CONNECTED (keep_num_dims), so both int8 modes
    quantize a transformer's weights: 2 blocks x (attention in/out + 2 MLP) + head + the
    patch conv are int8, the file <= 0.3x fp32, the reported SNR within 1 dB of LiteRT's,
    and the float file matches eager."""
    import torch
    model = _vit_block()
    onnx = tmp_path / "vit.onnx"
    torch.onnx.export(model, (torch.zeros(1, 3, 16, 16),), str(onnx), input_names=["x"],
                      output_names=["y"], dynamo=False, opset_version=17)
    f32, q = tmp_path / "f.tflite", tmp_path / "q.tflite"
    run_pt2tf("convert", "-q", "-i", onnx, "-o", f32)
    xs = _photos(20, 16, seed=0)
    with torch.no_grad():
        eager = model(torch.from_numpy(xs[:2])).numpy()
    ref2 = np.concatenate([_litert(f32, x[None]) for x in xs[:2]])
    assert np.abs(ref2 - eager).max() <= 1e-4 * max(1.0, float(np.abs(eager).max()))
    calib = tmp_path / "calib.npy"
    np.save(calib, xs)
    report = _convert(onnx, q, "--quantize", mode, "--calibration", calib)["quantization"]
    weighted = _weight_types(q)
    assert len(weighted) == len(_weight_types(f32)) == 1 + 2 * 4 + 1, weighted
    assert all(w == np.int8 for _, _, w in weighted), weighted
    if mode == "int8":
        assert all(x == np.int8 for _, x, _ in weighted), weighted
    ratio = q.stat().st_size / f32.stat().st_size
    assert ratio <= 0.3, ratio
    held = xs[20 - report["eval_samples"]:]
    ref = np.concatenate([_litert(f32, x[None]) for x in held])
    got = np.concatenate([_litert(q, x[None], delegates=False) for x in held])
    snr = _snr(ref, got)
    print(f"vit {mode}: pt2tf SNR {report['accuracy'][0]['snr_db']:.2f} dB, LiteRT {snr:.2f} "
          f"dB, {ratio:.3f}x fp32, float ops {report['float_op_types']}")
    assert abs(report["accuracy"][0]["snr_db"] - snr) <= 1.0


def _op_model(op):
    """One int8 op between QUANTIZE/DEQUANTIZE-free int8 edges (`--io-dtype int8`)."""
    import torch
    import torch.nn as nn

    class One(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(torch.linspace(-1.5, 2.0, 8).reshape(1, 8, 1, 1))

        def forward(self, x):
            if op == "hardswish":
                return nn.functional.hardswish(x * 3.0)
            if op == "sigmoid":
                return torch.sigmoid(x * 3.0)
            if op == "tanh":
                return torch.tanh(x * 2.0)
            if op == "mul_broadcast":
                return x * torch.relu(x.mean((2, 3), keepdim=True) * 4.0)
            if op == "add":
                return x + torch.relu(x * 2.0)
            if op == "sub_broadcast":
                return x - self.w
            if op == "mean":
                return x.mean((2, 3), keepdim=True)
            if op == "upsample_concat":
                y = nn.functional.interpolate(nn.functional.max_pool2d(x, 2), scale_factor=2.0,
                                              mode="nearest")
                return torch.cat([x[:, :4], y[:, 4:] * 3.0], 1)
            raise ValueError(op)

    return One().eval()


INT8_OPS = ["hardswish", "sigmoid", "tanh", "mul_broadcast", "add", "sub_broadcast", "mean",
            "upsample_concat"]
# Simulated by fake quantization, not yet bit-exact: MEAN (in mul_broadcast's squeeze too)
# and the int8->int8 QUANTIZE that aligns CONCATENATION inputs. Within one step.
ONE_STEP_OPS = {"mean", "mul_broadcast", "upsample_concat"}


@pytest.mark.parametrize("op", INT8_OPS)
def test_int8_op_simulation_exact(op, tmp_path):
    """Each int8 kernel pt2tf simulates, alone: its int8 outputs equal LiteRT's builtin
    kernel's on every element (integer I/O, so nothing but the op itself is compared)."""
    import torch
    model = _op_model(op)
    onnx = tmp_path / "m.onnx"
    torch.onnx.export(model, (torch.zeros(4, 8, 6, 6),), str(onnx), input_names=["x"],
                      output_names=["y"], dynamo=False)
    rng = np.random.default_rng(1)
    calib = tmp_path / "calib.npy"
    np.save(calib, (rng.standard_normal((40, 8, 6, 6)) * np.linspace(0.2, 2, 8)[:, None, None])
            .astype(np.float32))
    q = tmp_path / "q.tflite"
    _convert(onnx, q, "--quantize", "int8", "--calibration", calib, "--io-dtype", "int8")
    x = np.load(calib)[:4]
    np.save(tmp_path / "x.npy", x)
    run_pt2tf("run", "-i", q, "--inputs", tmp_path / "x.npy", "-o", tmp_path / "sim.npz")
    sim = np.load(tmp_path / "sim.npz")
    (sim,) = [sim[k] for k in sim.files]
    out = _interp(q, delegates=False).get_output_details()[0]
    s, z = out["quantization"]
    sim_q = _round_away(sim / s + z).astype(np.int32)
    ref_q = _litert(q, x, delegates=False, raw=True).astype(np.int32)
    diff = np.abs(sim_q - ref_q)
    print(f"{op}: max step difference {diff.max()}, equal {np.mean(diff == 0):.4f}, "
          f"output levels {len(np.unique(ref_q))}")
    assert len(np.unique(ref_q)) > 8, "degenerate test: the output has few levels"
    assert diff.max() <= (1 if op in ONE_STEP_OPS else 0), (diff.max(), np.mean(diff == 0))


def _collapsing_cnn(scale):
    """Conv -> ReLU -> Conv whose first conv's weights are multiplied by `scale`: at 1e-9 its
    activations are ~1e-9, too narrow a range for the second conv's int32 bias."""
    import torch
    import torch.nn as nn
    torch.manual_seed(3)
    model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 4, 3)).eval()
    with torch.no_grad():
        model[0].weight.mul_(scale)
        model[0].bias.zero_()
        model[2].bias.copy_(torch.tensor([0.5, -0.3, 0.2, 0.8]))
    return model


@pytest.mark.parametrize("scale", [1e-9, 1.0])
def test_int8_warns_when_a_range_collapses(scale, tmp_path):
    """A saturated int32 bias and an output that lost its signal are named in a warning (and
    LiteRT confirms the file is that bad); a healthy model gets neither warning."""
    import torch
    model = _collapsing_cnn(scale)
    onnx = tmp_path / "m.onnx"
    torch.onnx.export(model, (torch.zeros(1, 3, 8, 8),), str(onnx), input_names=["x"],
                      output_names=["y"], dynamo=False)
    xs = np.random.default_rng(0).standard_normal((20, 3, 8, 8)).astype(np.float32)
    calib = tmp_path / "calib.npy"
    np.save(calib, xs)
    q = tmp_path / "q.tflite"
    report = run_pt2tf_json("convert", "--json", "-i", onnx, "-o", q, "--quantize", "int8",
                            "--calibration", calib)
    warnings = report["warnings"]
    with torch.no_grad():
        ref = model(torch.from_numpy(xs)).numpy()
    got = _litert(q, xs)
    litert_snr = 10 * np.log10(np.sum(ref ** 2) / np.sum((ref - got.reshape(ref.shape)) ** 2))
    saturated = [w for w in warnings if "int32 bias of 1 op(s) saturated" in w]
    lost = [w for w in warnings if "output 'y' keeps little of its signal" in w]
    if scale < 1:
        assert litert_snr < 3, litert_snr
        assert len(saturated) == 1 and saturated[0].startswith(str(q) + ": "), warnings
        assert len(lost) == 1, warnings
    else:
        assert litert_snr > 20, litert_snr
        assert not saturated and not lost, warnings


def test_run_refuses_hostile_tflite(tmp_path):
    """`pt2tf run` on corrupted float and int8 files of kernels_model and index_cnn (random
    bytes, every shape and parameter the evaluator reads may be wrong): a result or a one-line
    error naming the file, never a crash, a hang or a partial output (fuzz_tflite_eval goes
    further)."""
    import torch
    onnx = tmp_path / "k.onnx"
    torch.onnx.export(kernels_model(), (torch.zeros(1, 3, 8, 8),), str(onnx), input_names=["x"],
                      output_names=["y"], dynamo=False, opset_version=17)
    rng = np.random.default_rng(0)
    x = tmp_path / "x.npy"
    np.save(x, rng.standard_normal((1, 3, 8, 8)).astype(np.float32))
    calib = tmp_path / "calib.npy"
    np.save(calib, rng.standard_normal((10, 3, 8, 8)).astype(np.float32))
    goods = [tmp_path / "f.tflite", tmp_path / "q.tflite", tmp_path / "fi.tflite",
             tmp_path / "qi.tflite"]
    run_pt2tf("convert", "-q", "-i", onnx, "-o", goods[0])
    run_pt2tf("convert", "-q", "-i", onnx, "-o", goods[1], "--quantize", "int8",
              "--calibration", calib)
    import onnx as onnx_lib  # the index kernels too (LRN, CUMSUM, TOPK_V2, ONE_HOT, ...)
    onnx_lib.save(index_cnn(), tmp_path / "i.onnx")
    run_pt2tf("convert", "-q", "-i", tmp_path / "i.onnx", "-o", goods[2])
    run_pt2tf("convert", "-q", "-i", tmp_path / "i.onnx", "-o", goods[3], "--quantize", "int8",
              "--calibration", calib)
    refused = 0
    for good in goods:
        data = good.read_bytes()
        for n in range(25):
            bad = bytearray(data)
            for i in rng.integers(8, len(data), size=24):
                bad[i] = int(rng.integers(0, 256))
            path, out = tmp_path / f"bad{n}.tflite", tmp_path / f"out{n}.npz"
            path.write_bytes(bytes(bad))
            proc = run_pt2tf("run", "-i", path, "--inputs", x, "-o", out, check=False, timeout=60)
            assert proc.returncode in (0, 1), f"{path}: exit {proc.returncode}: {proc.stderr[-400:]}"
            if proc.returncode == 1:
                refused += 1
                lines = proc.stderr.strip().splitlines()
                assert len(lines) == 1 and str(path) in lines[0], proc.stderr
                assert not out.exists()
    assert refused > 20  # the mutations did reach the checks
