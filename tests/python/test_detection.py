"""Detection post-processing through the TF and TFLite writers: ONNX NonZero and
NonMaxSuppression (hand-built nodes with run-time box counts, and torchvision.ops.nms as
torch.onnx.export writes it), against ONNX Runtime and PyTorch eager. The outputs have a
data-dependent size, so every comparison is exact on shape and values."""
import numpy as np
import pytest
import torch
import torchvision  # noqa: F401  (registers torch.ops.torchvision; not importable mid-trace)

from conftest import run_pt2tf
from test_dynamic import run_batches


def onnx_model(nodes, inputs, outputs, inits=()):
    import onnx
    from onnx import helper
    graph = helper.make_graph(nodes, "g", inputs, outputs, initializer=list(inits))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def convert_all(model, tmp_path):
    path = tmp_path / "m.onnx"
    path.write_bytes(model.SerializeToString())
    pb, saved, lite = tmp_path / "m.pb", tmp_path / "m_saved", tmp_path / "m.tflite"
    run_pt2tf("convert", "-i", path, "-o", pb, "-o", f"{saved}/", "-o", lite, "-q")
    return path, pb, saved, lite


def check(model, feeds, tmp_path, refs=None):
    """Converts `model`, runs every feed in TF (frozen, SavedModel) and LiteRT, and compares
    with ONNX Runtime (or `refs`) exactly."""
    import onnxruntime as ort
    import tflite_runner
    path, pb, saved, lite = convert_all(model, tmp_path)
    outs = [o.name for o in model.graph.output]
    if refs is None:
        sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        refs = [dict(zip(outs, sess.run(outs, f))) for f in feeds]
    _, frozen, served = run_batches(pb, outs, saved, feeds)
    for feed, ref, got_f, got_s in zip(feeds, refs, frozen, served):
        got_l, _ = tflite_runner.run_resized(lite, feed)
        for o in outs:
            for what, got in (("frozen", got_f[o]), ("SavedModel", got_s[o]), ("TFLite", got_l[o])):
                assert got.shape == ref[o].shape, f"{what} {o}: {got.shape} vs {ref[o].shape}"
                np.testing.assert_array_equal(got, ref[o], err_msg=f"{what} {o}")
    return lite


@pytest.mark.parametrize("dtype", ["float", "bool"])
def test_nonzero_with_run_time_dims(dtype, tmp_path):
    from onnx import TensorProto, helper
    t = TensorProto.FLOAT if dtype == "float" else TensorProto.BOOL
    model = onnx_model([helper.make_node("NonZero", ["x"], ["idx"])],
                       [helper.make_tensor_value_info("x", t, ["a", 3, "b"])],
                       [helper.make_tensor_value_info("idx", TensorProto.INT64, [3, "n"])])
    g = np.random.default_rng(0)
    feeds = []
    for shape in ((2, 3, 4), (5, 3, 1)):
        x = g.standard_normal(shape) * (g.random(shape) < 0.4)
        feeds.append({"x": x.astype(np.float32) if dtype == "float" else x != 0})
    lite = check(model, feeds, tmp_path)
    import tflite_runner
    assert tflite_runner.ops(lite)["WHERE"] == 1


def nms_model(center, runtime_max):
    from onnx import TensorProto, helper, numpy_helper
    inputs = [helper.make_tensor_value_info("boxes", TensorProto.FLOAT, [2, "n", 4]),
              helper.make_tensor_value_info("scores", TensorProto.FLOAT, [2, 3, "n"])]
    inits = [numpy_helper.from_array(np.array([0.45], np.float32), "iou"),
             numpy_helper.from_array(np.array([0.2], np.float32), "score_threshold")]
    if runtime_max:
        inputs.append(helper.make_tensor_value_info("max_out", TensorProto.INT64, [1]))
    else:
        inits.append(numpy_helper.from_array(np.array([4], np.int64), "max_out"))
    node = helper.make_node("NonMaxSuppression",
                            ["boxes", "scores", "max_out", "iou", "score_threshold"],
                            ["selected"], center_point_box=int(center))
    return onnx_model([node], inputs,
                      [helper.make_tensor_value_info("selected", TensorProto.INT64, ["k", 3])],
                      inits)


