"""Single ATen ops through the .pt2 importer, against PyTorch eager.

Each case is a small module (random weights, eval mode) whose exported graph holds the op
under test (asserted from the program itself, so a torch that decomposes the op differently
fails loudly instead of testing something else). build/pt2tf converts it to .onnx, .pb, a
SavedModel and .tflite without Python on PATH; ONNX Runtime, TensorFlow and LiteRT run the
results against eager within 1e-4 x max(1, max|ref|), as test_pt2_import.py does. Ops or
variants the importer refuses are checked to fail with one line naming the op.
"""
import json

import numpy as np
import onnxruntime as ort
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

import tflite_runner as tfl
from test_pt2_import import assert_close, convert_without_python
from tf_runner import tf_runner  # noqa: F401  (fixture)


class Fn(nn.Module):
    """A module around a function of its inputs (the op under test)."""

    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, *args):
        return self.fn(*args)


class Seq(nn.Module):
    """A recurrent layer's output and final state(s), flattened and joined into one tensor."""

    def __init__(self, rnn):
        super().__init__()
        self.rnn = rnn

    def forward(self, x):
        y, state = self.rnn(x)
        states = state if isinstance(state, tuple) else (state,)
        return torch.cat([y.flatten()] + [s.flatten() for s in states])


def joined(*tensors):
    """Several results as one flat tensor (the tests compare one output)."""
    return torch.cat([t.flatten().float() for t in tensors])


def rand(*shape, seed=0):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed))


def image(seed=0):
    return rand(2, 3, 8, 8, seed=seed)


def weight_norm_linear():
    return nn.utils.parametrizations.weight_norm(nn.Linear(8, 4))


def conv_weight_norm():
    return nn.Sequential(nn.utils.parametrizations.weight_norm(nn.Conv1d(4, 6, 3), dim=0),
                         nn.ReLU())


class WeightNormInterface(nn.Module):
    """_weight_norm_interface called directly (torch's CUDA path for weight norm)."""

    def __init__(self):
        super().__init__()
        self.v = nn.Parameter(rand(4, 3, 2))
        self.g = nn.Parameter(rand(1, 1, 2, seed=1))

    def forward(self, x):
        w, norm = torch.ops.aten._weight_norm_interface(self.v, self.g, 2)
        return joined(x @ w.flatten(1).T, norm)


class ViewFills(nn.Module):
    """Writes into views of a tensor that is read afterwards (Swin's shifted-window mask):
    fill_ through slice and select chains, zero_ on a view, and a view read after the write."""

    def forward(self, x):
        m = x.new_zeros((6, 8))
        count = 0
        for h in ((0, -3), (-3, -1), (-1, None)):
            for w in ((0, -4), (-4, -2), (-2, None)):
                m[h[0]:h[1], w[0]:w[1]] = count
                count += 1
        rows = m[1:5]
        rows[:, ::3].fill_(7.0)
        m[0].zero_()
        m[2, 1:] = torch.tensor(-1.5)
        return joined(x[:, :, :6, :] * m, rows, m)


