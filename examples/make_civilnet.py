"""Writes the bundled example checkpoints, reproducibly (fixed seed):

  examples/civilnet.pth        torch.save(model.state_dict())
  examples/civilnet_model.pth  torch.save(model): the whole pickled model, class __main__.CivilNet

Usage: .venv/bin/python examples/make_civilnet.py [OUT_DIR]
"""
import pathlib
import sys

import torch

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import civilnet  # noqa: E402


def main():
    out = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).parent)
    out.mkdir(parents=True, exist_ok=True)
    model = civilnet.as_main_class(civilnet.make_civilnet(seed=0))
    torch.save(model.state_dict(), out / "civilnet.pth")
    torch.save(model, out / "civilnet_model.pth")
    print(f"wrote {out / 'civilnet.pth'} and {out / 'civilnet_model.pth'}")


if __name__ == "__main__":
    main()