def random_boxes(g, n, center):
    """n boxes in a 10x10 field, overlapping often; as corners in either diagonal order, or
    as centres and sizes."""
    xy = g.random((2, n, 2)) * 8
    wh = 1 + g.random((2, n, 2)) * 3
    if center:
        return np.concatenate([xy + wh / 2, wh], -1).astype(np.float32)
    a, b = xy, xy + wh
    flip = g.random((2, n, 1)) < 0.5  # ONNX allows either corner first
    return np.concatenate([np.where(flip, b, a), np.where(flip, a, b)], -1)[..., [1, 0, 3, 2]] \
        .astype(np.float32)


@pytest.mark.parametrize("center", [False, True], ids=["corners", "centers"])
@pytest.mark.parametrize("runtime_max", [False, True], ids=["const_max", "runtime_max"])
def test_non_max_suppression_matches_onnxruntime(center, runtime_max, tmp_path):
    model = nms_model(center, runtime_max)
    g = np.random.default_rng(1)
    feeds = []
    for n, m in ((12, 3), (30, 100)):
        feed = {"boxes": random_boxes(g, n, center),
                "scores": g.random((2, 3, n)).astype(np.float32)}
        if runtime_max:
            feed["max_out"] = np.array([m], np.int64)
        feeds.append(feed)
    lite = check(model, feeds, tmp_path)
    import tflite_runner
    assert tflite_runner.ops(lite)["NON_MAX_SUPPRESSION_V5"] == 6  # 2 batches x 3 classes


@pytest.mark.parametrize("iou", [0.5, 1.0])
def test_non_max_suppression_of_zero_area_boxes(iou, tmp_path):
    """Boxes of zero area (a detector's box clipped flat at the border, or a point) have IoU 0
    with every box in ONNX, so they are all kept. LiteRT's kernel puts a selected box back in
    its queue and counts on its IoU with itself to drop it, so such a box, and every box under
    a threshold of 1 or more, came back until it filled every slot; the TFLite form gives each
    box a positive area and caps the threshold at 1 (at 1.0 the boxes here are distinct)."""
    from onnx import TensorProto, helper, numpy_helper
    inputs = [helper.make_tensor_value_info("boxes", TensorProto.FLOAT, [1, "n", 4]),
              helper.make_tensor_value_info("scores", TensorProto.FLOAT, [1, 1, "n"])]
    inits = [numpy_helper.from_array(np.array([iou], np.float32), "iou"),
             numpy_helper.from_array(np.array([100], np.int64), "max_out")]
    node = helper.make_node("NonMaxSuppression", ["boxes", "scores", "max_out", "iou"],
                            ["selected"])
    model = onnx_model([node], inputs,
                       [helper.make_tensor_value_info("selected", TensorProto.INT64, ["k", 3])],
                       inits)
    boxes = np.array([[[0, 0, 2, 2], [48, 63, 48, 65], [10, 10, 12, 12], [0, 0, 2.1, 2],
                       [20, 20, 20, 20], [5, 5, 6, 6], [0, 0, 0, 0], [3, 3, 3, 9]]], np.float32)
    scores = np.array([[[0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2]]], np.float32)
    check(model, [{"boxes": boxes, "scores": scores}], tmp_path)


class Detector(torch.nn.Module):
    """A tiny head whose boxes and scores go through torchvision.ops.nms, and the kept boxes
    are gathered: the post-processing torch.onnx.export writes as NonMaxSuppression."""

    def __init__(self):
        super().__init__()
        self.head = torch.nn.Conv2d(3, 5, 3, padding=1)

    def forward(self, x):
        y = self.head(x).flatten(2)[0].T  # [H*W, 5]
        xy = y[:, :2].sigmoid() * 16
        wh = y[:, 2:4].exp()
        boxes = torch.cat([xy - wh / 2, xy + wh / 2], 1)
        scores = y[:, 4].sigmoid()
        keep = torchvision.ops.nms(boxes, scores, 0.5)
        return boxes[keep], scores[keep]


