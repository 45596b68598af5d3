"""A live nn.Module → .tflite in one fresh process, the way each Python tool is called (peer
driver of bench/bench_pt2.py; the process start, imports and model construction count).

  python bench/peers/module_convert.py --tool pt2tf|litert-torch|torch-onnx --model NAME -o OUT

  pt2tf         pt2tf.convert(model, (x,), outputs=[OUT]): torch.export capture, .pt2 save,
                then the native converter (python/pt2tf, build/pt2tf via PT2TF_BINARY);
  litert-torch  litert_torch.convert(model, (x,)).export(OUT) (run in .venv-litert);
  torch-onnx    torch.onnx.export(model, (x,), OUT, opset 17), the first half of the
                onnx2tf route (onnx2tf runs after it, in its own venv).
"""
import argparse
import pathlib
import sys

BENCH = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent / "python"))


def small_bert():
    """A small random BERT encoder (2 layers, hidden 128), token ids [1, 32] in."""
    import torch
    from transformers import BertConfig, BertModel

    class LastHidden(torch.nn.Module):
        def __init__(self, model):
            super().__init__()
            self.model = model

        def forward(self, ids):
            return self.model(ids).last_hidden_state

    torch.manual_seed(0)
    config = BertConfig(vocab_size=1000, hidden_size=128, num_hidden_layers=2,
                        num_attention_heads=2, intermediate_size=512,
                        max_position_embeddings=64)
    model = LastHidden(BertModel(config, add_pooling_layer=False)).eval()
    return model, torch.randint(0, 1000, (1, 32), generator=torch.Generator().manual_seed(0))


def build(name):
    import torch
    if name == "bert-small":
        return small_bert()
    import models
    torch.manual_seed(0)
    return models.build_torch(name), torch.randn(models.MODELS[name].input_shape)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tool", required=True, choices=["pt2tf", "litert-torch", "torch-onnx"])
    ap.add_argument("--model", required=True)
    ap.add_argument("-o", "--output", required=True)
    args = ap.parse_args()
    import torch
    model, x = build(args.model)
    if args.tool == "pt2tf":
        import pt2tf
        pt2tf.convert(model, (x,), outputs=[args.output])
    elif args.tool == "litert-torch":
        import litert_torch
        litert_torch.convert(model, (x,)).export(args.output)
    else:
        torch.onnx.export(model, (x,), args.output, opset_version=17, dynamo=False,
                          input_names=["input"], output_names=["output"])


if __name__ == "__main__":
    main()