class LayerDrop(nn.Module):
    """Wav2Vec2's LayerDrop: a random draw the eval-mode branch never reads."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8)

    def forward(self, x):
        p = torch.rand([])
        if self.training and p < 0.1:
            return x
        return self.fc(x)


# name -> (build() -> (module, inputs), targets the exported graph must hold)
CASES = {
    "conv_transpose2d": (lambda: (nn.ConvTranspose2d(3, 4, 3, stride=2, padding=1,
                                                     output_padding=1), (image(),)),
                         ["aten.conv_transpose2d.input"]),
    "conv_transpose2d_groups": (lambda: (nn.ConvTranspose2d(4, 6, (3, 2), stride=(1, 2),
                                                            groups=2, bias=False),
                                         (rand(1, 4, 6, 5),)),
                                ["aten.conv_transpose2d.input"]),
    "conv_transpose1d": (lambda: (nn.ConvTranspose1d(3, 5, 4, stride=2, padding=1),
                                  (rand(2, 3, 10),)),
                         ["aten.conv_transpose1d.default"]),
    "lstm": (lambda: (Seq(nn.LSTM(8, 16)), (rand(5, 2, 8),)), ["aten.lstm.input"]),
    "lstm_stacked_bidirectional_batch_first": (
        lambda: (Seq(nn.LSTM(8, 12, num_layers=2, batch_first=True, bidirectional=True)),
                 (rand(2, 5, 8),)),
        ["aten.lstm.input"]),
    "lstm_no_bias": (lambda: (Seq(nn.LSTM(6, 8, bias=False)), (rand(4, 1, 6),)),
                     ["aten.lstm.input"]),
    "gru": (lambda: (Seq(nn.GRU(8, 16)), (rand(5, 2, 8),)), ["aten.gru.input"]),
    "gru_stacked_bidirectional_batch_first": (
        lambda: (Seq(nn.GRU(8, 12, num_layers=2, batch_first=True, bidirectional=True)),
                 (rand(2, 5, 8),)),
        ["aten.gru.input"]),
    "rnn_tanh": (lambda: (Seq(nn.RNN(8, 10, num_layers=2)), (rand(5, 2, 8),)),
                 ["aten.rnn_tanh.input"]),
    "rnn_relu_bidirectional": (lambda: (Seq(nn.RNN(8, 10, nonlinearity="relu",
                                                   bidirectional=True)), (rand(5, 2, 8),)),
                               ["aten.rnn_relu.input"]),
    "rms_norm": (lambda: (nn.RMSNorm(8, eps=1e-6), (rand(2, 5, 8),)), ["aten.rms_norm.default"]),
    "rms_norm_default_eps_2d": (lambda: (nn.RMSNorm((5, 8), elementwise_affine=False),
                                         (rand(2, 5, 8),)),
                                ["aten.rms_norm.default"]),
    "normalize": (lambda: (Fn(lambda x: F.normalize(x, dim=-1)), (rand(2, 5, 8),)),
                  ["aten.linalg_vector_norm.default", "aten.expand_as.default"]),
    "vector_norms": (lambda: (Fn(lambda x: torch.linalg.vector_norm(x, 1, dim=1) +
                                torch.linalg.vector_norm(x, float("inf"), dim=1) +
                                torch.linalg.vector_norm(x, 3, dim=1) +
                                torch.linalg.vector_norm(x, 2, dim=(1, 2), keepdim=True)[:, 0] +
                                torch.linalg.vector_norm(x)), (rand(2, 5, 8),)),
                     ["aten.linalg_vector_norm.default"]),
    "einsum_attention": (lambda: (Fn(lambda q, k: torch.einsum("bhqd,bhkd->bhqk", q, k)),
                                  (rand(2, 3, 5, 4), rand(2, 3, 6, 4, seed=1))),
                         ["aten.einsum.default"]),
    "einsum_merged_groups": (lambda: (Fn(lambda a, b: torch.einsum("bij,jk->bik", a, b)),
                                      (rand(2, 3, 4), rand(4, 5, seed=1))),
                             ["aten.einsum.default"]),
    "einsum_ellipsis_broadcast": (lambda: (Fn(lambda a, b: torch.einsum("...ij,...jk", a, b)),
                                           (rand(2, 3, 4, 5), rand(3, 5, 2, seed=1))),
                                  ["aten.einsum.default"]),
    "einsum_outer_dot_sum": (lambda: (Fn(lambda a, b: joined(torch.einsum("i,j->ij", a[0], b[0]),
                                                             torch.einsum("bi,bi->b", a, b),
                                                             torch.einsum("ij->j", a))),
                                      (rand(2, 6), rand(2, 6, seed=1))),
                             ["aten.einsum.default"]),
    "einsum_three_operands_transpose": (
        lambda: (Fn(lambda a, b, c: torch.einsum("bn,nm,bmk->bk", a, b, c) +
                    torch.einsum("kb->bk", a[:, :3].T)),
                 (rand(2, 3), rand(3, 4, seed=1), rand(2, 4, 3, seed=2))),
        ["aten.einsum.default"]),
    "roll": (lambda: (Fn(lambda x: torch.roll(x, shifts=(3, -2), dims=(2, 3))), (image(),)),
             ["aten.roll.default"]),
    "roll_flat": (lambda: (Fn(lambda x: torch.roll(x, 5)), (image(),)), ["aten.roll.default"]),
    "triu_tril": (lambda: (Fn(lambda x: torch.triu(x, 1) * 2 + torch.tril(x, -1) +
                              torch.tril(x)), (rand(2, 5, 6),)),
                  ["aten.triu.default", "aten.tril.default"]),
    "gather": (lambda: (Fn(lambda x, i: torch.gather(x, 1, i)),
                        (rand(3, 5, 4), torch.randint(0, 5, (3, 2, 4),
                                                      generator=torch.Generator().manual_seed(0)))),
               ["aten.gather.default"]),
    "topk": (lambda: (Fn(lambda x: torch.topk(x, 3, dim=1)[0] +
                         torch.topk(x, 3, dim=1, largest=False)[1].float()), (rand(2, 7, 4),)),
             ["aten.topk.default"]),
    "topk_last_dim": (lambda: (Fn(lambda x: torch.topk(x, 2)[0]), (rand(3, 9),)),
                      ["aten.topk.default"]),
    "flip": (lambda: (Fn(lambda x: torch.flip(x, (1, 3))), (image(),)), ["aten.flip.default"]),
    "sign_round_trunc": (lambda: (Fn(lambda x: torch.sign(x) + torch.round(x * 3) +
                                     torch.trunc(x * 3)), (image(),)),
                         ["aten.sign.default", "aten.round.default", "aten.trunc.default"]),
    "remainder": (lambda: (Fn(lambda x, y: torch.remainder(x, 0.7) + torch.remainder(x, y) +
                              torch.remainder(x, -0.45)), (image(), image(1) + 3)),
                  ["aten.remainder.Scalar", "aten.remainder.Tensor"]),
    "remainder_int": (lambda: (Fn(lambda x: (torch.remainder(x, 3) + torch.remainder(x, -4) +
                                             torch.fmod(x, 3) + torch.fmod(x, -4)).float()),
                               (torch.arange(-12, 12).reshape(4, 6),)),
                      ["aten.remainder.Scalar", "aten.fmod.Scalar"]),
    "fmod": (lambda: (Fn(lambda x, y: torch.fmod(x, 0.7) + torch.fmod(x, y)),
                      (image() * 3, image(1) + 3)),
             ["aten.fmod.Scalar", "aten.fmod.Tensor"]),
    "var_std": (lambda: (Fn(lambda x: joined(x.var(1), x.std(1, unbiased=False),
                                             torch.var(x, dim=(2, 3), correction=0),
                                             torch.std(x, dim=1, correction=2, keepdim=True),
                                             x.var())), (image(),)),
                ["aten.var.correction", "aten.std.correction"]),
    "var_mean": (lambda: (Fn(lambda x: joined(*torch.var_mean(x, dim=1),
                                              *torch.std_mean(x, dim=(2, 3), keepdim=True),
                                              *torch.var_mean(x, 1, correction=0))), (image(),)),
                 ["aten.var_mean.dim", "aten.std_mean.dim", "aten.var_mean.correction"]),
    "pow_scalar": (lambda: (Fn(lambda x: torch.pow(2.0, x) + 3 ** x), (image(),)),
                   ["aten.pow.Scalar"]),
    "min_max_other": (lambda: (Fn(lambda x, y: torch.min(x, y) * 2 + torch.max(x, y)),
                               (image(), image(1))),
                      ["aten.min.other", "aten.max.other"]),
    "min_dim_prod": (lambda: (Fn(lambda x: x.min(1)[0] + x.min(1, keepdim=True)[1][:, 0] +
                                 x.prod(1) + x.max(-1, keepdim=True)[1].sum(1) +
                                 x.max(1)[0]), (image(),)),
                     ["aten.min.dim", "aten.prod.dim_int", "aten.max.dim"]),
    "any_all": (lambda: (Fn(lambda x: joined((x > 0).any(1), (x > -1).all(1),
                                             (x > 1).any(), x.all(-1), (x > 2).any((1, 2)))),
                         (image(),)),
                ["aten.any.dim", "aten.all.dim", "aten.any.default"]),
    "unflatten": (lambda: (Fn(lambda x: x.flatten(2).unflatten(2, (4, -1)).sum(3)), (image(),)),
                  ["aten.unflatten.int"]),
    "reshape_view_expand_as": (lambda: (Fn(lambda x, y: x.reshape_as(y) + x.view_as(y) +
                                           x[:, :1].expand_as(y)),
                                        (image(), image(1))),
                               ["aten.reshape_as.default", "aten.view_as.default",
                                "aten.expand_as.default"]),
    "weight_norm": (lambda: (weight_norm_linear(), (rand(2, 8),)), ["aten._weight_norm.default"]),
    "weight_norm_conv": (lambda: (conv_weight_norm(), (rand(2, 4, 9),)),
                         ["aten._weight_norm.default"]),
    "weight_norm_interface": (lambda: (WeightNormInterface(), (rand(2, 6),)),
                              ["aten._weight_norm_interface.default"]),
    "weight_norm_whole_tensor": (lambda: (Fn(lambda v, g: torch._weight_norm(v, g, -1)),
                                          (rand(3, 4), rand(()))),
                                 ["aten._weight_norm.default"]),
    "lstm_train_mode_no_dropout": (lambda: (Seq(nn.LSTM(8, 6, num_layers=2).train()),
                                            (rand(3, 2, 8),)),
                                   ["aten.lstm.input"]),
    "zero_fill": (lambda: (Fn(lambda x: x.clone().zero_() + x.clone().fill_(2.5) + x), (image(),)),
                  ["aten.zero_.default", "aten.fill_.Scalar"]),
    "unused_random_draw": (lambda: (LayerDrop(), (rand(2, 8),)), ["aten.rand.default"]),
    "swapaxes": (lambda: (Fn(lambda x: torch.swapaxes(x, 1, 3) + torch.swapaxes(x, -1, 1)),
                          (rand(2, 4, 3, 4),)),
                 ["aten.swapaxes.default"]),
    "fill_through_views": (lambda: (ViewFills(), (image(),)),
                           ["aten.fill_.Tensor", "aten.fill_.Scalar", "aten.zero_.default"]),
    "pad_reflect": (lambda: (Fn(lambda x: F.pad(x, (1, 2, 3, 1), mode="reflect")), (image(),)),
                    ["aten.pad.default"]),
    "pad_replicate_wide": (lambda: (Fn(lambda x: F.pad(x, (1, 3, 2, 0), mode="replicate")),
                                    (image(),)),
                           ["aten.pad.default"]),
    "pad_replicate_one": (lambda: (nn.ReplicationPad2d(1), (image(),)), ["aten.pad.default"]),
    "pad_circular": (lambda: (Fn(lambda x: F.pad(x, (2, 1, 3, 3), mode="circular")), (image(),)),
                     ["aten.pad.default"]),
    "conv_padding_modes": (lambda: (nn.Sequential(nn.Conv2d(3, 4, 3, padding=1,
                                                            padding_mode="circular"),
                                                  nn.Conv2d(4, 4, 3, padding=2,
                                                            padding_mode="reflect"),
                                                  nn.Conv2d(4, 2, 5, padding=2,
                                                            padding_mode="replicate")),
                                    (image(),)),
                           ["aten.pad.default"]),
    "pad_1d_reflect_replicate": (lambda: (nn.Sequential(nn.ReflectionPad1d((2, 1)),
                                                        nn.ReplicationPad1d(3)),
                                          (rand(2, 3, 7),)),
                                 ["aten.pad.default"]),
    "unary_math": (lambda: (Fn(lambda x: torch.square(x) + torch.log1p(x.abs()) +
                               torch.expm1(x) + torch.log2(x.abs() + 1) + torch.atan(x) +
                               torch.tan(x * 0.5) + torch.asin(x.clamp(-0.9, 0.9)) +
                               torch.acos(x.clamp(-0.9, 0.9)) + torch.sinh(x) +
                               torch.cosh(x)), (image(),)),
                   ["aten.square.default", "aten.log1p.default", "aten.expm1.default",
                    "aten.log2.default", "aten.atan.default", "aten.tan.default",
                    "aten.asin.default", "aten.acos.default", "aten.sinh.default",
                    "aten.cosh.default"]),
    "prelu_selu_celu_logsigmoid": (lambda: (nn.Sequential(nn.PReLU(3), nn.SELU(), nn.PReLU(),
                                                          nn.CELU(0.7), nn.LogSigmoid()),
                                            (image(),)),
                                   ["aten.prelu.default", "aten.selu.default",
                                    "aten.celu.default", "aten.log_sigmoid.default"]),
    "glu": (lambda: (nn.GLU(1), (rand(2, 6, 5),)), ["aten.glu.default"]),
    "addcmul_addcdiv_lerp": (lambda: (Fn(lambda x, y: torch.addcmul(x, x, y, value=0.5) +
                                         torch.addcdiv(x, x, y.abs() + 1, value=-2) +
                                         torch.lerp(x, y, 0.3) + torch.lerp(x, y, y.sigmoid())),
                                      (image(), image(1))),
                             ["aten.addcmul.default", "aten.addcdiv.default", "aten.lerp.Scalar",
                              "aten.lerp.Tensor"]),
    "isnan_isinf_log10": (lambda: (Fn(lambda x: joined(torch.isnan(torch.log(x)),
                                                       torch.isinf(1 / (x * (x > 0.5))),
                                                       torch.log10(x.abs() + 1))), (image(),)),
                          ["aten.isnan.default", "aten.isinf.default", "aten.log10.default"]),
    "bool_bitwise": (lambda: (Fn(lambda x: joined((x > 0) & (x < 1), (x > 1) | (x < -1),
                                                  torch.bitwise_and(x > 0, x < 0.5),
                                                  torch.bitwise_or(x > 1, x < 0))),
                              (image(),)),
                     ["aten.__and__.Tensor", "aten.__or__.Tensor", "aten.bitwise_and.Tensor",
                      "aten.bitwise_or.Tensor"]),
    "instance_norm": (lambda: (nn.Sequential(nn.InstanceNorm2d(3, affine=True),
                                             nn.InstanceNorm2d(3)), (image(),)),
                      ["aten.instance_norm.default"]),
    "pixel_shuffle_unshuffle": (lambda: (nn.Sequential(nn.PixelUnshuffle(2), nn.Conv2d(12, 12, 1),
                                                       nn.PixelShuffle(2)), (rand(1, 3, 8, 6),)),
                                ["aten.pixel_shuffle.default", "aten.pixel_unshuffle.default"]),
    "sort_argsort": (lambda: (Fn(lambda x: joined(*torch.sort(x, 1),
                                                  *torch.sort(x, descending=True),
                                                  torch.argsort(x, dim=2, stable=True))),
                              (rand(2, 5, 7),)),
                     ["aten.sort.default", "aten.argsort.stable"]),
    "logsumexp": (lambda: (Fn(lambda x: joined(torch.logsumexp(x * 20, 1),
                                               torch.logsumexp(x, (2, 3), keepdim=True))),
                           (image(),)),
                  ["aten.logsumexp.default"]),
}


def run_tflite(path, feeds):
    """tflite_runner.run without its XNNPACK check: a one-op graph may hold nothing XNNPACK
    takes (MIRROR_PAD, TOPK_V2, FLOOR_MOD), and then the builtin kernels run it all."""
    interp = tfl._interpreter(path)
    interp.allocate_tensors()
    runner = interp.get_signature_runner("serving_default")
    return {k: np.asarray(v) for k, v in runner(**feeds).items()}


def targets(program):
    return {str(n.target) for n in program.graph.nodes if n.op == "call_function"}


def export(name, path):
    build, expected = CASES[name]
    torch.manual_seed(0)
    model, inputs = build()
    if not name.endswith("train_mode_no_dropout"):
        model = model.eval()
    with torch.no_grad():
        program = torch.export.export(model, inputs)
    missing = set(expected) - targets(program)
    assert not missing, f"{name}: exported graph lacks {missing}: {sorted(targets(program))}"
    torch.export.save(program, str(path))
    return model, inputs


@pytest.mark.parametrize("name", list(CASES))
def test_op_matches_eager(name, tmp_path, tf_runner):  # noqa: F811
    pt2 = tmp_path / f"{name}.pt2"
    model, inputs = export(name, pt2)
    with torch.no_grad():
        ref = model(*inputs).numpy()
    convert_and_compare(name, pt2, inputs, ref, tmp_path, tf_runner)


def convert_and_compare(name, pt2, inputs, ref, tmp_path, tf_runner):  # noqa: F811
    """Converts `pt2` without Python to every format and checks each against `ref`."""
    onnx_path, pb = tmp_path / f"{name}.onnx", tmp_path / f"{name}.pb"
    saved, tflite = tmp_path / f"{name}_saved", tmp_path / f"{name}.tflite"
    proc = convert_without_python(tmp_path, "convert", "-i", pt2, "-o", onnx_path, "-o", pb,
                                  "-o", f"{saved}/", "-o", tflite, "--json")
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    in_names = [i["name"] for i in summary["inputs"]]
    out_name = summary["graph_outputs"][0]["name"]
    feeds = {n: t.numpy() for n, t in zip(in_names, inputs)}

    sess = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    assert_close(sess.run(None, feeds)[0], ref, f"{name} onnx")
    # A .pb renames an output that would clash with an op name ('_out.1'): the summary says.
    pb_report = next(o for o in summary["outputs"] if o["kind"] == "tf-graphdef")
    node = {k: v.removesuffix(":0") for k, v in pb_report.get("renamed", {}).items()}
    pb_feeds = {node.get(k, k): v for k, v in feeds.items()}
    pb_out = node.get(out_name, out_name)
    assert_close(tf_runner.run_frozen(pb, pb_feeds, [pb_out])[pb_out], ref, f"{name} tf")
    got_saved = list(tf_runner.run_saved(saved, feeds).values())
    assert len(got_saved) == 1
    assert_close(got_saved[0], ref, f"{name} savedmodel")
    got_lite = list(run_tflite(tflite, feeds).values())
    assert len(got_lite) == 1
    assert_close(got_lite[0], ref, f"{name} tflite")


def test_convolution_transposed_after_decompositions(tmp_path):
    """run_decompositions() turns conv_transpose2d into aten.convolution(transposed=True)."""
    model = nn.ConvTranspose2d(3, 4, 3, stride=2, padding=1, output_padding=1).eval()
    x = image()
    program = torch.export.export(model, (x,)).run_decompositions()
    assert "aten.convolution.default" in targets(program)
    pt2, onnx_path = tmp_path / "ct.pt2", tmp_path / "ct.onnx"
    torch.export.save(program, str(pt2))
    proc = convert_without_python(tmp_path, "convert", "-i", pt2, "-o", onnx_path)
    assert proc.returncode == 0, proc.stderr
    sess = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    with torch.no_grad():
        ref = model(x).numpy()
    assert_close(sess.run(None, {sess.get_inputs()[0].name: x.numpy()})[0], ref, "convolution")


def test_conv_transpose3d_to_onnx(tmp_path):
    """3-D transposed convolutions import (ONNX ConvTranspose); the TF lowering has no 3-D
    form and says so in one line."""
    model = nn.ConvTranspose3d(2, 3, 3, stride=2, padding=1).eval()
    x = rand(1, 2, 4, 4, 4)
    program = torch.export.export(model, (x,))
    assert "aten.conv_transpose3d.input" in targets(program)
    pt2, onnx_path = tmp_path / "ct3.pt2", tmp_path / "ct3.onnx"
    torch.export.save(program, str(pt2))
    proc = convert_without_python(tmp_path, "convert", "-i", pt2, "-o", onnx_path)
    assert proc.returncode == 0, proc.stderr
    sess = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    with torch.no_grad():
        ref = model(x).numpy()
    assert_close(sess.run(None, {sess.get_inputs()[0].name: x.numpy()})[0], ref, "3-D onnx")
    pb = tmp_path / "ct3.pb"
    proc = convert_without_python(tmp_path, "convert", "-i", pt2, "-o", pb)
    assert proc.returncode == 1 and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "ConvTranspose" in proc.stderr and not pb.exists()


class Projected(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(8, 16, proj_size=4)

    def forward(self, x):
        return self.lstm(x)[0]


REFUSED = {
    # LSTM projections have no ONNX LSTM equivalent.
    "lstm_projection": (lambda: (Projected(), (rand(5, 2, 8),)), "aten.lstm.input",
                        "proj_size"),
    # A diagonal (a label repeated within one operand).
    "einsum_diagonal": (lambda: (Fn(lambda x: torch.einsum("bii->bi", x)), (rand(2, 4, 4),)),
                        "aten.einsum.default", "diagonals"),
    # Dropout between stacked layers in training mode.
    "lstm_train_dropout": (lambda: (Seq(nn.LSTM(8, 6, num_layers=2, dropout=0.5).train()),
                                    (rand(3, 2, 8),)),
                           "aten.lstm.input", "dropout"),
    # Integer bit operations (ONNX opset 18, past the opset written).
    "bitwise_int": (lambda: (Fn(lambda x: x & x.flip(0)), (torch.arange(12).reshape(3, 4),)),
                    "aten.__and__.Tensor", "bool tensors only"),
    # A random draw the output depends on.
    "random_draw_used": (lambda: (Fn(lambda x: x + torch.rand_like(x)), (rand(2, 3),)),
                         "aten.rand_like.default", "random draw"),
    # Roll along a dim whose size is only known at run time.
    "roll_dynamic": (None, "aten.roll.default", "dynamic dim"),
}


@pytest.mark.parametrize("name", list(REFUSED))
def test_refused_variant_is_one_line(name, tmp_path):
    build, target, needle = REFUSED[name]
    pt2 = tmp_path / f"{name}.pt2"
    if build is None:  # roll_dynamic
        model = Fn(lambda x: torch.roll(x, 1, 0)).eval()
        x = rand(4, 3)
        program = torch.export.export(model, (x,),
                                      dynamic_shapes={"args": ({0: torch.export.Dim("n")},)})
    else:
        model, inputs = build()
        if not name.endswith("train_dropout"):
            model = model.eval()
        program = torch.export.export(model, inputs)
    torch.export.save(program, str(pt2))
    out = tmp_path / f"{name}.onnx"
    proc = convert_without_python(tmp_path, "convert", "-i", pt2, "-o", out)
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert target in lines[0] and needle in lines[0], lines[0]
    assert not out.exists()


def write_through_slice(x):
    x = x * 1
    x[:, 1:5:2].mul_(3)  # a write through a strided slice, read through the base
    return x + 1


def write_through_select(x):
    x = x * 1
    x[:, -1].add_(2)  # select at a negative index
    return x.relu()


def view_read_after_write(x):
    x = x * 1
    v = x.view(-1)
    x.add_(1)  # the view, read after, sees the write
    return v * 2


def zero_base_read_slice(x):
    m = x * 1
    v = m[0:2]
    m.zero_()  # the slice taken before, read after, sees the zeros
    return v + 1


def fill_slice_read_view(x):
    m = x * 1
    f = m.view(-1)
    m[0:2] = 1.5  # fill_ through a slice: the base is rebuilt, but not its view f
    return f * 2


def fill_select_of_view_read_base(x):
    m = x * 1
    m.view(6, 3)[1].fill_(2.0)  # through a view that is not a slice: m is not rebuilt
    return m - 1


INPLACE = {"slice": (write_through_slice, "aten.mul_", "aten.slice_scatter.default"),
           "select": (write_through_select, "aten.add_", "aten.select_scatter.default"),
           "view": (view_read_after_write, "aten.add_", None),
           "zero_base": (zero_base_read_slice, "aten.zero_", None),
           "fill_slice_view": (fill_slice_read_view, "aten.fill_", None),
           "fill_view_select": (fill_select_of_view_read_base, "aten.fill_", None)}


@pytest.mark.parametrize("name", list(INPLACE))
def test_inplace_write_through_an_alias(name, tmp_path, tf_runner):  # noqa: F811
    """An in-place write that another name of the same storage reads afterwards is refused in
    one line (importing it as the functional op would give other numbers); the same program
    after run_decompositions() (slice_scatter / select_scatter) converts and matches eager."""
    fn, op, scatter = INPLACE[name]
    x = rand(3, 6)
    program = torch.export.export(Fn(fn).eval(), (x,))
    pt2 = tmp_path / f"{name}.pt2"
    torch.export.save(program, str(pt2))
    out = tmp_path / f"{name}.onnx"
    proc = convert_without_python(tmp_path, "convert", "-i", pt2, "-o", out)
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and f"in-place {op}" in lines[0] and "shares storage" in lines[0], \
        proc.stderr
    assert not out.exists()

    functional = program.run_decompositions({})  # functionalized, nothing decomposed
    if scatter:
        assert scatter in targets(functional), sorted(targets(functional))
    torch.export.save(functional, str(pt2))
    ref = fn(x).numpy()
    convert_and_compare(name, pt2, (x,), ref, tmp_path, tf_runner)


def test_inplace_on_its_own_tensor_converts(tmp_path, tf_runner):  # noqa: F811
    """In-place ops on a tensor no other name aliases (ReLU(inplace=True), x.add_()) are the
    functional ops, and later reads of the written name see the write."""
    def fn(x):
        y = x * 2
        y.add_(1).relu_()
        return y * y.sum(1, keepdim=True)

    x = rand(3, 5)
    program = torch.export.export(Fn(fn).eval(), (x,))
    assert {"aten.add_.Tensor", "aten.relu_.default"} <= targets(program), targets(program)
    pt2 = tmp_path / "own.pt2"
    torch.export.save(program, str(pt2))
    convert_and_compare("own", pt2, (x,), fn(x).numpy(), tmp_path, tf_runner)


class Seq2Seq(nn.Module):
    """The shapes a dynamic batch meets in a recurrent / attention block: an LSTM and a GRU
    (batch_first), an einsum attention, an RMSNorm and a roll over static dims."""

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(8, 8, batch_first=True, bidirectional=True)
        self.gru = nn.GRU(16, 8, batch_first=True)
        self.norm = nn.RMSNorm(8)

    def forward(self, x):
        h = self.gru(self.lstm(x)[0])[0]
        att = torch.einsum("btc,bsc->bts", h, h).softmax(-1)
        y = self.norm(torch.einsum("bts,bsc->btc", att, h))
        return torch.roll(y, 1, 1) + F.normalize(y, dim=-1)


def test_dynamic_batch_through_new_ops(tmp_path, tf_runner):  # noqa: F811
    model = Seq2Seq().eval()
    batch = torch.export.Dim("batch", min=1, max=64)
    program = torch.export.export(model, (rand(2, 5, 8),), dynamic_shapes=({0: batch},))
    for t in ("aten.lstm.input", "aten.gru.input", "aten.einsum.default",
              "aten.rms_norm.default", "aten.roll.default"):
        assert t in targets(program)
    pt2, onnx_path, pb = tmp_path / "d.pt2", tmp_path / "d.onnx", tmp_path / "d.pb"
    torch.export.save(program, str(pt2))
    proc = convert_without_python(tmp_path, "convert", "-i", pt2, "-o", onnx_path, "-o", pb,
                                  "--json")
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["inputs"][0]["shape"] == [-1, 5, 8]
    in_name, out_name = summary["inputs"][0]["name"], summary["graph_outputs"][0]["name"]
    sess = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    for n in (1, 3):
        x = rand(n, 5, 8, seed=n)
        with torch.no_grad():
            ref = model(x).numpy()
        assert_close(sess.run(None, {in_name: x.numpy()})[0], ref, f"onnx batch {n}")
        got = tf_runner.run_frozen(pb, {in_name: x.numpy()}, [out_name])[out_name]
        assert_close(got, ref, f"tf batch {n}")