def test_torchvision_nms_matches_eager(tmp_path):
    torch.manual_seed(0)
    model = Detector().eval()
    x = torch.randn(1, 3, 8, 8)
    path = tmp_path / "det.onnx"
    torch.onnx.export(model, (x,), str(path), dynamo=False, opset_version=17,
                      input_names=["x"], output_names=["boxes", "scores"])
    import onnx
    loaded = onnx.load(str(path))
    assert "NonMaxSuppression" in {n.op_type for n in loaded.graph.node}
    feeds = [{"x": np.random.default_rng(s).standard_normal((1, 3, 8, 8)).astype(np.float32)}
             for s in (1, 2)]
    refs = []
    with torch.no_grad():
        for f in feeds:
            b, s = model(torch.from_numpy(f["x"]))
            refs.append({"boxes": b.numpy(), "scores": s.numpy()})
    assert 1 < len(refs[0]["boxes"]) < 64  # some boxes suppressed, some kept
    import onnxruntime as ort
    import tflite_runner
    _, pb, saved, lite = convert_all(loaded, tmp_path)
    _, frozen, served = run_batches(pb, ["boxes", "scores"], saved, feeds)
    for feed, ref, got_f, got_s in zip(feeds, refs, frozen, served):
        got_l, _ = tflite_runner.run_resized(lite, feed)
        for o in ("boxes", "scores"):
            for what, got in (("frozen", got_f[o]), ("SavedModel", got_s[o]), ("TFLite", got_l[o])):
                assert got.shape == ref[o].shape, f"{what} {o}: {got.shape} vs {ref[o].shape}"
                np.testing.assert_allclose(got, ref[o], rtol=1e-5, atol=1e-5,
                                           err_msg=f"{what} {o}")


class TinyBackbone(torch.nn.Module):
    """Two feature maps (strides 4 and 8) from plain convolutions: random weights on random
    images give scores that differ from box to box. (torchvision's own backbones with random
    weights and BatchNorm give near-constant features, so every box scores alike and each NMS
    breaks the ties its own way.)"""

    def __init__(self):
        super().__init__()
        conv = torch.nn.Conv2d
        self.a = torch.nn.Sequential(conv(3, 16, 3, 2, 1), torch.nn.ReLU(),
                                     conv(16, 32, 3, 2, 1), torch.nn.ReLU())
        self.b = torch.nn.Sequential(conv(32, 32, 3, 2, 1), torch.nn.ReLU())
        self.out_channels = 32

    def forward(self, x):
        import collections
        f1 = self.a(x)
        return collections.OrderedDict([("0", f1), ("1", self.b(f1))])


def tiny_detector(kind, score_thresh):
    """torchvision's SSD, RetinaNet or FCOS around TinyBackbone, 96×96, 4 classes."""
    from torchvision.models.detection.fcos import FCOS
    from torchvision.models.detection.retinanet import RetinaNet
    from torchvision.models.detection.ssd import SSD
    from torchvision.models.detection.anchor_utils import AnchorGenerator, DefaultBoxGenerator
    torch.manual_seed(0)
    if kind == "ssd":
        backbone = TinyBackbone()
        backbone.out_channels = [32, 32]  # SSD takes one per feature map
        return SSD(backbone, DefaultBoxGenerator([[2], [2, 3]]), (96, 96), num_classes=4,
                   score_thresh=score_thresh, detections_per_img=50, topk_candidates=60).eval()
    kw = dict(min_size=96, max_size=96, score_thresh=score_thresh, detections_per_img=50,
              topk_candidates=60)
    if kind == "retinanet":
        anchors = AnchorGenerator(((16,), (32,)), ((0.5, 1.0, 2.0),) * 2)
        model = RetinaNet(TinyBackbone(), 4, anchor_generator=anchors, **kw).eval()
        # Its head starts at the 0.01 prior for every box: spread the scores.
        with torch.no_grad():
            model.head.classification_head.cls_logits.weight.normal_(0, 0.3)
            model.head.classification_head.cls_logits.bias.zero_()
        return model
    anchors = AnchorGenerator(((8,), (16,)), ((1.0,),) * 2)
    return FCOS(TinyBackbone(), 4, anchor_generator=anchors, **kw).eval()


@pytest.mark.parametrize("kind,score_thresh,dynamic", [
    ("ssd", 0.3, True), ("ssd", 0.999, False), ("retinanet", 0.3, False),
    ("fcos", 0.05, False)])
