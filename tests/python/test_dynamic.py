"""Dynamic dims and pinned shapes (issue 10) against PyTorch eager.

Models are built in PyTorch with random weights and exported with torch.onnx.export
(dynamic_axes on the batch), or taken from the zoo with --dynamic-batch; each is converted to
a frozen graph and a SavedModel and run at batch 1, 3 and 8 through ONE loaded signature /
session (tf_batches.py) against PyTorch eager: max|diff| <= 1e-4 * max(1, max|ref|).
Dynamic spatial and sequence dims (dynamic_axes / dynamic_shapes on H, W or the sequence
length) run at two sizes of every dynamic dim through one loaded graph the same way.
Pinning (--input-shape NAME:SHAPE, --batch) must give static Placeholders, and a pin
contradicting the file a one-line error with no output left behind.
"""
import math
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest
import torch

from conftest import run_pt2tf
from zoo_harness import RTOL, assert_close

nn = torch.nn
F = nn.functional

HERE = pathlib.Path(__file__).parent
BATCHES = (1, 3, 8)


class SmallCnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1, self.bn = nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8)
        self.c2 = nn.Conv2d(8, 16, 3, stride=2)
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn(self.c1(x))), 2)
        x = F.adaptive_avg_pool2d(F.relu(self.c2(x)), 1)
        return self.fc(torch.flatten(x, 1))


class FlattenHead(nn.Module):
    """Flatten of an NHWC map into a Linear: the batch must stay free in the Reshape."""

    def __init__(self):
        super().__init__()
        self.c = nn.Conv2d(3, 4, 3, stride=2, padding=1)
        self.fc = nn.Linear(4 * 8 * 8, 5)

    def forward(self, x):
        return self.fc(F.relu(self.c(x)).reshape(x.shape[0], -1))


