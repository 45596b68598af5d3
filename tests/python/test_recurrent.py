"""LSTM, GRU and RNN in the TensorFlow and TFLite writers against PyTorch eager and ONNX
Runtime (issue 10, and the dynamic-shape work).

nn.LSTM / nn.GRU / nn.RNN (tanh and relu) with random weights in every direction, with 1 and
2 layers, batch-first or not, with and without initial states, are exported with
torch.onnx.export and converted to a frozen graph and a SavedModel:
- a static sequence length is unrolled, and run at two batch sizes;
- a run-time sequence length (or one past the unroll limit) becomes a loop over the steps,
  run at two lengths and batch sizes in TF and in LiteRT;
- hand-built ONNX nodes cover what torch does not export (sequence_lens, peepholes, clip,
  input_forget, custom activations, layout 1) against ONNX Runtime.
max|diff| <= 1e-4 * max(1, max|ref|).
"""
import numpy as np
import pytest
import torch

from conftest import run_pt2tf
from test_dynamic import run_batches
from zoo_harness import RTOL, assert_close

nn = torch.nn

SEQ, FEATURES, HIDDEN = 7, 5, 6


class Net(nn.Module):
    def __init__(self, kind, layers, bidirectional, batch_first, states):
        super().__init__()
        kwargs = {"nonlinearity": "relu"} if kind == "RNN_relu" else {}
        cls = {"LSTM": nn.LSTM, "GRU": nn.GRU, "RNN": nn.RNN, "RNN_relu": nn.RNN}[kind]
        self.rnn = cls(FEATURES, HIDDEN, num_layers=layers, bidirectional=bidirectional,
                       batch_first=batch_first, **kwargs)
        self.kind, self.states = kind, states

    def forward(self, x, *states):
        if self.kind == "LSTM":
            y, (h, c) = self.rnn(x, tuple(states) if states else None)
            return y, h, c
        y, h = self.rnn(x, states[0] if states else None)
        return y, h


CASES = [(k, layers, bi, bf, st)
         for k in ("LSTM", "GRU", "RNN", "RNN_relu")
         for layers, bi, bf, st in ((1, False, False, False), (1, True, True, False),
                                    (2, True, False, True), (2, False, True, True))]


def feed_for(case, batch, steps, seed):
    """Random x (and h0 / c0 when the case takes states) for `batch` sequences of `steps`."""
    kind, layers, bi, batch_first, states = case
    g = np.random.default_rng(seed)
    x = g.standard_normal((batch, steps, FEATURES) if batch_first else (steps, batch, FEATURES))
    feed = {"x": x.astype(np.float32)}
    if states:
        for name in (["h0", "c0"] if kind == "LSTM" else ["h0"]):
            feed[name] = g.standard_normal((layers * (2 if bi else 1), batch, HIDDEN)) \
                .astype(np.float32)
    return feed


def case_id(c):
    k, layers, bi, bf, st = c
    return f"{k}-{layers}l-{'bi' if bi else 'fwd'}-{'bf' if bf else 'tf'}{'-states' if st else ''}"


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_recurrent_matches_pytorch(case, pt2tf_bin, tmp_path):
    kind, layers, bi, batch_first, states = case
    torch.manual_seed(0)
    model = Net(kind, layers, bi, batch_first, states).eval()

    def inputs(batch, seed):
        return feed_for(case, batch, SEQ, seed)

    sample = inputs(2, 0)
    names = list(sample)
    outputs = ["y", "h", "c"] if kind == "LSTM" else ["y", "h"]
    batch_axis = 0 if batch_first else 1
    axes = {n: {(batch_axis if n == "x" else 1): "batch"} for n in names}
    path = tmp_path / "rnn.onnx"
    torch.onnx.export(model, tuple(torch.from_numpy(sample[n]) for n in names), str(path),
                      dynamo=False, opset_version=17, input_names=names, output_names=outputs,
                      dynamic_axes=axes)
    pb, saved = tmp_path / "m.pb", tmp_path / "m_saved"
    run_pt2tf("convert", "-i", path, "-o", pb, "-o", f"{saved}/", "-q")
    feeds = [inputs(1, 1), inputs(3, 2)]
    with torch.no_grad():
        refs = [[o.numpy() for o in model(*(torch.from_numpy(f[n]) for n in names))]
                for f in feeds]
    assert float(np.max(np.abs(refs[1][0][0] - refs[1][0][-1]))) > 10 * RTOL
    _, frozen, served = run_batches(pb, outputs, saved, feeds)
    for feed, ref, got_f, got_s in zip(feeds, refs, frozen, served):
        b = feed["x"].shape[batch_axis]
        for name, r in zip(outputs, ref):
            assert_close(got_f[name], r, f"frozen {name}, batch {b}")
            assert_close(got_s[name], r, f"SavedModel {name}, batch {b}")