def test_torchvision_detectors_match_eager(kind, score_thresh, dynamic, tmp_path):
    """torchvision detectors end to end as torch.onnx.export writes them: image resize, box
    decoding, a TopK whose K is computed at run time (min(candidates, boxes above the
    threshold)), batched NMS inside an If over "no box left", int64 index arithmetic (box
    index // class count, which LiteRT has no int64 DIV for) and an If branch returning no
    boxes (score_thresh 0.999). Frozen graph, SavedModel and LiteRT against PyTorch eager;
    the SSD also at image sizes other than the export's (dynamic H and W)."""
    import onnxruntime as ort
    import tflite_runner
    model = tiny_detector(kind, score_thresh)
    x = torch.rand(3, 96, 96)
    path = tmp_path / "det.onnx"
    outs = ["boxes", "scores", "labels"]
    torch.onnx.export(model, ([x],), str(path), dynamo=False, opset_version=17,
                      input_names=["images"], output_names=outs,
                      dynamic_axes={"images": {1: "h", 2: "w"}} if dynamic else None)
    sizes = [(96, 96), (120, 80), (64, 200)] if dynamic else [(96, 96)]
    feeds = [{"images": np.random.default_rng(s).random((3, h, w), dtype=np.float32)}
             for s, (h, w) in enumerate(sizes)]
    refs = []
    with torch.no_grad():
        for f in feeds:
            r = model([torch.from_numpy(f["images"])])[0]
            refs.append({o: r[o].numpy() for o in outs})
    if score_thresh > 0.9:
        assert all(len(r["boxes"]) == 0 for r in refs)
    else:
        assert all(len(r["boxes"]) >= 10 for r in refs), [len(r["boxes"]) for r in refs]
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    _, pb, saved, lite = convert_all(__import__("onnx").load(str(path)), tmp_path)
    _, frozen, served = run_batches(pb, outs, saved, feeds)
    for feed, ref, got_f, got_s in zip(feeds, refs, frozen, served):
        got_l, _ = tflite_runner.run_resized(lite, feed)
        got_o = dict(zip(outs, sess.run(outs, feed)))
        for what, got in (("ORT", got_o), ("frozen", got_f), ("SavedModel", got_s),
                          ("TFLite", got_l)):
            assert_same_detections(got, ref, what)


def assert_same_detections(got, ref, what):
    """The same detections: equal count, and each reference detection (label, score, box)
    found in `got` within 1e-4 relative. The order is compared only between scores further
    apart than that: an untrained model's scores come within a float32 rounding of each other
    (0.08472715 beside 0.08472712), and any two implementations' rounding may swap such a
    pair in a TopK or NMS. A detection may be missing only where its score is that close to
    the last one kept (the cut at detections_per_img)."""
    n = len(ref["scores"])
    assert got["boxes"].shape == ref["boxes"].shape, f"{what}: {got['boxes'].shape} vs {n} boxes"
    if n == 0:
        return
    box_tol = 1e-4 * max(1.0, float(np.abs(ref["boxes"]).max()))
    score_tol = 1e-4 * max(1.0, float(np.abs(ref["scores"]).max()))
    np.testing.assert_allclose(got["scores"], ref["scores"], rtol=0, atol=score_tol,
                               err_msg=f"{what}: scores (sorted, so a swapped near-tie agrees)")
    used = np.zeros(n, bool)
    for i in range(n):
        match = np.nonzero(~used & (got["labels"] == ref["labels"][i])
                           & (np.abs(got["scores"] - ref["scores"][i]) <= score_tol)
                           & np.all(np.abs(got["boxes"] - ref["boxes"][i]) <= box_tol, axis=1))[0]
        if len(match):
            used[match[0]] = True
            continue
        assert ref["scores"][i] - ref["scores"][-1] <= score_tol, (
            f"{what}: detection {i} (label {ref['labels'][i]}, score {ref['scores'][i]}, "
            f"box {ref['boxes'][i]}) is missing")