class SamePad(nn.Module):
    """TensorFlow-style SAME padding computed from the input's shape (ported models)."""

    def __init__(self):
        super().__init__()
        self.c = nn.Conv2d(3, 4, 3, stride=2)

    def forward(self, x):
        ih, iw = x.shape[-2:]
        # ceil(i / 2) written without negative floor division, which the TorchScript
        # exporter turns into a truncating ONNX Div (a wrong graph, not ours to fix)
        ph = ((ih + 1) // 2 - 1) * 2 + 3 - ih
        pw = ((iw + 1) // 2 - 1) * 2 + 3 - iw
        return self.c(F.pad(x, [pw // 2, pw - pw // 2, ph // 2, ph - ph // 2]))


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer = nn.TransformerEncoderLayer(16, 2, 32, dropout=0.0, batch_first=True)
        self.fc = nn.Linear(16, 4)

    def forward(self, x):
        return self.fc(self.layer(x)).mean(1)


class ViewHeads(nn.Module):
    """The views hand-written networks take over a run-time batch, as the TorchScript
    exporter spells them (Shape -> Gather -> Concat -> Reshape): each -1 is a static size
    only when the batch entry is known to be the input's own dim."""

    def __init__(self):
        super().__init__()
        self.c = nn.Conv2d(3, 4, 3, stride=2, padding=1)
        self.fc1, self.fc2, self.fc3 = nn.Linear(4 * 8 * 8, 5), nn.Linear(32, 5), nn.Linear(8, 5)

    def forward(self, x):
        y = F.relu(self.c(x))
        a = self.fc1(y.view(y.size(0), -1))
        b = self.fc2(y.reshape(x.shape[0], 4 * 8, -1).mean(2))
        t = y.flatten(2).transpose(1, 2)
        c = self.fc3(t.reshape(t.shape[0], -1, 8)).sum(1)
        return a + b + c


class TinySwin(nn.Module):
    """torchvision's Swin Transformer, tiny config: shifted-window attention builds its mask
    with a ScatterND into zeros sized from the feature map's shape (static under a run-time
    batch once the shape arithmetic folds)."""

    def __init__(self):
        super().__init__()
        from torchvision.models.swin_transformer import SwinTransformer
        self.m = SwinTransformer([4, 4], 16, [2, 2], [2, 2], [4, 4], num_classes=5)

    def forward(self, x):
        return self.m(x)


MODELS = {  # name: (module, one sample's shape)
    "cnn": (SmallCnn, (3, 16, 16)),
    "flatten_head": (FlattenHead, (3, 16, 16)),
    "view_heads": (ViewHeads, (3, 16, 16)),
    "swin": (TinySwin, (3, 32, 32)),
    "same_pad": (SamePad, (3, 15, 17)),
    "encoder": (Encoder, (5, 16)),
}


def make(name, seed=0):
    torch.manual_seed(seed)
    cls, sample = MODELS[name]
    model = cls().eval()
    for m in model.modules():  # non-trivial BatchNorm statistics
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-1, 1)
            m.running_var.uniform_(0.5, 2)
    return model, sample


def export(model, sample, path, dynamic=True, dynamo=False):
    x = torch.randn(2, *sample)
    kwargs = {"dynamic_axes": {"x": {0: "batch"}}} if dynamic else {}
    if dynamo:
        kwargs = {"dynamic_shapes": ({0: torch.export.Dim("batch", min=1, max=64)},)}
    torch.onnx.export(model, (x,), str(path), dynamo=dynamo, opset_version=17,
                      input_names=["x"], output_names=["y"], **kwargs)
    return path


def run_batches(pb, outputs, saved, feeds):
    """Runs each feed dict through the frozen graph and the SavedModel, each loaded once
    (tf_batches.py). Returns (placeholder shapes, [frozen outputs], [SavedModel outputs])."""
    paths = []
    for i, feed in enumerate(feeds):
        p = pathlib.Path(f"{pb}.feed{i}.npz")
        np.savez(p, **feed)
        paths.append(str(p))
    proc = subprocess.run([sys.executable, str(HERE / "tf_batches.py"), str(pb), ",".join(outputs),
                           str(saved), *paths], capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-2000:]
    import json
    shapes = json.loads(proc.stdout.strip().splitlines()[-1])
    results = {"frozen": [], "saved": []}
    for p in paths:
        for kind in results:
            with np.load(f"{p[:-4]}.{kind}.npz") as data:
                results[kind].append({k: data[k] for k in data.files})
    return shapes, results["frozen"], results["saved"]


def signature_shapes(saved_dir):
    """`saved_model_cli show --all` of the SavedModel, as text."""
    cli = pathlib.Path(sys.executable).with_name("saved_model_cli")
    proc = subprocess.run([str(cli), "show", "--dir", str(saved_dir), "--all"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def check_batches(model, sample, pb, saved, input_key="x", output="y", batches=BATCHES):
    """Batches through one loaded frozen graph and SavedModel vs PyTorch eager; returns the
    frozen graph's Placeholder shapes."""
    feeds = [{input_key: np.random.default_rng(b).standard_normal((b, *sample)).astype(np.float32)}
             for b in batches]
    with torch.no_grad():
        refs = [model(torch.from_numpy(f[input_key])).numpy() for f in feeds]
    probe = refs[-1] if len(refs[-1]) > 1 else refs[0]
    if len(probe) > 1:
        spread = float(np.max(np.abs(probe[0] - probe[1])))
        assert spread > 10 * RTOL, "samples give the same output: the comparison proves nothing"
    shapes, frozen, served = run_batches(pb, [output], saved, feeds)
    for b, ref, got_f, got_s in zip(batches, refs, frozen, served):
        assert_close(got_f[output], ref, f"frozen graph, batch {b}")
        assert_close(got_s[output], ref, f"SavedModel, batch {b}")
    return shapes


@pytest.mark.parametrize("name", sorted(MODELS))
def test_onnx_dynamic_batch(name, pt2tf_bin, tmp_path):
    model, sample = make(name)
    onnx_path = export(model, sample, tmp_path / f"{name}.onnx")
    pb, saved = tmp_path / "m.pb", tmp_path / "m_saved"
    run_pt2tf("convert", "-i", onnx_path, "-o", pb, "-o", f"{saved}/", "-q")
    assert check_batches(model, sample, pb, saved) == {"x": [-1, *sample]}
    if name == "cnn":  # saved_model_cli is one more TensorFlow start: once is enough
        text = signature_shapes(saved)
        assert f"shape: (-1, {', '.join(map(str, sample))})" in text, text


@pytest.mark.parametrize("name,dynamo", [(n, False) for n in sorted(MODELS)] +
                         [("view_heads", True)])
def test_onnx_dynamic_batch_to_tflite(name, dynamo, pt2tf_bin, tmp_path):
    """A run-time batch kept in .tflite (shape_signature -1) through flatten/view heads into
    nn.Linear (FULLY_CONNECTED needs the static feature size): one file at batch 1 and 3 in
    LiteRT against PyTorch eager."""
    import tflite_runner
    model, sample = make(name)
    onnx_path = export(model, sample, tmp_path / f"{name}.onnx", dynamo=dynamo)
    out = tmp_path / "m.tflite"
    run_pt2tf("convert", "-i", onnx_path, "-o", out, "-q")
    for b in (1, 3):
        x = np.random.default_rng(b).standard_normal((b, *sample)).astype(np.float32)
        with torch.no_grad():
            ref = model(torch.from_numpy(x)).numpy()
        got, signature = tflite_runner.run_resized(out, {"x": x})
        assert_close(got["y"], ref, f".tflite, batch {b}")
        assert signature["x"] == [-1, *sample], signature


def test_onnx_dynamic_batch_dynamo(pt2tf_bin, tmp_path):
    model, sample = make("cnn")
    onnx_path = export(model, sample, tmp_path / "cnn.onnx", dynamo=True)
    pb, saved = tmp_path / "m.pb", tmp_path / "m_saved"
    run_pt2tf("convert", "-i", onnx_path, "-o", pb, "-o", f"{saved}/", "-q")
    assert check_batches(model, sample, pb, saved, batches=(1, 3)) == {"x": [-1, *sample]}


@pytest.mark.parametrize("flags,batch", [(["--input-shape", "x:4x3x15x17"], 4),
                                         (["--input-shape", "4x3x15x17"], 4),
                                         (["--batch", "2"], 2)])
def test_pinned_shapes_give_static_graph(flags, batch, pt2tf_bin, tmp_path):
    """Pinned: the Placeholder is static and the Shape-computed SAME padding folds away."""
    model, sample = make("same_pad")
    onnx_path = export(model, sample, tmp_path / "same_pad.onnx")
    pb, saved = tmp_path / "m.pb", tmp_path / "m_saved"
    run_pt2tf("convert", "-i", onnx_path, "-o", pb, "-o", f"{saved}/", "-q", *flags)
    assert check_batches(model, sample, pb, saved, batches=(batch,)) == {"x": [batch, *sample]}


@pytest.mark.parametrize("flags,needle", [
    (["--input-shape", "x:1x3x15x18"], "dim 3 of input 'x' is 17 in the file"),
    (["--input-shape", "y:1x3x15x17"], "no input 'y'"),
    (["--input-shape", "x:1x3x15"], "has rank 4"),
    (["--input-shape", "x:1x3xx15"], "expected positive sizes"),
])
def test_bad_pins_are_one_line_errors(flags, needle, pt2tf_bin, tmp_path):
    model, sample = make("same_pad")
    onnx_path = export(model, sample, tmp_path / "same_pad.onnx")
    out = tmp_path / "m.pb"
    proc = run_pt2tf("convert", "-i", onnx_path, "-o", out, *flags, check=False)
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], proc.stderr
    assert not out.exists()


def test_contradicting_static_batch(pt2tf_bin, tmp_path):
    model, sample = make("cnn")
    onnx_path = export(model, sample, tmp_path / "cnn.onnx", dynamic=False)
    proc = run_pt2tf("convert", "-i", onnx_path, "-o", tmp_path / "m.pb", "--batch", "3",
                     check=False)
    assert proc.returncode != 0
    assert "dim 0 of input 'x' is 2 in the file" in proc.stderr and str(onnx_path) in proc.stderr


class UNetish(nn.Module):
    """Down/up path: bilinear upsampling to the skip's size (Resize sizes from Shape)."""

    def __init__(self):
        super().__init__()
        self.c1, self.c2 = nn.Conv2d(3, 8, 3, padding=1), nn.Conv2d(8, 8, 3, stride=2, padding=1)
        self.c3 = nn.Conv2d(16, 4, 3, padding=1)

    def forward(self, x):
        a = F.relu(self.c1(x))
        b = F.relu(self.c2(a))
        u = F.interpolate(b, size=a.shape[-2:], mode="bilinear", align_corners=False)
        return self.c3(torch.cat([a, u], 1))


class Upsample2x(nn.Module):
    """Nearest upsampling by a constant scale over run-time H, W."""

    def __init__(self):
        super().__init__()
        self.c = nn.Conv2d(3, 4, 3, padding=1)

    def forward(self, x):
        return F.interpolate(self.c(x), scale_factor=2, mode="nearest")


class PixelAttention(nn.Module):
    """[N, C, H, W] -> [N, C, H*W] attention over pixels and back (Shape-driven Reshape)."""

    def __init__(self):
        super().__init__()
        self.q, self.k, self.v = nn.Conv2d(3, 8, 1), nn.Conv2d(3, 8, 1), nn.Conv2d(3, 8, 1)

    def forward(self, x):
        n, _, h, w = x.shape
        q, k, v = self.q(x).flatten(2), self.k(x).flatten(2), self.v(x).flatten(2)
        a = torch.softmax(q.transpose(1, 2) @ k / math.sqrt(8), -1)
        return (v @ a.transpose(1, 2)).reshape(n, 8, h, w)


class PoolPad(nn.Module):
    """Padded average and max pooling, then a reflect Pad, over run-time H, W."""

    def __init__(self):
        super().__init__()
        self.c = nn.Conv2d(3, 6, 3, padding=1)

    def forward(self, x):
        y = F.max_pool2d(F.avg_pool2d(self.c(x), 3, stride=2, padding=1), 3, stride=1, padding=1)
        return F.pad(y, (1, 2, 0, 1), mode="reflect")


class CeilPools(nn.Module):
    """ceil_mode max pooling over run-time H, W: a partial last window (k3 s2 at even sizes)
    and ONNX's rule dropping a last window that starts in the padding (k2 s3 p1 at 5)."""

    def forward(self, x):
        a = F.max_pool2d(x, 3, stride=2, ceil_mode=True)
        b = F.max_pool2d(x, 2, stride=3, padding=1, ceil_mode=True)
        return torch.cat([a.flatten(1), b.flatten(1)], 1)


class CeilAvgPools(nn.Module):
    """Average pooling whose divisors depend on the run-time H, W: ceil_mode (partial last
    windows, with and without count_include_pad) and declared pads not counted."""

    def forward(self, x):
        a = F.avg_pool2d(x, 3, stride=2, ceil_mode=True)
        b = F.avg_pool2d(x, 2, stride=3, padding=1, ceil_mode=True, count_include_pad=True)
        c = F.avg_pool2d(x, 2, stride=3, padding=1, ceil_mode=True, count_include_pad=False)
        d = F.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False)
        return torch.cat([t.flatten(1) for t in (a, b, c, d)], 1)


class TinyBert(nn.Module):
    """Token ids + attention mask: the position table sliced to the run-time sequence length
    (Slice with a run-time end), hand-written multi-head attention, GELU MLP, LayerNorm."""

    def __init__(self, vocab=50, d=16, heads=2, maxlen=32):
        super().__init__()
        self.tok, self.pos = nn.Embedding(vocab, d), nn.Parameter(torch.randn(maxlen, d) * 0.1)
        self.qkv, self.o = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.ff = nn.Sequential(nn.Linear(d, 32), nn.GELU(), nn.Linear(32, d))
        self.heads = heads

    def forward(self, ids, mask):
        b, s = ids.shape
        x = self.tok(ids) + self.pos[:s]
        q, k, v = (t.reshape(b, s, self.heads, -1).transpose(1, 2)
                   for t in self.qkv(x).chunk(3, -1))
        att = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])
        att = att + (1.0 - mask[:, None, None, :].to(att.dtype)) * -1e4
        y = (torch.softmax(att, -1) @ v).transpose(1, 2).reshape(b, s, -1)
        x = self.ln1(x + self.o(y))
        return self.ln2(x + self.ff(x))


class LastToken(nn.Module):
    """Gathers at negative and Shape-computed indices along a run-time sequence dim."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(16, 4)

    def forward(self, x):
        return self.fc(x[:, -1]) + x[:, x.shape[1] // 2, :4]


class TorchEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        layer = nn.TransformerEncoderLayer(16, 2, 32, dropout=0.0, batch_first=True)
        self.enc = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
        self.fc = nn.Linear(16, 4)

    def forward(self, x):
        return self.fc(self.enc(x))


class Shuffle(nn.Module):
    """PixelShuffle (DepthToSpace) over run-time H/W."""

    def __init__(self):
        super().__init__()
        self.c = nn.Conv2d(3, 8, 3, padding=1)

    def forward(self, x):
        return F.pixel_shuffle(self.c(x), 2)


class Unshuffle(nn.Module):
    """PixelUnshuffle (SpaceToDepth) over run-time H/W (made even by a 2x upsample)."""

    def __init__(self):
        super().__init__()
        self.c = nn.Conv2d(3, 4, 3, padding=1)

    def forward(self, x):
        return F.pixel_unshuffle(F.interpolate(self.c(x), scale_factor=2.0, mode="nearest"), 2)


class IndexOps(nn.Module):
    """ArgMax over channels, CumSum along H, OneHot of the argmax, over run-time N/H/W."""

    def __init__(self):
        super().__init__()
        self.c = nn.Conv2d(3, 5, 3, padding=1)

    def forward(self, x):
        y = self.c(x)
        hot = F.one_hot(y.argmax(1), 5).permute(0, 3, 1, 2).float()
        return torch.cumsum(y, 2) + hot * 10.0


class TopK(nn.Module):
    """TopK (k=2) along a run-time W."""

    def __init__(self):
        super().__init__()
        self.c = nn.Conv2d(3, 4, 3, padding=1)

    def forward(self, x):
        return torch.topk(self.c(x), 2, dim=3).values


class HfDistilBert(nn.Module):
    """Hugging Face DistilBERT (random weights, tiny config): its attention mask is expanded
    to a shape computed from the run-time batch and sequence (Expand -> BroadcastTo)."""

    def __init__(self):
        super().__init__()
        import transformers
        cfg = transformers.DistilBertConfig(vocab_size=50, dim=32, n_layers=2, n_heads=2,
                                            hidden_dim=64, max_position_embeddings=32)
        self.m = transformers.DistilBertModel(cfg)

    def forward(self, ids, mask):
        return self.m(input_ids=ids, attention_mask=mask).last_hidden_state


class Scatters(nn.Module):
    """torch.scatter / scatter_add (ScatterElements, add summing repeated indices), a scatter
    of one value at repeated indices (a mask: every backend writes the value once) and an
    in-place row assignment (ScatterND) over a run-time batch."""

    def forward(self, x, idx):
        a = x.scatter(1, idx[:, :3], x[:, :3] * 2)
        b = torch.zeros_like(x).scatter_add(1, idx[:, 3:] % 4, x[:, 3:6])
        c = x.clone()
        c[:, 2] = x[:, 0] + 1
        d = torch.zeros_like(x).scatter(1, idx[:, :4] % 3, 1.0)  # repeated ids, one value
        return a + b + c + d


class SeqMasks(nn.Module):
    """Sequence-length arithmetic of decoder LMs and T5 over a run-time batch and sequence:
    a causal triu, relative positions through an int64 abs, and a tail slice x[:, -(S//2):]
    (whose end is INT64_MAX: "to the end", not -1)."""

    def forward(self, x):
        s = x.shape[1]
        att = torch.triu(x @ x.transpose(1, 2), diagonal=1)
        pos = torch.arange(s)
        rel = (pos[None, :] - pos[:, None]).abs().to(x.dtype)
        tail = x[:, -(s // 2):].sum(1, keepdim=True)
        return att + rel + tail.sum(-1, keepdim=True)


class RepeatMask(nn.Module):
    """A causal mask from `ones(S, S, bool).tril()` (GPT-2's; LiteRT's ZEROS_LIKE takes no
    bool) and `m.repeat(1, 1, C)` with C read from the input (exported as Expand(m, [1, 1, 1])
    before a Tile, refused over run-time dims before), over a run-time batch and sequence."""

    def forward(self, x):
        s = x.shape[1]
        causal = torch.ones(s, s, dtype=torch.bool).tril()
        att = (x @ x.transpose(1, 2)).masked_fill(~causal, -1e4).softmax(-1)
        keep = (x[..., :1] > 0).float().repeat(1, 1, x.shape[2])
        return att @ (x * keep)


def _scatter_inputs(rng, size):
    x = rng.standard_normal((size[0], 8)).astype(np.float32)
    idx = np.stack([rng.permutation(8)[:6] for _ in range(size[0])]).astype(np.int64)
    return x, idx


def _images(c=3):
    return lambda rng, size: (rng.standard_normal((size[0], c, *size[1:])).astype(np.float32),)


def _tokens(rng, size):
    b, s = size
    return rng.integers(0, 50, (b, s)), (rng.random((b, s)) > 0.3).astype(np.int64)


SPATIAL = {  # name: (module, make inputs(rng, size), per-input dynamic dims, two sizes)
    "cnn": (SmallCnn, _images(), ({0: "N", 2: "H", 3: "W"},), [(1, 16, 16), (3, 23, 31)]),
    "same_pad": (SamePad, _images(), ({0: "N", 2: "H", 3: "W"},), [(1, 15, 17), (2, 20, 33)]),
    "unet": (UNetish, _images(), ({0: "N", 2: "H", 3: "W"},), [(1, 16, 16), (2, 21, 30)]),
    "upsample": (Upsample2x, _images(), ({0: "N", 2: "H", 3: "W"},), [(1, 8, 8), (2, 5, 11)]),
    "pixel_attention": (PixelAttention, _images(), ({0: "N", 2: "H", 3: "W"},),
                        [(1, 8, 8), (2, 5, 11)]),
    "pool_pad": (PoolPad, _images(), ({0: "N", 2: "H", 3: "W"},), [(1, 8, 8), (2, 7, 12)]),
    "pixel_shuffle": (Shuffle, _images(), ({0: "N", 2: "H", 3: "W"},), [(1, 8, 8), (2, 5, 11)]),
    "pixel_unshuffle": (Unshuffle, _images(), ({0: "N", 2: "H", 3: "W"},),
                        [(1, 8, 8), (2, 6, 10)]),
    "index_ops": (IndexOps, _images(), ({0: "N", 2: "H", 3: "W"},), [(1, 8, 8), (2, 5, 11)]),
    "topk": (TopK, _images(), ({0: "N", 2: "H", 3: "W"},), [(1, 8, 8), (2, 5, 11)]),
    "ceil_pools": (CeilPools, _images(), ({0: "N", 2: "H", 3: "W"},), [(1, 12, 5), (2, 9, 14)]),
    "ceil_avg_pools": (CeilAvgPools, _images(), ({0: "N", 2: "H", 3: "W"},),
                       [(1, 12, 5), (2, 9, 14)]),
    "scatters": (Scatters, _scatter_inputs, ({0: "N"}, {0: "N"}), [(1,), (3,)]),
    "seq_masks": (SeqMasks, lambda rng, size: (rng.standard_normal((*size, 8)).astype(np.float32),),
                  ({0: "N", 1: "S"},), [(1, 5), (3, 9)]),
    "bert": (TinyBert, _tokens, ({0: "N", 1: "S"}, {0: "N", 1: "S"}), [(1, 7), (3, 12)]),
    "distilbert": (HfDistilBert, _tokens, ({0: "N", 1: "S"}, {0: "N", 1: "S"}),
                   [(1, 7), (3, 12)]),
    "encoder_seq": (Encoder, lambda rng, size: (rng.standard_normal((*size, 16)).astype(np.float32),),
                    ({0: "N", 1: "S"},), [(1, 5), (3, 9)]),
    "last_token": (LastToken, lambda rng, size: (rng.standard_normal((*size, 16)).astype(np.float32),),
                   ({0: "N", 1: "S"},), [(1, 5), (3, 9)]),
    "repeat_mask": (RepeatMask, lambda rng, size: (rng.standard_normal((*size, 8)).astype(np.float32),),
                    ({0: "N", 1: "S"},), [(1, 5), (3, 9)]),
    "transformer_encoder": (TorchEncoder,
                            lambda rng, size: (rng.standard_normal((*size, 16)).astype(np.float32),),
                            ({0: "N", 1: "S"},), [(1, 7), (3, 12)]),
}
# nn.MultiheadAttention traced by the TorchScript exporter bakes the example's sequence length
# into a Reshape (ONNX Runtime fails on other lengths too): those go through dynamo only.
DYNAMO_ONLY = {"encoder_seq", "transformer_encoder"}
# The dynamo exporter (torch 2.14.1) writes ceil_mode pooling followed by flatten with a
# Reshape whose size comes from its own symbolic output-size formula, and that formula is
# wrong at other sizes: ONNX Runtime fails on the file itself ("cannot be reshaped"). Those
# go through the TorchScript exporter only.
TORCHSCRIPT_ONLY = {"ceil_avg_pools", "ceil_pools"}


# The default CI subset: every op family above once, both exporters represented.
DEFAULT_SPATIAL = [("bert", False), ("ceil_avg_pools", False), ("ceil_pools", False), ("cnn", True),
                   ("index_ops", False), ("last_token", True), ("pixel_shuffle", True),
                   ("pixel_unshuffle", False), ("pool_pad", False), ("repeat_mask", False),
                   ("scatters", True), ("seq_masks", False),
                   ("topk", False),
                   ("transformer_encoder", True), ("unet", True), ("upsample", False)]


def spatial_cases():
    """DEFAULT_SPATIAL; every model through both exporters with PT2TF_DYNAMIC_ALL=1."""
    if os.environ.get("PT2TF_DYNAMIC_ALL") != "1":
        return DEFAULT_SPATIAL
    return [(name, dynamo) for name in sorted(SPATIAL) for dynamo in (False, True)
            if (name not in DYNAMO_ONLY or dynamo) and (name not in TORCHSCRIPT_ONLY or not dynamo)]


def export_dynamic(model, inputs, axes, path, dynamo):
    names = [f"in{i}" for i in range(len(inputs))]
    example = tuple(torch.from_numpy(np.ascontiguousarray(v)) for v in inputs)
    if dynamo:
        dims = {}
        shapes = tuple({i: dims.setdefault(n, torch.export.Dim(n, min=2, max=64))
                        for i, n in ax.items()} for ax in axes)
        torch.onnx.export(model, example, str(path), dynamo=True, dynamic_shapes=shapes,
                          input_names=names, output_names=["y"])
    else:
        torch.onnx.export(model, example, str(path), dynamo=False, opset_version=17,
                          input_names=names, output_names=["y"],
                          dynamic_axes={n: dict(ax) for n, ax in zip(names, axes)})
    return names


def export_spatial(name, dynamo, path):
    """SPATIAL[name] with random weights, exported with its dynamic dims to `path`; returns
    (model, make_inputs, axes, sizes, input names, rng)."""
    torch.manual_seed(0)
    cls, make_inputs, axes, sizes = SPATIAL[name]
    model = cls().eval()
    rng = np.random.default_rng(0)
    # the example's dims must differ from 1 and from each other (the exporters specialise)
    names = export_dynamic(model, make_inputs(rng, (2, *[s + 1 for s in sizes[0][1:]])), axes,
                           path, dynamo)
    return model, make_inputs, axes, sizes, names, rng


@pytest.mark.parametrize("name,dynamo", spatial_cases())
def test_onnx_dynamic_spatial_and_sequence(name, dynamo, pt2tf_bin, tmp_path):
    """Every dynamic dim (batch, H, W or sequence) at two values through one loaded frozen
    graph and SavedModel, against PyTorch eager; Placeholders keep -1 for those dims."""
    model, make_inputs, axes, sizes, names, rng = export_spatial(name, dynamo, tmp_path / "m.onnx")
    pb, saved = tmp_path / "m.pb", tmp_path / "m_saved"
    run_pt2tf("convert", "-i", tmp_path / "m.onnx", "-o", pb, "-o", f"{saved}/", "-q")
    feeds = [dict(zip(names, make_inputs(rng, size))) for size in sizes]
    with torch.no_grad():
        refs = [model(*[torch.from_numpy(v) for v in f.values()]).numpy() for f in feeds]
    assert refs[0].shape != refs[1].shape
    shapes, frozen, served = run_batches(pb, ["y"], saved, feeds)
    for size, ref, got_f, got_s in zip(sizes, refs, frozen, served):
        assert_close(got_f["y"], ref, f"frozen graph, size {size}")
        assert_close(got_s["y"], ref, f"SavedModel, size {size}")
    for n, ax in zip(names, axes):
        assert all(shapes[n][i] == -1 for i in ax), shapes


def test_dynamic_dim_that_must_be_static_is_named(pt2tf_bin, tmp_path):
    """auto_pad SAME_UPPER average pooling with count_include_pad over a run-time H (TF's SAME
    pooling never counts the padding, and the pad amounts depend on the size): the error
    names the node, the dim and the flag; pinning the shape converts it (reference: ONNX
    Runtime on the same file)."""
    import onnx
    import onnxruntime as ort
    from onnx import TensorProto, helper
    node = helper.make_node("AveragePool", ["in0"], ["y"], kernel_shape=[3, 3], strides=[2, 2],
                            auto_pad="SAME_UPPER", count_include_pad=1, name="pool")
    graph = helper.make_graph(
        [node], "g", [helper.make_tensor_value_info("in0", TensorProto.FLOAT, [1, 3, "H", "W"])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]),
              tmp_path / "m.onnx")
    x = np.random.default_rng(0).standard_normal((1, 3, 10, 12)).astype(np.float32)
    out = tmp_path / "m.pb"
    proc = run_pt2tf("convert", "-i", tmp_path / "m.onnx", "-o", out, check=False)
    assert proc.returncode != 0 and not out.exists()
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "AveragePool" in lines[0] and "dim 2 of 'in0'" in lines[0], lines[0]
    assert "--input-shape" in lines[0], lines[0]
    saved = tmp_path / "m_saved"
    run_pt2tf("convert", "-i", tmp_path / "m.onnx", "-o", out, "-o", f"{saved}/", "-q",
              "--input-shape", "in0:1x3x10x12")
    ref = ort.InferenceSession(str(tmp_path / "m.onnx")).run(None, {"in0": x})[0]
    _, frozen, served = run_batches(out, ["y"], saved, [{"in0": x}])
    assert_close(frozen[0]["y"], ref, "frozen graph, pinned")
    assert_close(served[0]["y"], ref, "SavedModel, pinned")


# .tflite with run-time dims: the models whose ops carry them in the TFLite translator.
TFLITE_SPATIAL = [("bert", False), ("bert", True), ("distilbert", False), ("distilbert", True),
                  ("ceil_avg_pools", False), ("ceil_pools", False),
                  ("cnn", False), ("cnn", True), ("encoder_seq", True), ("index_ops", False),
                  ("index_ops", True), ("last_token", False), ("last_token", True),
                  ("pixel_attention", False), ("pixel_shuffle", False), ("pixel_shuffle", True),
                  ("pixel_unshuffle", False), ("pool_pad", False), ("topk", False), ("topk", True),
                  ("same_pad", False), ("same_pad", True), ("scatters", False), ("scatters", True),
                  ("seq_masks", False), ("seq_masks", True), ("repeat_mask", False),
                  ("repeat_mask", True), ("transformer_encoder", True),
                  ("unet", False), ("unet", True), ("upsample", False), ("upsample", True)]


@pytest.mark.parametrize("name,dynamo", TFLITE_SPATIAL)
def test_onnx_dynamic_dims_to_tflite(name, dynamo, pt2tf_bin, tmp_path):
    """Dynamic batch and H/W kept in .tflite (shape_signature -1): one file run in LiteRT at
    two sizes of every dynamic dim against PyTorch eager."""
    import tflite_runner
    model, make_inputs, axes, sizes, names, rng = export_spatial(name, dynamo, tmp_path / "m.onnx")
    out = tmp_path / "m.tflite"
    run_pt2tf("convert", "-i", tmp_path / "m.onnx", "-o", out, "-q")
    for size in sizes:
        feeds = dict(zip(names, make_inputs(rng, size)))
        with torch.no_grad():
            ref = model(*[torch.from_numpy(v) for v in feeds.values()]).numpy()
        got, signature = tflite_runner.run_resized(out, feeds)
        assert_close(got["y"], ref, f".tflite, size {size}")
        for n, ax in zip(names, axes):
            assert all(signature[n][i] == -1 for i in ax), signature


def test_quantize_needs_static_input_shapes(pt2tf_bin, tmp_path):
    """--quantize on a .tflite with a run-time input dim: one line naming the input and the
    pinning flags, no file (calibration and the evaluator are sized from the inputs)."""
    torch.manual_seed(0)
    x = np.random.default_rng(0).standard_normal((2, 3, 17, 15)).astype(np.float32)
    export_dynamic(SmallCnn().eval(), (x,), ({0: "N"},), tmp_path / "m.onnx", dynamo=False)
    out = tmp_path / "m.tflite"
    proc = run_pt2tf("convert", "-i", tmp_path / "m.onnx", "-o", out, "--quantize",
                     "dynamic-int8", check=False)
    assert proc.returncode == 1 and not out.exists(), proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "'in0'" in lines[0] and "--batch" in lines[0], lines[0]


def test_dynamic_input_to_tflite_refused_where_an_op_needs_the_size(pt2tf_bin, tmp_path):
    """An op that needs a run-time dim at conversion time (here ConvTranspose over run-time
    H/W: its output size is an operand): a one-line error naming the node and the pinning
    flags, no file; pinned, the file runs in LiteRT against PyTorch eager."""
    import tflite_runner
    torch.manual_seed(0)
    make_inputs, axes = _images(), ({0: "N", 2: "H", 3: "W"},)
    model = nn.ConvTranspose2d(3, 4, 2, stride=2).eval()
    rng = np.random.default_rng(0)
    names = export_dynamic(model, make_inputs(rng, (2, 9, 7)), axes, tmp_path / "m.onnx", False)
    out = tmp_path / "m.tflite"
    proc = run_pt2tf("convert", "-i", tmp_path / "m.onnx", "-o", out, check=False)
    assert proc.returncode == 1 and not out.exists(), proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "ConvTranspose" in lines[0] and "--input-shape" in lines[0] and "--batch" in lines[0], lines[0]
    feeds = dict(zip(names, make_inputs(rng, (2, 9, 7))))
    shape = "x".join(map(str, feeds["in0"].shape))
    run_pt2tf("convert", "-i", tmp_path / "m.onnx", "-o", out, "-q", "--input-shape",
              f"in0:{shape}")
    with torch.no_grad():
        ref = model(*[torch.from_numpy(v) for v in feeds.values()]).numpy()
    assert_close(tflite_runner.run(out, feeds)["y"], ref, ".tflite, pinned")


def zoo_names():
    """A representative few; every zoo model with PT2TF_DYNAMIC_ZOO=all."""
    if os.environ.get("PT2TF_DYNAMIC_ZOO") == "all":
        from conftest import run_pt2tf_json
        return [m["name"] for m in run_pt2tf_json("models", "--json")]
    return ["resnet18", "mobilenet_v3_small", "efficientnet-b0"]


@pytest.fixture(scope="module")
def calibrated_cache(tmp_path_factory):
    from test_tf_zoo import Cache  # BN statistics calibrated for the deep MobileNets/EfficientNets
    return Cache(tmp_path_factory.mktemp("dynamic_zoo"))


@pytest.mark.parametrize("name", zoo_names())
def test_zoo_dynamic_batch(name, calibrated_cache, pt2tf_bin, tmp_path):
    import onnx
    import onnxruntime as ort
    from zoo_harness import default_input_shape
    checkpoint, model = calibrated_cache.state_dict(name)
    pb, saved, onnx_out = tmp_path / "m.pb", tmp_path / "m_saved", tmp_path / "m.onnx"
    run_pt2tf("convert", "-i", checkpoint, "--model", name, "--dynamic-batch", "-o", pb,
              "-o", f"{saved}/", "-o", onnx_out, "-q")
    sample = tuple(default_input_shape(name)[1:])
    assert f"shape: (-1, {', '.join(map(str, sample))})" in signature_shapes(saved)
    proto = onnx.load(str(onnx_out))
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    assert proto.graph.output[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    shapes = check_batches(model, sample, pb, saved, input_key="input", output="output",
                           batches=(1, 3))
    assert shapes == {"input": [-1, *sample]}
    x = np.random.default_rng(5).standard_normal((3, *sample)).astype(np.float32)
    with torch.no_grad():
        ref = model(torch.from_numpy(x)).numpy()
    session = ort.InferenceSession(str(onnx_out), providers=["CPUExecutionProvider"])
    assert_close(session.run(["output"], {"input": x})[0], ref, "ONNX Runtime, batch 3")
    # .tflite with a run-time batch: one file at batch 1 and 3 in LiteRT.
    import tflite_runner
    lite = tmp_path / "m.tflite"
    run_pt2tf("convert", "-i", checkpoint, "--model", name, "--dynamic-batch", "-o", lite, "-q")
    for b in (1, 3):
        got, signature = tflite_runner.run_resized(lite, {"input": x[:b]})
        assert_close(got["output"], ref[:b], f".tflite, batch {b}")
        assert signature["input"] == [-1, *sample], signature


@pytest.mark.parametrize("spelling", ["minus_one", "empty_param", "odd_param", "no_dim_info"])
def test_reader_accepts_what_exporters_write_for_unknown_dims(spelling, pt2tf_bin, tmp_path):
    """-1 dim_value (old tf2onnx), an empty or odd dim_param, a dim with neither field."""
    import onnx
    model, sample = make("cnn")
    path = export(model, sample, tmp_path / "cnn.onnx")
    proto = onnx.load(str(path))
    for vi in (proto.graph.input[0], proto.graph.output[0]):
        dim = vi.type.tensor_type.shape.dim[0]
        dim.Clear()
        if spelling == "minus_one":
            dim.dim_value = -1
        elif spelling == "empty_param":
            dim.dim_param = ""
        elif spelling == "odd_param":
            dim.dim_param = "batch size (N) / 2?"
    edited = tmp_path / "edited.onnx"
    onnx.save(proto, str(edited))
    pb, saved = tmp_path / "m.pb", tmp_path / "m_saved"
    run_pt2tf("convert", "-i", edited, "-o", pb, "-o", f"{saved}/", "-q")
    assert check_batches(model, sample, pb, saved, batches=(1, 3)) == {"x": [-1, *sample]}


def test_onnx_output_keeps_dim_params(pt2tf_bin, tmp_path):
    import onnx
    import onnxruntime as ort
    model, sample = make("flatten_head")
    path = export(model, sample, tmp_path / "m.onnx")
    out = tmp_path / "out.onnx"
    run_pt2tf("convert", "-i", path, "-o", out, "-q")
    proto = onnx.load(str(out))
    onnx.checker.check_model(proto, full_check=True)
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    for b in (1, 4):
        x = np.random.default_rng(b).standard_normal((b, *sample)).astype(np.float32)
        with torch.no_grad():
            ref = model(torch.from_numpy(x)).numpy()
        assert_close(session.run(["y"], {"x": x})[0], ref, f"ONNX Runtime, batch {b}")


def test_names_unique_ignoring_case(pt2tf_bin, tmp_path):
    """TensorFlow keeps op names unique ignoring case: a graph output "shape" beside the
    writer's own "Shape" op loaded from a SavedModel as "shape_1", and the signature's
    "shape:0" then named nothing. The writer's names are now unique ignoring case, the
    interface's kept as spelled."""
    from onnx import TensorProto, helper
    nodes = [helper.make_node("Relu", ["x"], ["relu"]),
             helper.make_node("Shape", ["relu"], ["shape"]),
             helper.make_node("Neg", ["relu"], ["NEG"])]
    graph = helper.make_graph(nodes, "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 3])],
                              [helper.make_tensor_value_info("shape", TensorProto.INT64, [2]),
                               helper.make_tensor_value_info("NEG", TensorProto.FLOAT,
                                                             ["n", 3])])
    path = tmp_path / "m.onnx"
    path.write_bytes(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
                     .SerializeToString())
    pb, saved = tmp_path / "m.pb", tmp_path / "m_saved"
    run_pt2tf("convert", "-i", path, "-o", pb, "-o", f"{saved}/", "-q")
    x = np.arange(12, dtype=np.float32).reshape(4, 3) - 5
    _, frozen, served = run_batches(pb, ["shape", "NEG"], saved, [{"x": x}])
    for got in (frozen[0], served[0]):
        np.testing.assert_array_equal(got["shape"], [4, 3])
        np.testing.assert_array_equal(got["NEG"], -np.maximum(x, 0))
