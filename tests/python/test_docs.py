"""The docs list what the binary does: docs/MODELS.md names exactly `pt2tf models`."""
import json
import re

from conftest import ROOT, run_pt2tf


def test_models_doc_lists_every_model_with_its_facts():
    models = json.loads(run_pt2tf("models", "--json").stdout)
    doc = (ROOT / "docs" / "MODELS.md").read_text()
    rows = re.findall(r"^\| `([^`]+)` \| (\S+) \| ([\d,]+) \|", doc, re.M)
    documented = {name: (shape, int(count.replace(",", ""))) for name, shape, count in rows}
    built_in = {m["name"]: ("x".join(map(str, m["input_shape"])), m["parameter_count"])
                for m in models if not m["source"].startswith("models/")
                or m["name"] == "civilnet"}
    assert documented == built_in