DYN_CASES = [("LSTM", 2, True, True, True), ("GRU", 1, True, False, True),
             ("RNN", 1, False, True, False), ("RNN_relu", 2, False, False, True),
             ("LSTM", 1, False, False, False)]


@pytest.mark.parametrize("case", DYN_CASES, ids=case_id)
def test_dynamic_sequence_length_is_looped(case, pt2tf_bin, tmp_path):
    """A run-time sequence length: the recurrence becomes a loop over the steps (TensorLists
    in TF, a carried buffer in TFLite). Run at two lengths and batch sizes in TF and LiteRT."""
    import tflite_runner
    kind, layers, bi, batch_first, states = case
    torch.manual_seed(1)
    model = Net(kind, layers, bi, batch_first, states).eval()
    dirs = 2 if bi else 1
    seq_axis, batch_axis = (1, 0) if batch_first else (0, 1)

    def inputs(batch, steps, seed):
        return feed_for(case, batch, steps, seed)

    sample = inputs(2, SEQ, 0)
    names = list(sample)
    outputs = ["y", "h", "c"] if kind == "LSTM" else ["y", "h"]
    axes = {n: ({seq_axis: "seq", batch_axis: "batch"} if n == "x" else {1: "batch"})
            for n in names}
    path = tmp_path / "rnn.onnx"
    torch.onnx.export(model, tuple(torch.from_numpy(sample[n]) for n in names), str(path),
                      dynamo=False, opset_version=17, input_names=names, output_names=outputs,
                      dynamic_axes=axes)
    pb, saved, lite = tmp_path / "m.pb", tmp_path / "m_saved", tmp_path / "m.tflite"
    run_pt2tf("convert", "-i", path, "-o", pb, "-o", f"{saved}/", "-o", lite, "-q")
    feeds = [inputs(1, 3, 1), inputs(3, 11, 2)]
    with torch.no_grad():
        refs = [[o.numpy() for o in model(*(torch.from_numpy(f[n]) for n in names))]
                for f in feeds]
    _, frozen, served = run_batches(pb, outputs, saved, feeds)
    for feed, ref, got_f, got_s in zip(feeds, refs, frozen, served):
        what = f"{feed['x'].shape[seq_axis]} steps, batch {feed['x'].shape[batch_axis]}"
        got_l, signature = tflite_runner.run_resized(lite, feed)
        assert signature["x"][seq_axis] == -1 and signature["x"][batch_axis] == -1
        for name, r in zip(outputs, ref):
            assert_close(got_f[name], r, f"frozen {name}, {what}")
            assert_close(got_s[name], r, f"SavedModel {name}, {what}")
            assert_close(got_l[name], r, f"TFLite {name}, {what}")
    counts = tflite_runner.ops(lite)
    assert counts["WHILE"] == layers * dirs, counts  # one loop per layer and direction


def test_sequence_longer_than_the_unroll_limit_is_looped(pt2tf_bin, tmp_path):
    """2100 static steps (past the 2048-step unroll limit) convert as a loop."""
    torch.manual_seed(2)
    model = Net("GRU", 1, False, False, False).eval()
    x = np.random.default_rng(3).standard_normal((2100, 2, FEATURES)).astype(np.float32)
    path = tmp_path / "gru.onnx"
    torch.onnx.export(model, (torch.from_numpy(x),), str(path), dynamo=False, opset_version=17,
                      input_names=["x"], output_names=["y", "h"])
    pb = tmp_path / "m.pb"
    run_pt2tf("convert", "-i", path, "-o", pb, "-o", f"{tmp_path / 'saved'}/", "-q")
    with torch.no_grad():
        ref = [o.numpy() for o in model(torch.from_numpy(x))]
    _, frozen, served = run_batches(pb, ["y", "h"], tmp_path / "saved", [{"x": x}])
    for name, r in zip(["y", "h"], ref):
        assert_close(frozen[0][name], r, f"frozen {name}")
        assert_close(served[0][name], r, f"SavedModel {name}")


