"""The benchmark models: PyTorch construction, fixed-seed checkpoints, reference data (shared).

Every bench script and the classic-pipeline peer script build models through this module, so
the same name always means the same architecture, weights and input. Heavy imports (torch,
torchvision, efficientnet_pytorch, tensorflow) happen inside the functions that need them: the
module itself loads in any of the three venvs (.venv, .venv-onnxtf, .venv-onnx2tf).

  .venv/bin/python bench/models.py prepare NAME [NAME...]   # make the cached files below

Cached per model under bench/results/models/NAME/ (gitignored), made once:
  NAME.pth      torch.save(model.state_dict()), random init with a fixed seed, BatchNorm
                weights and running statistics randomised too (a fresh BN is an identity);
  input.npy     a fixed random NCHW float32 input of the model's nominal shape, batch 1;
  reference.npy the PyTorch eval output on that input;
  torch.onnx    torch.onnx.export(dynamo=False, opset 17) of the model: the "same ONNX file"
                the ONNX → TF tools are given.
"""
import argparse
import pathlib
import subprocess
import sys
from dataclasses import dataclass

ROOT = pathlib.Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
SEED = 0
# The TorchScript exporter with opset 17 (pt2tf's default); onnx-tf 1.10 converts it (its
# handlers go up to opset 15, and no op these models use changed between 15 and 17).
ONNX_OPSET = 17


@dataclass(frozen=True)
class Spec:
    name: str                 # the pt2tf zoo name
    input_shape: tuple        # NCHW, batch 1
    keras: str | None         # tf.keras.applications class of the same architecture
    source: str               # where the PyTorch definition comes from
    zoo: bool = True          # pt2tf has it in its zoo, so the `.pth` route works; if not
                              # (YOLO), pt2tf starts from the same torch.onnx as ONNX peers


MODELS = {
    s.name: s
    for s in [
        Spec("civilnet", (1, 3, 32, 32), None, "examples/civilnet.py"),
        Spec("efficientnet-b3", (1, 3, 300, 300), "EfficientNetB3", "efficientnet_pytorch"),
        Spec("resnet50", (1, 3, 224, 224), "ResNet50", "torchvision"),
        Spec("mobilenet_v3_large", (1, 3, 224, 224), "MobileNetV3Large", "torchvision"),
        Spec("vgg16", (1, 3, 224, 224), "VGG16", "torchvision"),
        Spec("yolov8n", (1, 3, 640, 640), None, "ultralytics (yolov8n.yaml)", zoo=False),
    ]
}
ZOO_MODELS = [n for n, s in MODELS.items() if s.zoo]


def build_yolo(yaml):
    """An Ultralytics detector from its yaml, no weights file. Ultralytics' own init leaves a
    random-weight detector's output almost independent of the image; a variance-preserving
    normal init of the conv weights keeps the comparison with PyTorch meaningful."""
    import os
    import tempfile
    import torch
    os.environ.setdefault("YOLO_OFFLINE", "1")
    os.environ.setdefault("YOLO_CONFIG_DIR", os.path.join(tempfile.gettempdir(),
                                                          "pt2tf_ultralytics"))
    from ultralytics.nn.tasks import DetectionModel
    detector = DetectionModel(yaml, nc=80, verbose=False)
    g = torch.Generator().manual_seed(SEED)
    with torch.no_grad():
        for conv in detector.modules():
            if isinstance(conv, torch.nn.Conv2d):
                conv.weight.normal_(0.0, 1.3 / conv.weight[0].numel() ** 0.5, generator=g)
                if conv.bias is not None:
                    conv.bias.zero_()

    class FirstOutput(torch.nn.Module):
        """In eval mode the detector returns (predictions, raw head outputs): keep the
        decoded predictions [batch, 4 + classes, anchors]."""

        def __init__(self, inner):
            super().__init__()
            self.model = inner

        def forward(self, x):
            return self.model(x)[0]
    return FirstOutput(detector).eval()


def model_dir(name, results=RESULTS):
    return pathlib.Path(results) / "models" / name


