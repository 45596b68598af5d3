"""pt2tf inspect against real torch: every checkpoint flavour torch writes, read back natively.

For each file, `pt2tf inspect --json --hash` must report exactly the tensors torch reports:
same names in the same order, dtype, shape, nbytes, and SHA-256 of the contiguous bytes.
"""
import collections
import hashlib
import io
import json
import pathlib
import pickle
import struct
import sys
import zipfile

import pytest
import torch
import torch.nn as nn

from conftest import ROOT, run_pt2tf, run_pt2tf_json

sys.path.insert(0, str(ROOT / "examples"))
import civilnet  # noqa: E402

ALL_DTYPES = [torch.float64, torch.float32, torch.float16, torch.bfloat16, torch.int64,
              torch.int32, torch.int16, torch.int8, torch.uint8, torch.bool, torch.complex64,
              torch.complex128, torch.float8_e4m3fn, torch.float8_e5m2]
# The legacy format stores typed storages; float8 has no typed storage class there.
LEGACY_DTYPES = [d for d in ALL_DTYPES if d not in (torch.float8_e4m3fn, torch.float8_e5m2)]


def torch_sha256(t):
    t = t.detach().contiguous()
    if t.dtype == torch.bfloat16:
        t = t.view(torch.int16)
    elif t.dtype in (torch.float8_e4m3fn, torch.float8_e5m2):
        t = t.view(torch.uint8)
    return hashlib.sha256(t.numpy().tobytes()).hexdigest()


def expected(state_dict):
    return [{"name": k, "dtype": str(v.dtype).replace("torch.", ""), "shape": list(v.shape),
             "nbytes": v.numel() * v.element_size(), "sha256": torch_sha256(v)}
            for k, v in state_dict.items()]


def inspect_json(path):
    return run_pt2tf_json("inspect", "--json", "--hash", path)


def assert_same_tensors(path, state_dict, fmt=None):
    got = inspect_json(path)
    if fmt is not None:
        assert got["format"] == fmt
    want = expected(state_dict)
    assert [t["name"] for t in got["tensors"]] == [t["name"] for t in want]
    assert got["tensors"] == want
    assert got["total_bytes"] == sum(t["nbytes"] for t in want)
    return got


def dtype_dict(dtypes):
    g = torch.Generator().manual_seed(1)
    out = {}
    for d in dtypes:
        base = torch.randn(3, 5, generator=g) * 50
        if d.is_complex:
            out[str(d)] = torch.complex(base, -base).to(d)
        elif d == torch.bool:
            out[str(d)] = base > 0
        else:
            out[str(d)] = base.to(d)
    out["scalar"] = torch.tensor(3.5)
    out["empty"] = torch.zeros(0, 4)
    return out


def views_dict():
    base = torch.arange(48, dtype=torch.float32).reshape(6, 8)
    return {
        "transposed": base.t(),                 # non-contiguous
        "slice": base[1:4, 2:7],                # offset + strides
        "row_a": base[2],                       # two tensors sharing one storage
        "row_b": base[5],
        "every_other": base[:, ::2],
        "expanded": torch.ones(3, 1).expand(3, 4),  # zero stride
        "base": base,
    }


class WithExtras(nn.Module):
    """state_dict() corner cases: non-persistent buffers, None entries, a shared child."""

    def __init__(self):
        super().__init__()
        self.shared = nn.Linear(3, 2)
        self.again = self.shared          # the same module under a second name
        self.register_buffer("kept", torch.arange(4.0))
        self.register_buffer("dropped", torch.ones(2), persistent=False)
        self.register_buffer("empty_slot", None)
        self.register_parameter("no_param", None)
        self.seq = nn.Sequential(nn.Conv2d(1, 1, 1, bias=False), nn.BatchNorm2d(1))