def _onnx_recurrent(op, dirs, hidden, attrs, with_lens, with_peep, layout):
    """One ONNX LSTM/GRU/RNN node with run-time sequence and batch dims, random weights as
    initializers, optional sequence_lens and initial_h graph inputs."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    gates = {"LSTM": 4, "GRU": 3, "RNN": 1}[op]
    g = np.random.default_rng(7)
    inits = [numpy_helper.from_array((0.4 * g.standard_normal(s)).astype(np.float32), n)
             for n, s in (("W", (dirs, gates * hidden, FEATURES)), ("R", (dirs, gates * hidden, hidden)),
                          ("B", (dirs, 2 * gates * hidden)))]
    x_dims = ["batch", "seq", FEATURES] if layout else ["seq", "batch", FEATURES]
    h_dims = ["batch", dirs, hidden] if layout else [dirs, "batch", hidden]
    inputs = [helper.make_tensor_value_info("x", TensorProto.FLOAT, x_dims),
              helper.make_tensor_value_info("h0", TensorProto.FLOAT, h_dims)]
    names = ["x", "W", "R", "B", "lens" if with_lens else "", "h0"]
    if with_lens:
        inputs.append(helper.make_tensor_value_info("lens", TensorProto.INT32, ["batch"]))
    if op == "LSTM":
        names.append("")
        if with_peep:
            inits.append(numpy_helper.from_array(
                (0.4 * g.standard_normal((dirs, 3 * hidden))).astype(np.float32), "P"))
            names.append("P")
    outs = ["y", "y_h"] + (["y_c"] if op == "LSTM" else [])
    node = helper.make_node(op, names, outs, hidden_size=hidden, layout=layout, **attrs)
    graph = helper.make_graph([node], "rnn", inputs,
                              [helper.make_tensor_value_info(o, TensorProto.FLOAT, None)
                               for o in outs], initializer=inits)
    return onnx.helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)]), outs


ORT_CASES = {
    "lstm-bi-lens-peep-clip-acts": ("LSTM", 2, dict(direction="bidirectional", clip=1.5,
                                    activations=["HardSigmoid", "Tanh", "Softsign"] * 2),
                                    True, True, 0),
    "lstm-fwd-input-forget-batchwise": ("LSTM", 1, dict(input_forget=1), False, True, 1),
    "gru-reverse-lens-batchwise": ("GRU", 1, dict(direction="reverse", linear_before_reset=0),
                                   True, False, 1),
    "gru-bi-lbr": ("GRU", 2, dict(direction="bidirectional", linear_before_reset=1,
                   activations=["Sigmoid", "Elu", "HardSigmoid", "Tanh"],
                   activation_alpha=[0.8, 0.3], activation_beta=[0.4]), False, False, 0),
    "rnn-bi-lens-relu": ("RNN", 2, dict(direction="bidirectional", activations=["Relu", "Affine"],
                         activation_alpha=[0.7], activation_beta=[0.1]), True, False, 0),
}


@pytest.mark.parametrize("name", ORT_CASES)
def test_dynamic_recurrent_variants_match_onnxruntime(name, pt2tf_bin, tmp_path):
    """sequence_lens, peepholes, clipping, input_forget, custom activations, layout 1 and
    reverse directions through the loop path, against ONNX Runtime."""
    import onnxruntime as ort
    import tflite_runner
    op, dirs, attrs, with_lens, with_peep, layout = ORT_CASES[name]
    model, outs = _onnx_recurrent(op, dirs, HIDDEN, attrs, with_lens, with_peep, layout)
    path = tmp_path / "rnn.onnx"
    path.write_bytes(model.SerializeToString())
    pb, saved, lite = tmp_path / "m.pb", tmp_path / "m_saved", tmp_path / "m.tflite"
    run_pt2tf("convert", "-i", path, "-o", pb, "-o", f"{saved}/", "-o", lite, "-q")
    # ONNX Runtime has no layout 1 kernels: the reference runs the layout-0 node on the
    # transposed inputs (layout 1 is defined as exactly that transposition).
    ref_model, _ = _onnx_recurrent(op, dirs, HIDDEN, attrs, with_lens, with_peep, 0)
    sess = ort.InferenceSession(ref_model.SerializeToString(), providers=["CPUExecutionProvider"])

    def reference(feed):
        if not layout:
            return dict(zip(outs, sess.run(outs, feed)))
        f = dict(feed, x=feed["x"].transpose(1, 0, 2), h0=feed["h0"].transpose(1, 0, 2))
        got = dict(zip(outs, sess.run(outs, f)))
        return {o: v.transpose(2, 0, 1, 3) if o == "y" else v.transpose(1, 0, 2)
                for o, v in got.items()}

    feeds = []
    for seed, (batch, steps, lens) in enumerate(((3, 6, [6, 2, 4]), (2, 9, [1, 9]))):
        g = np.random.default_rng(seed)
        x = g.standard_normal((batch, steps, FEATURES) if layout else (steps, batch, FEATURES))
        h0 = g.standard_normal((batch, dirs, HIDDEN) if layout else (dirs, batch, HIDDEN))
        feed = {"x": x.astype(np.float32), "h0": h0.astype(np.float32)}
        if with_lens:
            feed["lens"] = np.array(lens, np.int32)
        feeds.append(feed)
    refs = [reference(f) for f in feeds]
    _, frozen, served = run_batches(pb, outs, saved, feeds)
    for feed, ref, got_f, got_s in zip(feeds, refs, frozen, served):
        got_l, _ = tflite_runner.run_resized(lite, feed)
        for o in outs:
            what = f"{o}, x {feed['x'].shape}"
            assert_close(got_f[o], ref[o], f"frozen {what}")
            assert_close(got_s[o], ref[o], f"SavedModel {what}")
            assert_close(got_l[o], ref[o], f"TFLite {what}")