@pytest.mark.parametrize("op", ["Div", "FloorDiv"])
def test_int64_division_is_exact_in_tflite(op, tmp_path):
    """LiteRT has no int64 DIV or FLOOR_DIV: the TFLite form refines float32 quotients with
    exact int64 remainders. Signs, exact multiples, dividends past 2^24 and 2^53, divisors
    past 2^32, against NumPy's integer division (ONNX Div on integers truncates; FloorDiv is
    torch's a // b, exported as Div + the floor correction)."""
    from onnx import TensorProto, helper
    g = np.random.default_rng(0)
    a = np.concatenate([g.integers(-1000, 1000, 200), g.integers(-2**40, 2**40, 200),
                        g.integers(-2**62, 2**62, 200), [0, 7, -7, 6, -6, 2**53 + 1, -(2**53 + 1),
                                                         2**62, -2**62, 2**63 - 1, -2**63 + 1]])
    b = np.concatenate([g.integers(1, 50, 200) * g.choice([-1, 1], 200),
                        g.integers(1, 2**20, 200) * g.choice([-1, 1], 200),
                        g.integers(1, 2**34, 200) * g.choice([-1, 1], 200),
                        [3, 3, 3, 3, 3, 7, 7, 3, -3, 2**31 + 11, -5]])
    a, b = a.astype(np.int64), b.astype(np.int64)
    if op == "Div":
        nodes = [helper.make_node("Div", ["a", "b"], ["y"])]
        want = np.sign(a) * np.sign(b) * (np.abs(a) // np.abs(b))
    else:
        class FloorDiv(torch.nn.Module):
            def forward(self, a, b):
                return torch.div(a, b, rounding_mode="floor")
        path = tmp_path / "fd.onnx"
        torch.onnx.export(FloorDiv(), (torch.from_numpy(a), torch.from_numpy(b)), str(path),
                          dynamo=False, opset_version=17, input_names=["a", "b"],
                          output_names=["y"], dynamic_axes={"a": {0: "n"}, "b": {0: "n"}})
        want = a // b
    if op == "Div":
        vi = [helper.make_tensor_value_info(n, TensorProto.INT64, ["n"]) for n in ("a", "b")]
        model = onnx_model(nodes, vi, [helper.make_tensor_value_info("y", TensorProto.INT64,
                                                                     ["n"])])
        path = tmp_path / "m.onnx"
        path.write_bytes(model.SerializeToString())
    import tflite_runner
    lite = tmp_path / "m.tflite"
    run_pt2tf("convert", "-i", path, "-o", lite, "-q")
    got, _ = tflite_runner.run_resized(lite, {"a": a, "b": b})
    np.testing.assert_array_equal(got["y"], want)


def test_ultralytics_nms_model_matches_eager(tmp_path, monkeypatch):
    """YOLOv8n as Ultralytics exports it with `nms=True` (its NMSModel wrapper: a boolean mask
    of the boxes above `conf`, class-offset boxes into torchvision NMS, the kept rows written
    into a [1, max_det, 6] zero tensor, and a gather of the [boxes, 0] extras a plain detector
    has, which TF's GatherNd refused). Random weights with spread BatchNorm statistics and
    class logits; conf 0.2 keeps the top scores, which differ by more than float rounding
    (below it, hundreds of overlapping boxes score within 1e-5 of each other and which of
    them NMS keeps is a matter of rounding). Frozen graph, SavedModel and LiteRT against
    eager."""
    import types
    monkeypatch.setenv("YOLO_CONFIG_DIR", str(tmp_path / "ultralytics"))
    monkeypatch.setenv("YOLO_OFFLINE", "1")
    from ultralytics.engine.exporter import NMSModel
    from ultralytics.nn.tasks import DetectionModel
    import tflite_runner
    torch.manual_seed(0)
    det = DetectionModel("yolov8n.yaml", nc=3, verbose=False).eval()
    with torch.no_grad():
        for m in det.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.2, 0.2)
                m.running_var.uniform_(0.5, 2.0)
                m.weight.uniform_(0.8, 1.5)
        for branch in det.model[-1].cv3:
            branch[-1].weight.normal_(0, 1.0)
            branch[-1].bias.fill_(-2.0)
    for m in det.modules():  # what Ultralytics' exporter sets on the head
        if hasattr(m, "export"):
            m.export, m.format = True, "onnx"
    det.task = "detect"
    args = types.SimpleNamespace(dynamic=False, batch=1, format="onnx", conf=0.2, max_det=100,
                                 agnostic_nms=False, iou=0.7, opset=17, quantize=None)
    model = NMSModel(det, args).eval()
    x = torch.rand(1, 3, 160, 160)
    path = tmp_path / "yolo.onnx"
    torch.onnx.export(model, (x,), str(path), dynamo=False, opset_version=17,
                      input_names=["images"], output_names=["out"])
    feeds = [{"images": np.random.default_rng(s).random((1, 3, 160, 160), dtype=np.float32)}
             for s in (0, 1)]
    with torch.no_grad():
        refs = [model(torch.from_numpy(f["images"])).numpy() for f in feeds]

    def detections(out):
        o = out[0]
        kept = o[:, 4] > 0  # the rest is the zero padding to max_det
        return {"boxes": o[kept, :4], "scores": o[kept, 4], "labels": o[kept, 5]}

    assert all(5 <= len(detections(r)["scores"]) for r in refs)
    _, pb, saved, lite = convert_all(__import__("onnx").load(str(path)), tmp_path)
    _, frozen, served = run_batches(pb, ["out"], saved, feeds)
    for feed, ref, got_f, got_s in zip(feeds, refs, frozen, served):
        got_l, _ = tflite_runner.run_resized(lite, feed)
        for what, got in (("frozen", got_f["out"]), ("SavedModel", got_s["out"]),
                          ("TFLite", got_l["out"])):
            assert got.shape == ref.shape, f"{what}: {got.shape} vs {ref.shape}"
            assert_same_detections(detections(got), detections(ref), what)