@pytest.fixture(scope="session")
def files(tmp_path_factory):
    """Writes every checkpoint once per session; returns {name: (path, reference state_dict)}."""
    import torchvision
    from efficientnet_pytorch import EfficientNet
    d = tmp_path_factory.mktemp("ckpt")
    out = {}

    def save(name, obj, reference, **kw):
        path = d / name
        torch.save(obj, path, **kw)
        out[name] = (path, reference)

    torch.manual_seed(0)
    civil = civilnet.as_main_class(civilnet.make_civilnet())
    save("civil_sd.pth", civil.state_dict(), civil.state_dict())
    save("civil_model.pth", civil, civil.state_dict())
    save("civil_legacy.pth", civil.state_dict(), civil.state_dict(),
         _use_new_zipfile_serialization=False)
    save("civil_model_legacy.pth", civil, civil.state_dict(),
         _use_new_zipfile_serialization=False)
    save("civil_p4.pth", civil.state_dict(), civil.state_dict(), pickle_protocol=4)
    save("civil_model_p4.pth", civil, civil.state_dict(), pickle_protocol=4)
    save("civil_model_p5.pth", civil, civil.state_dict(), pickle_protocol=5)
    import numpy as np
    save("wrapped_sd.pth", {"epoch": 3, "best_acc": np.float64(0.75), "state_dict": civil.state_dict(),
                            "optimizer": torch.optim.SGD(civil.parameters(), lr=0.1,
                                                         momentum=0.9).state_dict()},
         civil.state_dict())
    save("wrapped_model.pth", {"model": civil, "best_acc": 0.5}, civil.state_dict())

    extras = WithExtras()
    save("extras_model.pth", extras, extras.state_dict())
    save("extras_model_legacy.pth", extras, extras.state_dict(),
         _use_new_zipfile_serialization=False)

    resnet = torchvision.models.resnet18().eval()
    save("resnet18_sd.pth", resnet.state_dict(), resnet.state_dict())
    save("resnet18_model.pth", resnet, resnet.state_dict())
    save("resnet18_legacy.pth", resnet.state_dict(), resnet.state_dict(),
         _use_new_zipfile_serialization=False)
    mobilenet = torchvision.models.mobilenet_v3_small().eval()
    save("mobilenet_sd.pth", mobilenet.state_dict(), mobilenet.state_dict())
    save("mobilenet_model.pth", mobilenet, mobilenet.state_dict())
    effnet = EfficientNet.from_name("efficientnet-b0").eval()
    save("effnet_sd.pth", effnet.state_dict(), effnet.state_dict())
    save("effnet_model.pth", effnet, effnet.state_dict())
    save("effnet_legacy_model.pth", effnet, effnet.state_dict(),
         _use_new_zipfile_serialization=False)

    save("dtypes.pth", dtype_dict(ALL_DTYPES), dtype_dict(ALL_DTYPES))
    save("dtypes_legacy.pth", dtype_dict(LEGACY_DTYPES), dtype_dict(LEGACY_DTYPES),
         _use_new_zipfile_serialization=False)
    save("views.pth", views_dict(), views_dict())
    save("views_legacy.pth", views_dict(), views_dict(), _use_new_zipfile_serialization=False)
    params = {"w": nn.Parameter(torch.randn(4, 3)), "b": nn.Parameter(torch.randn(4))}
    params["b"].tag = "with state"  # pickles through _rebuild_parameter_with_state
    save("parameters.pth", params, params)

    scripted = torch.jit.script(civilnet.make_civilnet())
    scripted.save(str(d / "civil_script.pt"))
    out["civil_script.pt"] = (d / "civil_script.pt", scripted.state_dict())
    traced = torch.jit.trace(resnet, torch.zeros(1, 3, 64, 64))
    traced.save(str(d / "resnet18_traced.pt"))
    out["resnet18_traced.pt"] = (d / "resnet18_traced.pt", traced.state_dict())

    from safetensors.torch import save_file
    st = {k: v for k, v in dtype_dict(ALL_DTYPES).items() if not v.dtype.is_complex}
    save_file(st, str(d / "dtypes.safetensors"), metadata={"origin": "pt2tf test"})
    out["dtypes.safetensors"] = (d / "dtypes.safetensors", st)

    out["_models"] = {"civil": civil, "resnet": resnet, "effnet": effnet}
    return out


