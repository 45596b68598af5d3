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