@pytest.mark.parametrize("mode", ["int8", "dynamic-int8"])
def test_quantized_detector_keeps_its_if_float(mode, tmp_path):
    """--quantize on torchvision's SSD (tiny backbone): its batched NMS sits in an If over "no
    box left", and TopK, WHERE and NMS have run-time sizes. The network before them is
    quantized (every CONV_2D int8), the If and the post-processing stay float, and the file
    runs in LiteRT with the float file's detection count. The sorted scores stay within 5e-3
    of the float file's for dynamic-int8 (measured 2.2e-3 and 1.8e-3 on the two images) and
    within 0.05 for int8 (measured 3.5e-3 and 3.1e-2)."""
    import json
    import tflite_runner
    from test_quantize import _weight_types
    model = tiny_detector("ssd", 0.3)
    x = torch.rand(3, 96, 96)
    path = tmp_path / "det.onnx"
    torch.onnx.export(model, ([x],), str(path), dynamo=False, opset_version=17,
                      input_names=["images"], output_names=["boxes", "scores", "labels"])
    f32, q = tmp_path / "f.tflite", tmp_path / "q.tflite"
    run_pt2tf("convert", "-i", path, "-o", f32, "-q")
    calib = tmp_path / "calib.npy"  # 8 images [3, 96, 96], stacked along dim 0
    np.save(calib, np.random.default_rng(5).random((24, 96, 96), dtype=np.float32))
    proc = run_pt2tf("convert", "-i", path, "-o", q, "--quantize", mode, "--json",
                     *(["--calibration", calib] if mode == "int8" else []))
    report = json.loads(proc.stdout)["outputs"][0]["quantization"]
    assert report["float_op_types"].get("IF") == 1, report
    weighted = _weight_types(q)
    assert len(weighted) == len(_weight_types(f32)) == 7
    assert all(w == np.int8 for _, _, w in weighted), weighted
    if mode == "int8":
        assert all(x == np.int8 for _, x, _ in weighted), weighted
        assert "not computed" in report["simulation"], report
    for seed in (0, 1):
        feed = {"images": np.random.default_rng(seed).random((3, 96, 96), dtype=np.float32)}
        ref, _ = tflite_runner.run_resized(f32, feed)
        got, _ = tflite_runner.run_resized(q, feed)
        assert got["boxes"].shape == ref["boxes"].shape and len(ref["boxes"]) >= 10
        # Sorted scores: a near-tie may swap, or a box change places at the NMS.
        diff = float(np.abs(np.sort(got["scores"]) - np.sort(ref["scores"])).max())
        print(f"{mode} seed {seed}: max sorted-score difference {diff:.2e}")
        assert diff <= (5e-3 if mode == "dynamic-int8" else 0.05), diff


def test_non_max_suppression_threshold_zero(tmp_path):
    """An IoU threshold of 0 suppresses any overlap and keeps boxes apart: LiteRT's ">=" test
    against the threshold nudged up (0 · (1 + 2^-23) is still 0) would suppress boxes with
    IoU 0 too, keeping one box per class."""
    from onnx import TensorProto, helper, numpy_helper
    inputs = [helper.make_tensor_value_info("boxes", TensorProto.FLOAT, [1, "n", 4]),
              helper.make_tensor_value_info("scores", TensorProto.FLOAT, [1, 2, "n"])]
    inits = [numpy_helper.from_array(np.array([0.0], np.float32), "iou"),
             numpy_helper.from_array(np.array([50], np.int64), "max_out")]
    node = helper.make_node("NonMaxSuppression", ["boxes", "scores", "max_out", "iou"],
                            ["selected"])
    model = onnx_model([node], inputs,
                       [helper.make_tensor_value_info("selected", TensorProto.INT64, ["k", 3])],
                       inits)
    g = np.random.default_rng(3)
    feeds = [{"boxes": random_boxes(g, 40, False)[:1] * 8,  # spread out: many apart
              "scores": g.random((1, 2, 40)).astype(np.float32)}]
    check(model, feeds, tmp_path)


