"""The classic hand-written PyTorch → TensorFlow script, as users write it (peer (b)).

  .venv-onnxtf/bin/python bench/peers/classic_pipeline.py --model NAME -i W.pth \
      --onnx out.onnx -o out_saved_model/

Builds the PyTorch model by name, load_state_dict(torch.load(W.pth)), torch.onnx.export
(TorchScript exporter, opset 17), then onnx-tf: prepare(onnx.load(...)).export_graph(dir).
Run in the venv of requirements-onnxtf.txt (torch 2.14 + TensorFlow 2.15 + onnx-tf 1.10);
without -o it is the first step alone (any venv with torch: bench_onnx_export.py uses .venv).
onnx-tf 1.10 writes a SavedModel directory (even when given a name ending in .pb).
Everything a user pays for is inside one process: interpreter start, imports, the two steps.
"""
import argparse
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
import models  # noqa: E402  (bench/models.py: the same constructors as every other bench)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True, choices=sorted(models.MODELS))
    ap.add_argument("-i", "--input", required=True, help="state_dict checkpoint (.pth)")
    ap.add_argument("--onnx", required=True, help="intermediate ONNX file to write")
    ap.add_argument("-o", "--output", help="SavedModel directory to write (omitted: stop after "
                    "the ONNX export, the first step alone)")
    args = ap.parse_args()

    import torch
    model = models.build_torch(args.model)
    model.load_state_dict(torch.load(args.input, map_location="cpu"))
    model.eval()
    models.export_onnx(model, models.MODELS[args.model].input_shape, args.onnx)
    del model
    if args.output is None:
        return

    import onnx
    from onnx_tf.backend import prepare
    tf_rep = prepare(onnx.load(args.onnx))
    tf_rep.export_graph(args.output)


if __name__ == "__main__":
    main()