@pytest.mark.parametrize("name,fmt,container", [
    ("civil_sd.pth", "torch-zip", ""),
    ("civil_model.pth", "torch-zip", "module"),
    ("civil_legacy.pth", "torch-legacy", ""),
    ("civil_model_legacy.pth", "torch-legacy", "module"),
    ("civil_p4.pth", "torch-zip", ""),
    ("civil_model_p4.pth", "torch-zip", "module"),
    ("civil_model_p5.pth", "torch-zip", "module"),
    ("wrapped_sd.pth", "torch-zip", "state_dict"),
    ("wrapped_model.pth", "torch-zip", "model"),
    ("resnet18_sd.pth", "torch-zip", ""),
    ("resnet18_model.pth", "torch-zip", "module"),
    ("resnet18_legacy.pth", "torch-legacy", ""),
    ("mobilenet_sd.pth", "torch-zip", ""),
    ("mobilenet_model.pth", "torch-zip", "module"),
    ("effnet_sd.pth", "torch-zip", ""),
    ("effnet_model.pth", "torch-zip", "module"),
    ("effnet_legacy_model.pth", "torch-legacy", "module"),
    ("dtypes.pth", "torch-zip", ""),
    ("dtypes_legacy.pth", "torch-legacy", ""),
    ("views.pth", "torch-zip", ""),
    ("views_legacy.pth", "torch-legacy", ""),
    ("parameters.pth", "torch-zip", ""),
    ("extras_model.pth", "torch-zip", "module"),
    ("extras_model_legacy.pth", "torch-legacy", "module"),
    ("civil_script.pt", "torchscript", "module"),
    ("resnet18_traced.pt", "torchscript", "module"),
])
def test_tensors_match_torch(files, name, fmt, container):
    path, reference = files[name]
    got = assert_same_tensors(path, reference, fmt)
    assert got["container"] == container
    # What torch.load itself returns agrees too (guards the reference against mistakes).
    if fmt != "torchscript":
        loaded = torch.load(path, weights_only=False)
        if isinstance(loaded, nn.Module):
            loaded = loaded.state_dict()
        elif container:
            loaded = loaded[container]
            loaded = loaded.state_dict() if isinstance(loaded, nn.Module) else loaded
        assert [t["sha256"] for t in got["tensors"]] == [torch_sha256(v) for v in loaded.values()]


def test_every_dtype_is_present(files):
    got = inspect_json(files["dtypes.pth"][0])
    names = {t["dtype"] for t in got["tensors"]}
    assert names >= {str(d).replace("torch.", "") for d in ALL_DTYPES}


def test_safetensors(files):
    path, reference = files["dtypes.safetensors"]
    raw = path.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    metadata = header.pop("__metadata__")
    on_disk_order = sorted(header, key=lambda k: header[k]["data_offsets"][0])
    got = inspect_json(path)
    assert got["format"] == "safetensors"
    assert got["metadata"] == metadata
    assert got["tensors"] == expected({k: reference[k] for k in on_disk_order})


def test_big_endian_archive(files, tmp_path):
    """A zip whose byteorder says 'big': storages byte-swapped, as a big-endian host writes."""
    src, reference = files["dtypes.pth"]
    storage_dtypes = {}

    class Recorder(pickle.Unpickler):
        def find_class(self, module, name):
            if module.startswith("torch") and name.endswith("Storage"):
                return name
            if module in ("torch._utils", "torch") or name == "OrderedDict":
                return lambda *args: None
            return super().find_class(module, name)

        def persistent_load(self, pid):
            storage_dtypes[pid[2]] = pid[1]

    zin = zipfile.ZipFile(src)
    top = zin.namelist()[0].split("/")[0]
    Recorder(io.BytesIO(zin.read(f"{top}/data.pkl"))).load()
    sizes = {"DoubleStorage": 8, "FloatStorage": 4, "HalfStorage": 2, "BFloat16Storage": 2,
             "LongStorage": 8, "IntStorage": 4, "ShortStorage": 2, "CharStorage": 1,
             "ByteStorage": 1, "BoolStorage": 1, "ComplexFloatStorage": 4,
             "ComplexDoubleStorage": 8, "UntypedStorage": 1}
    dst = tmp_path / "big.pth"
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_STORED) as zout:
        for item in zin.infolist():
            data = zin.read(item)
            rel = item.filename[len(top) + 1:]
            if rel == "byteorder":
                data = b"big"
            elif rel.startswith("data/"):
                size = sizes[storage_dtypes[rel[5:]]]
                data = b"".join(data[i:i + size][::-1] for i in range(0, len(data), size))
            zout.writestr(item.filename, data)
    # torch itself reads it back as the original values ...
    back = torch.load(dst)
    assert [torch_sha256(v) for v in back.values()] == [torch_sha256(v) for v in
                                                       reference.values()]
    # ... and so does pt2tf. (Complex storages swap per component, as torch does.)
    assert_same_tensors(dst, reference, "torch-zip")


