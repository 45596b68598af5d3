"""LSTM, GRU and RNN in the TensorFlow writers against PyTorch eager (issue 10).

nn.LSTM / nn.GRU / nn.RNN (tanh and relu) with random weights in every direction, with 1 and
2 layers, batch-first or not, with and without initial states, are exported with
torch.onnx.export (dynamic batch, static sequence length: the writer unrolls the
recurrence), converted to a frozen graph and a SavedModel and run at two batch sizes:
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


def case_id(c):
    k, layers, bi, bf, st = c
    return f"{k}-{layers}l-{'bi' if bi else 'fwd'}-{'bf' if bf else 'tf'}{'-states' if st else ''}"


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_recurrent_matches_pytorch(case, pt2tf_bin, tmp_path):
    kind, layers, bi, batch_first, states = case
    torch.manual_seed(0)
    model = Net(kind, layers, bi, batch_first, states).eval()
    dirs = 2 if bi else 1

    def inputs(batch, seed):
        g = np.random.default_rng(seed)
        x = g.standard_normal((batch, SEQ, FEATURES) if batch_first else (SEQ, batch, FEATURES))
        feed = {"x": x.astype(np.float32)}
        if states:
            for name in (["h0", "c0"] if kind == "LSTM" else ["h0"]):
                feed[name] = g.standard_normal((layers * dirs, batch, HIDDEN)).astype(np.float32)
        return feed

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


def test_dynamic_sequence_is_refused_with_the_flag_to_pin_it(pt2tf_bin, tmp_path):
    model = Net("GRU", 1, False, False, False).eval()
    path = tmp_path / "gru.onnx"
    torch.onnx.export(model, (torch.zeros(SEQ, 2, FEATURES),), str(path), dynamo=False,
                      opset_version=17, input_names=["x"], output_names=["y", "h"],
                      dynamic_axes={"x": {0: "seq", 1: "batch"}})
    proc = run_pt2tf("convert", "-i", path, "-o", tmp_path / "m.pb", check=False)
    assert proc.returncode != 0 and len(proc.stderr.strip().splitlines()) == 1
    assert "sequence length" in proc.stderr and "--input-shape" in proc.stderr
    run_pt2tf("convert", "-i", path, "-o", tmp_path / "m.pb", "-q", "--input-shape",
              f"x:{SEQ}x?x{FEATURES}")
    assert (tmp_path / "m.pb").exists()