def test_int8_keeps_the_nms_guard_float(tmp_path):
    """--quantize int8 must not make the NMS guard's arithmetic int8: its 2^-22 step vanishes
    on an int8 scale, a box thinner than half a step reaches LiteRT's NMS with zero area, and
    it is selected again and again. A scaled box set with a 0.3 px high box on top (the
    review's case: LiteRT had returned [0, 0, 0, ...])."""
    import onnxruntime as ort
    import tflite_runner
    from onnx import TensorProto, helper, numpy_helper
    n = 32
    inputs = [helper.make_tensor_value_info("b", TensorProto.FLOAT, [1, n, 4]),
              helper.make_tensor_value_info("s", TensorProto.FLOAT, [1, 1, n])]
    inits = [numpy_helper.from_array(np.array([1.5], np.float32), "k"),
             numpy_helper.from_array(np.array([10], np.int64), "mo"),
             numpy_helper.from_array(np.array([0.5], np.float32), "iou"),
             numpy_helper.from_array(np.array([0.1], np.float32), "st")]
    nodes = [helper.make_node("Mul", ["b", "k"], ["bb"]),
             helper.make_node("Mul", ["s", "k"], ["ss"]),
             helper.make_node("NonMaxSuppression", ["bb", "ss", "mo", "iou", "st"], ["sel"])]
    model = onnx_model(nodes, inputs, [helper.make_tensor_value_info("sel", TensorProto.INT64,
                                                                     ["k", 3])], inits)
    path = tmp_path / "m.onnx"
    path.write_bytes(model.SerializeToString())
    g = np.random.default_rng(0)

    def boxes(count):
        c, wh = g.uniform(0, 300, (count, n, 2)), g.uniform(10, 100, (count, n, 2))
        return np.concatenate([c - wh / 2, c + wh / 2], -1).astype(np.float32)

    np.savez(tmp_path / "calib.npz", b=boxes(10), s=g.random((10, 1, n)).astype(np.float32))
    b = boxes(1)
    b[0, 0] = [100, 100, 100.3, 160]
    s = g.random((1, 1, n)).astype(np.float32) * 0.5
    s[0, 0, 0] = 0.6
    q = tmp_path / "q.tflite"
    run_pt2tf("convert", "-i", path, "-o", q, "--quantize", "int8", "--calibration",
              tmp_path / "calib.npz", "-q")
    ref = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(
        None, {"b": b, "s": s})[0][:, 2]
    got = tflite_runner.run_resized(q, {"b": b, "s": s})[0]["sel"][:, 2]
    assert len(set(got.tolist())) == len(got), got  # no box selected twice
    assert set(got.tolist()) == set(ref.tolist()), (got, ref)  # int8 scores may reorder


def test_gather_nd_of_empty_slices(tmp_path):
    """GatherND into data whose sliced dims hold no element ([N, 0, W], N and W run-time):
    TF's GatherNd refuses any index into empty params, so the result is a Fill of shape
    indices.shape[:-1] + data.shape[1:], read at run time. Its Shape is the output (LiteRT's
    Python wrapper cannot hand back an empty output)."""
    from onnx import TensorProto, helper
    nodes = [helper.make_node("GatherND", ["x", "i"], ["g"]),
             helper.make_node("Shape", ["g"], ["dims"])]
    model = onnx_model(nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                                             ["n", 0, "w"]),
                               helper.make_tensor_value_info("i", TensorProto.INT64, ["k", 1])],
                       [helper.make_tensor_value_info("dims", TensorProto.INT64, [3])])
    feeds = [{"x": np.zeros((5, 0, w), np.float32), "i": np.array(ix, np.int64)}
             for w, ix in ((6, [[0], [4], [2]]), (2, [[1]]))]
    check(model, feeds, tmp_path)