def test_module_corner_cases(files):
    got = inspect_json(files["extras_model.pth"][0])
    names = [t["name"] for t in got["tensors"]]
    assert "dropped" not in names and "no_param" not in names and "empty_slot" not in names
    assert "shared.weight" in names and "again.weight" in names
    # named_modules() lists a shared module once.
    assert [m["path"] for m in got["modules"]] == [n for n, _ in WithExtras().named_modules()]


def test_whole_model_skips_plain_attributes(files):
    got = inspect_json(files["civil_model.pth"][0])
    names = [t["name"] for t in got["tensors"]]
    assert "zeros" not in names and "name" not in names
    root = got["modules"][0]
    assert root["path"] == "" and root["class"] == "__main__.CivilNet"
    assert root["attributes"]["name"] == "CivilNet"
    assert root["attributes"]["zeros"] == {"tensor": {"dtype": "float32", "shape": [1, 1]}}


def check_module_tree(got, model):
    named = list(model.named_modules())
    assert [m["path"] for m in got["modules"]] == [n for n, _ in named]
    for info, (_, module) in zip(got["modules"], named):
        cls = type(module)
        assert info["class"] == f"{cls.__module__}.{cls.__qualname__}"
        attrs = info["attributes"]
        if isinstance(module, nn.Conv2d):
            for key in ("in_channels", "out_channels", "groups"):
                assert attrs[key] == getattr(module, key)
            for key in ("kernel_size", "stride", "padding", "dilation"):
                assert attrs[key] == list(getattr(module, key))
        if isinstance(module, nn.BatchNorm2d):
            assert attrs["eps"] == module.eps
            assert attrs["momentum"] == module.momentum
            assert attrs["num_features"] == module.num_features
        if isinstance(module, nn.Linear):
            assert attrs["in_features"] == module.in_features
            assert attrs["out_features"] == module.out_features


@pytest.mark.parametrize("name,model", [("civil_model.pth", "civil"),
                                        ("resnet18_model.pth", "resnet"),
                                        ("effnet_model.pth", "effnet")])
def test_module_tree(files, name, model):
    check_module_tree(inspect_json(files[name][0]), files["_models"][model])


def test_effnet_hyper_parameters(files):
    got = inspect_json(files["effnet_model.pth"][0])
    root = got["modules"][0]["attributes"]
    effnet = files["_models"]["effnet"]
    gp = root["_global_params"]
    assert gp["class"] == "efficientnet_pytorch.utils.GlobalParams"
    assert gp["args"] == [v if not isinstance(v, tuple) else list(v)
                          for v in effnet._global_params]
    assert len(root["_blocks_args"]) == len(effnet._blocks_args)


def test_text_output_lists_every_tensor(files):
    out = run_pt2tf("inspect", files["civil_model.pth"][0]).stdout
    assert "torch-zip" in out and "__main__.CivilNet" in out
    for name in files["civil_model.pth"][1]:
        assert name in out
    assert "kernel_size=[5,5]" in out


def test_bundled_examples_are_current():
    """examples/*.pth hold what examples/make_civilnet.py writes (civilnet.make_civilnet with
    seed 0): torch reads the bundled state dict as that model's, and pt2tf reads both bundled
    files as torch describes that model (names, dtypes, shapes, SHA-256, module tree)."""
    reference = civilnet.as_main_class(civilnet.make_civilnet(seed=0))
    want = reference.state_dict()
    bundled = torch.load(ROOT / "examples" / "civilnet.pth", map_location="cpu")
    assert list(bundled) == list(want)
    for k, v in want.items():
        assert bundled[k].dtype == v.dtype and torch.equal(bundled[k], v), k
    assert_same_tensors(ROOT / "examples" / "civilnet.pth", want, "torch-zip")
    whole = assert_same_tensors(ROOT / "examples" / "civilnet_model.pth", want, "torch-zip")
    check_module_tree(whole, reference)
