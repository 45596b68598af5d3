"""ONNX backend node tests through the TFLite writer (tests/python/tflite_backend.py).

Every case must end as pass or refused: a wrong answer, a file the LiteRT interpreter
rejects, or a crash fails the suite, and so does any case listed in
tflite_backend_expected.txt (the cases that passed when it was last regenerated) that no
longer passes. Regenerate the list, and the TFLite column of docs/OPERATORS.md, with
PT2TF_UPDATE_EXPECTED=1.
"""
import os
import pathlib

import pytest

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
    if os.environ.get("PT2TF_UPDATE_EXPECTED"):
        EXPECTED.write_text("\n".join(passed) + "\n")
        tflite_backend.update_docs(ROOT / "docs" / "OPERATORS.md", set(passed))
    expected = EXPECTED.read_text().split()
    lost = [n for n in expected if results.get(n, ("missing",))[0] != "pass"]
    assert not lost, f"{len(lost)} cases no longer pass: {lost[:20]}"
    assert len(passed) >= len(expected)
