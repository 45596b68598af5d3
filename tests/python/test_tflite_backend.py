"""ONNX backend node tests through the TFLite writer (tests/python/tflite_backend.py).

Every case must end as pass or refused: a wrong answer, a file the LiteRT interpreter
rejects, or a crash fails the suite, and so does any case listed in
tflite_backend_expected.txt (the cases that passed when it was last regenerated) that no
longer passes, or whose `--precision fp16` file does not pass at the fp16 bound. Regenerate
the list, and the TFLite column of docs/OPERATORS.md, with PT2TF_UPDATE_EXPECTED=1 (or
=drop; ratchet.py).
"""
import pathlib

import pytest

import ratchet
import tflite_backend
from conftest import ROOT

EXPECTED = pathlib.Path(__file__).parent / "tflite_backend_expected.txt"


@pytest.fixture(scope="module")
def results(pt2tf_bin):
    names = sorted(p.name for p in tflite_backend.cases_dir().iterdir())
    return tflite_backend.run_all(names, jobs=2)


def test_no_wrong_answers_or_crashes(results):
    bad = {n: r for n, r in results.items() if r[0] in ("fail", "crash")}
    assert not bad, "\n".join(f"{n}: {o}: {d}" for n, (o, d) in sorted(bad.items()))


def test_previously_passing_cases_still_pass(results):
    passed = sorted(n for n, (o, _) in results.items() if o == "pass")
    ratchet.check(EXPECTED, passed, lambda n: "{}: {}".format(*results.get(n, ("missing", ""))))
    if ratchet.mode():  # the TFLite column, from the list just written
        tflite_backend.update_docs(ROOT / "docs" / "OPERATORS.md")


def test_fp16_files_still_pass():
    """Every case that passes at fp32 also converts with `--precision fp16` (float16 weights
    behind DEQUANTIZE), loads in LiteRT with XNNPACK and matches the reference within the fp16
    bound, max|diff| <= 1e-2 * max(1, max|ref|)."""
    names = EXPECTED.read_text().split()
    results = tflite_backend.run_all(names, jobs=2, precision="fp16")
    bad = {n: r for n, r in results.items() if r[0] != "pass"}
    assert not bad, "\n".join(f"{n}: {o}: {d}" for n, (o, d) in sorted(bad.items()))
