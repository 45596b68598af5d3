""".pth -> SavedModel with weights in variables/ (tensor bundle) vs inline vs a plain copy.

  .venv/bin/python bench/bench_saved_model_variables.py [--model vgg16] [--dir DIR] [--runs 3]

Saves a random-weight torchvision MODEL state_dict as DIR/MODEL.pth (once), warms the page
cache with it, then measures in fresh processes (medians over `runs`), printing a markdown
table: `cp MODEL.pth` (the copy floor), `pt2tf convert -o DIR/ --saved-model-weights
variables` and `... inline`; wall seconds, CPU seconds, peak RSS and its ratio to the
checkpoint size. Outputs are deleted after each run (disk use: ~3x the checkpoint at most).
"""
import argparse
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
import measure  # noqa: E402

SAVE = r"""
import sys, torch, torchvision
torch.manual_seed(0)
model = getattr(torchvision.models, sys.argv[1])(weights=None).eval()
torch.save(model.state_dict(), sys.argv[2])
"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="vgg16")
    parser.add_argument("--dir", default=None)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pt2tf", default=str(ROOT / "build" / "pt2tf"))
    args = parser.parse_args()
    work = pathlib.Path(args.dir or tempfile.mkdtemp(prefix="pt2tf_smv_bench_"))
    work.mkdir(parents=True, exist_ok=True)
    ckpt = work / f"{args.model}.pth"
    if not ckpt.exists():
        subprocess.run([sys.executable, "-c", SAVE, args.model, str(ckpt)], check=True)
    size_mib = ckpt.stat().st_size / 2**20
    out = work / "out"

    def clean():
        if out.is_dir():
            shutil.rmtree(out)
        elif out.exists():
            out.unlink()
        measure.warm_cache(ckpt)

    cases = [
        ("cp (copy floor)", ["cp", str(ckpt), str(out)]),
        ("pt2tf -> SavedModel, variables/",
         [args.pt2tf, "convert", "-i", ckpt, "--model", args.model, "-o", f"{out}/", "-q",
          "--saved-model-weights", "variables"]),
        ("pt2tf -> SavedModel, inline",
         [args.pt2tf, "convert", "-i", ckpt, "--model", args.model, "-o", f"{out}/", "-q",
          "--saved-model-weights", "inline"]),
    ]
    print(f"{args.model}: checkpoint {size_mib:.1f} MiB; {measure.machine_description()}")
    print()
    print("| command | wall s | CPU s | peak RSS MiB | RSS / checkpoint |")
    print("|---|---|---|---|---|")
    for label, cmd in cases:
        run = measure.median_runs(cmd, repeat=args.runs, before_each=clean)
        print(f"| {label} | {run.seconds:.2f} | {run.cpu_seconds:.2f} | {run.peak_rss_mb:.0f} | "
              f"{run.peak_rss_mb / size_mib:.2f} |", flush=True)
    clean()
    if not args.dir:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
