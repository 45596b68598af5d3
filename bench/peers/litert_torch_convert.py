"""`.pth` → `.tflite` with litert-torch, as Ultralytics' TFLite export now does it (peer).

  .venv-litert/bin/python bench/peers/litert_torch_convert.py --model NAME -i W.pth -o out.tflite

Builds the PyTorch model by name (bench/models.py), load_state_dict(torch.load(W.pth)), then
litert_torch.convert(model, (example,)).export(out): torch.export, the ATen → TFL lowering and
the FlatBuffer write, all in this one process (interpreter start and imports included).
"""
import argparse
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
import models  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True, choices=sorted(models.MODELS))
    ap.add_argument("-i", "--input", required=True, help="state_dict checkpoint (.pth)")
    ap.add_argument("-o", "--output", required=True, help=".tflite file to write")
    args = ap.parse_args()

    import torch
    import litert_torch
    model = models.build_torch(args.model)
    model.load_state_dict(torch.load(args.input, map_location="cpu"))
    model.eval()
    example = torch.zeros(models.MODELS[args.model].input_shape)
    litert_torch.convert(model, (example,)).export(args.output)


if __name__ == "__main__":
    main()