def build_torch(name):
    """The PyTorch model called `name`, freshly constructed (default init), in eval mode."""
    if name == "civilnet":
        sys.path.insert(0, str(ROOT / "examples"))
        import civilnet
        return civilnet.CivilNet().eval()
    if name == "yolov8n":
        return build_yolo("yolov8n.yaml")
    if name.startswith("efficientnet-"):
        from efficientnet_pytorch import EfficientNet
        model = EfficientNet.from_name(name)
        # The memory-efficient swish is a custom autograd Function the ONNX exporter cannot
        # trace; efficientnet_pytorch's README tells users to switch it off before export.
        model.set_swish(memory_efficient=False)
        return model.eval()
    import torchvision
    return torchvision.models.get_model(name, weights=None).eval()


def randomize_batchnorm(model, seed=SEED):
    """Non-trivial BN weight/bias/running stats (a fresh BN would hide BN conversion bugs)."""
    import torch
    g = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
                n = m.num_features
                m.weight.copy_(torch.empty(n).uniform_(0.5, 1.5, generator=g))
                m.bias.copy_(torch.empty(n).normal_(0.0, 0.1, generator=g))
                m.running_mean.copy_(torch.empty(n).normal_(0.0, 0.1, generator=g))
                m.running_var.copy_(torch.empty(n).uniform_(0.5, 1.5, generator=g))
    return model


def export_onnx(model, input_shape, path):
    """torch.onnx.export as the classic pipeline does it (TorchScript exporter, opset 17)."""
    import torch
    dummy = torch.zeros(input_shape)
    torch.onnx.export(model, (dummy,), str(path), dynamo=False, opset_version=ONNX_OPSET,
                      input_names=["input"], output_names=["output"])


def _prepare_in_process(name, out):
    import numpy as np
    import torch
    spec = MODELS[name]
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(SEED)
    model = randomize_batchnorm(build_torch(name))
    tmp = out / f"{name}.pth.tmp"
    torch.save(model.state_dict(), tmp)
    x = np.random.default_rng(SEED).standard_normal(spec.input_shape, dtype=np.float32)
    with torch.no_grad():
        ref = model(torch.from_numpy(x)).numpy()
    np.save(out / "input.npy", x)
    np.save(out / "reference.npy", ref)
    export_onnx(model, spec.input_shape, out / "torch.onnx")
    tmp.rename(out / f"{name}.pth")  # last: its presence marks a complete directory


def prepare(name, results=RESULTS):
    """Makes the cached files for `name` if missing; returns the model's directory.

    Runs in a child process of the main venv's Python so the bench process stays small (a
    forked child starts with its parent's RSS, which would pollute ru_maxrss).
    """
    out = model_dir(name, results)
    if not (out / f"{name}.pth").exists():
        print(f"preparing {name} in {out}", file=sys.stderr)
        python = ROOT / ".venv" / "bin" / "python"
        subprocess.run([str(python), __file__, "prepare", "--results", str(results), name],
                       check=True)
    return out


def build_keras(name, input_shape):
    """The native TensorFlow twin (random init, NHWC input) for the latency reference."""
    import tensorflow as tf
    n, c, h, w = input_shape
    spec = MODELS[name]
    if spec.keras is None:  # CivilNet, written out in Keras layer for layer
        L = tf.keras.layers
        return tf.keras.Sequential([
            tf.keras.Input((h, w, c), batch_size=n),
            L.Conv2D(6, 5, activation="relu"), L.MaxPool2D(2),
            L.Conv2D(16, 5, activation="relu"), L.MaxPool2D(2), L.Flatten(),
            L.Dense(120, activation="relu"), L.Dense(84, activation="relu"), L.Dense(10),
        ])
    cls = getattr(tf.keras.applications, spec.keras)
    kwargs = dict(weights=None, input_shape=(h, w, c), classes=1000)
    if spec.keras.startswith("MobileNetV3"):
        kwargs["include_preprocessing"] = False  # the PyTorch models take normalised input
    # (Keras' EfficientNet always starts with Rescaling + Normalization: two cheap ops.)
    return cls(**kwargs)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("command", choices=["prepare"])
    ap.add_argument("names", nargs="+", choices=sorted(MODELS))
    ap.add_argument("--results", default=str(RESULTS))
    args = ap.parse_args()
    for name in args.names:
        out = model_dir(name, args.results)
        if not (out / f"{name}.pth").exists():
            _prepare_in_process(name, out)
        print(out)


if __name__ == "__main__":
    main()
